/**
 * Golden vectors: fixed keys (test/fixtures/pki), fixed dates, fixed "random"
 * → every field and extension of every profile, byte for byte. ECDSA
 * signatures are randomised, so ECDSA certificates are pinned by their TBS;
 * RSA PKCS#1 v1.5 is deterministic, so RSA certificates are pinned whole.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDerHeader } from '../../electron/core/pki/der';
import { issueCertificate, type IssuedCertificate } from '../../electron/core/pki/index';
import { countingRandom, fixtureDer, fixtureKey, hex } from './helpers';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');

/** SKI computed independently of the engine: SHA-1 over the raw public key (EC point / RSAPublicKey DER). */
function independentSki(pkcs8Name: string): string {
  const pub = createPublicKey(createPrivateKey({ key: Buffer.from(fixtureDer(`${pkcs8Name}.pkcs8.pem`)), format: 'der', type: 'pkcs8' }));
  if (pub.asymmetricKeyType === 'ec') {
    const jwk = pub.export({ format: 'jwk' });
    return sha1(Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]));
  }
  return sha1(pub.export({ format: 'der', type: 'pkcs1' }));
}

/** Raw bytes of the i-th element of a DER SEQUENCE. */
function childRaw(der: Uint8Array, i: number): Uint8Array {
  let off = readDerHeader(der)!.headerLength;
  for (let k = 0; ; k++) {
    const h = readDerHeader(der.subarray(off))!;
    if (k === i) return der.subarray(off, off + h.totalLength);
    off += h.totalLength;
  }
}
const tbsOf = (der: Uint8Array): Uint8Array => childRaw(der, 0);

const SIGALG_DER = {
  ecdsaSha256: '300a06082a8648ce3d040302', // parameters absent (RFC 5758)
  ecdsaSha384: '300a06082a8648ce3d040303',
  rsaSha256: '300d06092a864886f70d01010b0500', // parameters NULL (RFC 4055)
};

interface Parsed {
  version: number;
  serial: string;
  tbsSigAlg: string;
  sigAlg: string;
  sigAlgDer: string;
  notBefore: string;
  notBeforeIsUtcTime: boolean;
  notAfter: string;
  extensions: [string, boolean, string][];
}

function parse(der: Uint8Array): Parsed {
  const c = AsnConvert.parse(der, Certificate);
  const t = c.tbsCertificate;
  return {
    version: t.version,
    serial: hex(t.serialNumber),
    tbsSigAlg: t.signature.algorithm,
    sigAlg: c.signatureAlgorithm.algorithm,
    // The AlgorithmIdentifier as raw DER, parameters included (RSA: NULL; ECDSA: absent).
    sigAlgDer: hex(childRaw(der, 1)),
    notBefore: t.validity.notBefore.getTime().toISOString(),
    notBeforeIsUtcTime: t.validity.notBefore.utcTime !== undefined,
    notAfter: t.validity.notAfter.getTime().toISOString(),
    extensions: (t.extensions ?? []).map((e) => [e.extnID, e.critical === true, hex(e.extnValue.buffer)]),
  };
}

// Expected extension values (DER of extnValue contents), written out by hand.
const BC_CA_PATHLEN = (n: number): string => `30060101ff02010${n}`;
const BC_LEAF = '3000'; // CA:FALSE is DEFAULT, so omitted in DER
const KU_CA = '03020106'; // keyCertSign(5) + cRLSign(6): 1 unused bit, 0b0000011
const KU_DIGITAL_SIGNATURE = '03020780'; // bit 0 only: 7 unused bits
const KU_DS_KEYENC = '030205a0'; // bits 0 and 2: 5 unused bits
const EKU_CLIENT_AUTH = '300a06082b06010505070302';
const SKI = (h: string): string => `0414${h}`;
const AKI = (h: string): string => `30168014${h}`;

const OID = {
  bc: '2.5.29.19',
  ku: '2.5.29.15',
  eku: '2.5.29.37',
  ski: '2.5.29.14',
  aki: '2.5.29.35',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  rsaSha256: '1.2.840.113549.1.1.11',
};

const NOW = new Date('2025-06-01T00:00:00Z');

describe('golden vectors: ECDSA hierarchy (P-384 root → P-256 factory → P-256 technician → leaves)', () => {
  let root: IssuedCertificate;
  let factory: IssuedCertificate;
  let technician: IssuedCertificate;
  let leaf: IssuedCertificate;
  let verification: IssuedCertificate;
  const ski = {} as Record<'root' | 'factory' | 'technician' | 'device', string>;

  beforeAll(async () => {
    const rootKey = await fixtureKey('root-p384');
    const factoryKey = await fixtureKey('intermediate-p256');
    const techKey = await fixtureKey('technician-p256');
    const deviceKey = await fixtureKey('device-p256');
    ski.root = independentSki('root-p384');
    ski.factory = independentSki('intermediate-p256');
    ski.technician = independentSki('technician-p256');
    ski.device = independentSki('device-p256');
    root = await issueCertificate({
      profile: 'rootCa',
      commonName: 'Company-X Root CA',
      organization: 'Company-X',
      country: 'DE',
      subjectPublicKey: rootKey.publicKey,
      issuer: 'self',
      selfKeys: rootKey,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      days: 7305,
      now: NOW,
      random: countingRandom(0x00),
    });
    factory = await issueCertificate({
      profile: 'intermediateCa',
      commonName: 'Factory-Y',
      organization: 'Company-X',
      subjectPublicKey: factoryKey.publicKey,
      issuer: { certificate: root.der, privateKey: rootKey.privateKey },
      pathLen: 1,
      notBefore: new Date('2025-01-02T00:00:00Z'),
      days: 3652,
      now: NOW,
      random: countingRandom(0x10),
    });
    technician = await issueCertificate({
      profile: 'intermediateCa',
      commonName: 'Technician-Z',
      subjectPublicKey: techKey.publicKey,
      issuer: { certificate: factory.der, privateKey: factoryKey.privateKey },
      notBefore: new Date('2025-01-03T00:00:00Z'),
      days: 3652, // runs past the factory's notAfter: clamped
      now: NOW,
      random: countingRandom(0x20),
    });
    leaf = await issueCertificate({
      profile: 'deviceLeaf',
      commonName: 'sensor-0001',
      subjectPublicKey: deviceKey.publicKey,
      issuer: { certificate: technician.der, privateKey: techKey.privateKey },
      notBefore: new Date('2025-02-01T00:00:00Z'),
      days: 365,
      now: NOW,
      random: countingRandom(0xc0),
    });
    verification = await issueCertificate({
      profile: 'hubVerification',
      commonName: '3A9F00C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B8C9D0E1',
      subjectPublicKey: deviceKey.publicKey,
      issuer: { certificate: technician.der, privateKey: techKey.privateKey },
      notBefore: new Date('2025-05-20T12:34:56.789Z'),
      // days omitted: the profile's explicit default (30) applies
      now: NOW,
      random: countingRandom(0xff),
    });
  });

  it('rootCa: every field', () => {
    const p = parse(root.der);
    expect(p).toEqual({
      version: 2,
      serial: '400102030405060708090a0b0c0d0e0f',
      tbsSigAlg: OID.ecdsaSha384,
      sigAlg: OID.ecdsaSha384,
      sigAlgDer: SIGALG_DER.ecdsaSha384,
      notBefore: '2025-01-01T00:00:00.000Z',
      notBeforeIsUtcTime: true,
      notAfter: '2045-01-01T00:00:00.000Z',
      extensions: [
        [OID.bc, true, BC_CA_PATHLEN(2)],
        [OID.ku, true, KU_CA],
        [OID.ski, false, SKI(ski.root)],
        [OID.aki, false, AKI(ski.root)], // root: AKI = own SKI
      ],
    });
    const x = new X509Certificate(root.der);
    expect(x.subject).toBe('C=DE\nO=Company-X\nCN=Company-X Root CA');
    expect(x.issuer).toBe(x.subject);
    expect(root.subject).toBe('C=DE, O=Company-X, CN=Company-X Root CA');
    expect(root.serialHex).toBe(p.serial);
    expect(root.clamped).toBe(false);
  });

  it('intermediateCa (factory, pathLen 1): every field', () => {
    expect(parse(factory.der)).toEqual({
      version: 2,
      serial: '501112131415161718191a1b1c1d1e1f',
      tbsSigAlg: OID.ecdsaSha384, // signed by the P-384 root
      sigAlg: OID.ecdsaSha384,
      sigAlgDer: SIGALG_DER.ecdsaSha384,
      notBefore: '2025-01-02T00:00:00.000Z',
      notBeforeIsUtcTime: true,
      notAfter: '2035-01-02T00:00:00.000Z',
      extensions: [
        [OID.bc, true, BC_CA_PATHLEN(1)],
        [OID.ku, true, KU_CA],
        [OID.ski, false, SKI(ski.factory)],
        [OID.aki, false, AKI(ski.root)],
      ],
    });
    expect(new X509Certificate(factory.der).subject).toBe('O=Company-X\nCN=Factory-Y');
    expect(new X509Certificate(factory.der).issuer).toBe('C=DE\nO=Company-X\nCN=Company-X Root CA');
  });

  it('intermediateCa (technician, default pathLen 0): every field, validity clamped to the factory', () => {
    expect(parse(technician.der)).toEqual({
      version: 2,
      serial: '60212223242526272829' + '2a2b2c2d2e2f',
      tbsSigAlg: OID.ecdsaSha256, // signed by the P-256 factory
      sigAlg: OID.ecdsaSha256,
      sigAlgDer: SIGALG_DER.ecdsaSha256,
      notBefore: '2025-01-03T00:00:00.000Z',
      notBeforeIsUtcTime: true,
      notAfter: '2035-01-02T00:00:00.000Z', // = factory notAfter
      extensions: [
        [OID.bc, true, BC_CA_PATHLEN(0)],
        [OID.ku, true, KU_CA],
        [OID.ski, false, SKI(ski.technician)],
        [OID.aki, false, AKI(ski.factory)],
      ],
    });
    expect(technician.clamped).toBe(true);
    expect(technician.clampedFields).toEqual(['notAfter']);
    expect(technician.notAfter.toISOString()).toBe('2035-01-02T00:00:00.000Z');
  });

  it('deviceLeaf (EC key): every field', () => {
    expect(parse(leaf.der)).toEqual({
      version: 2,
      serial: '40c1c2c3c4c5c6c7c8c9cacbcccdcecf',
      tbsSigAlg: OID.ecdsaSha256,
      sigAlg: OID.ecdsaSha256,
      sigAlgDer: SIGALG_DER.ecdsaSha256,
      notBefore: '2025-02-01T00:00:00.000Z',
      notBeforeIsUtcTime: true,
      notAfter: '2026-02-01T00:00:00.000Z',
      extensions: [
        [OID.bc, true, BC_LEAF],
        [OID.ku, true, KU_DIGITAL_SIGNATURE],
        [OID.eku, false, EKU_CLIENT_AUTH],
        [OID.ski, false, SKI(ski.device)],
        [OID.aki, false, AKI(ski.technician)],
      ],
    });
    const x = new X509Certificate(leaf.der);
    expect(x.subject).toBe('CN=sensor-0001');
    expect(x.ca).toBe(false);
    expect(leaf.fingerprintSha256).toBe(sha256(leaf.der));
    expect(leaf.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hubVerification: CN = code, 30 days by default, no EKU, leaf-like', () => {
    expect(parse(verification.der)).toEqual({
      version: 2,
      serial: '7f000102030405060708090a0b0c0d0e',
      tbsSigAlg: OID.ecdsaSha256,
      sigAlg: OID.ecdsaSha256,
      sigAlgDer: SIGALG_DER.ecdsaSha256,
      notBefore: '2025-05-20T12:34:56.000Z', // whole seconds
      notBeforeIsUtcTime: true,
      notAfter: '2025-06-19T12:34:56.000Z',
      extensions: [
        [OID.bc, true, BC_LEAF],
        [OID.ku, true, KU_DIGITAL_SIGNATURE],
        [OID.ski, false, SKI(ski.device)],
        [OID.aki, false, AKI(ski.technician)],
      ],
    });
    expect(new X509Certificate(verification.der).subject).toBe('CN=3A9F00C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B8C9D0E1');
  });

  it('TBS bytes are pinned (any change to encoding shows up here)', () => {
    expect({
      root: sha256(tbsOf(root.der)),
      factory: sha256(tbsOf(factory.der)),
      technician: sha256(tbsOf(technician.der)),
      leaf: sha256(tbsOf(leaf.der)),
      verification: sha256(tbsOf(verification.der)),
    }).toEqual(GOLDEN_TBS_SHA256);
  });
});

describe('golden vectors: RSA (deterministic PKCS#1 v1.5 → whole DER)', () => {
  it('RSA root and an RSA device leaf: fields and whole-DER hashes', async () => {
    const rootKey = await fixtureKey('root-rsa2048');
    const deviceKey = await fixtureKey('device-rsa2048');
    const root = await issueCertificate({
      profile: 'rootCa',
      commonName: 'Company-X RSA Root',
      subjectPublicKey: rootKey.publicKey,
      issuer: 'self',
      selfKeys: rootKey,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      days: 3652,
      pathLen: 0,
      now: NOW,
      random: countingRandom(0x30),
    });
    const leaf = await issueCertificate({
      profile: 'deviceLeaf',
      commonName: 'rsa-device:01',
      subjectPublicKey: deviceKey.publicKey,
      issuer: { certificate: root.der, privateKey: rootKey.privateKey },
      notBefore: new Date('2024-12-01T00:00:00Z'), // before the root: clamped
      days: 730,
      now: NOW,
      random: countingRandom(0x80),
    });
    const rootSki = independentSki('root-rsa2048');
    expect(parse(root.der)).toEqual({
      version: 2,
      serial: '70313233343536373839' + '3a3b3c3d3e3f',
      tbsSigAlg: OID.rsaSha256,
      sigAlg: OID.rsaSha256,
      sigAlgDer: SIGALG_DER.rsaSha256,
      notBefore: '2025-01-01T00:00:00.000Z',
      notBeforeIsUtcTime: true,
      notAfter: '2035-01-01T00:00:00.000Z',
      extensions: [
        [OID.bc, true, BC_CA_PATHLEN(0)],
        [OID.ku, true, KU_CA],
        [OID.ski, false, SKI(rootSki)],
        [OID.aki, false, AKI(rootSki)],
      ],
    });
    expect(parse(leaf.der)).toEqual({
      version: 2,
      serial: '40818283848586878889' + '8a8b8c8d8e8f',
      tbsSigAlg: OID.rsaSha256,
      sigAlg: OID.rsaSha256,
      sigAlgDer: SIGALG_DER.rsaSha256,
      notBefore: '2025-01-01T00:00:00.000Z',
      notBeforeIsUtcTime: true,
      notAfter: '2026-12-01T00:00:00.000Z',
      extensions: [
        [OID.bc, true, BC_LEAF],
        [OID.ku, true, KU_DS_KEYENC], // RSA device key: digitalSignature + keyEncipherment
        [OID.eku, false, EKU_CLIENT_AUTH],
        [OID.ski, false, SKI(independentSki('device-rsa2048'))],
        [OID.aki, false, AKI(rootSki)],
      ],
    });
    expect(leaf.clamped).toBe(true);
    expect(leaf.clampedFields).toEqual(['notBefore']);
    expect({ root: sha256(root.der), leaf: sha256(leaf.der) }).toEqual(GOLDEN_RSA_DER_SHA256);
  });

  it('GeneralizedTime is used from 2050 on', async () => {
    const rootKey = await fixtureKey('root-rsa2048');
    const root = await issueCertificate({
      profile: 'rootCa',
      commonName: 'Long Root',
      subjectPublicKey: rootKey.publicKey,
      issuer: 'self',
      selfKeys: rootKey,
      notBefore: new Date('2040-01-01T00:00:00Z'),
      days: 9131,
      now: NOW,
      random: countingRandom(1),
    });
    const c = AsnConvert.parse(root.der, Certificate);
    expect(c.tbsCertificate.validity.notBefore.utcTime).toBeDefined();
    expect(c.tbsCertificate.validity.notAfter.generalTime?.toISOString()).toBe('2064-12-31T00:00:00.000Z');
  });
});

const GOLDEN_TBS_SHA256 = {
  root: 'b9b07d72cbfe3e2ac6ecfc61e0e60415dcf8788293cb36022b074f6ca27e21ca',
  factory: 'ac5ba3847e1b651ba502272126f6be405d5decf234c4d3829f5616becc03c71f',
  technician: 'e82ebe93354a0e39209e8440a35c4a28c1d010ddc58a239aad526efe37d886b2',
  leaf: '9bf139fc51d9666ed1dae7ec123bece080fa58b838bb799d5a96a6fc4b74533b',
  verification: 'c2365b8f5feed8c036df12d36e20975953fccfe05342cccb1a303d00e675c42d',
};
const GOLDEN_RSA_DER_SHA256 = {
  root: '0af0c2620152e548366be54258b9fb0f2498d13269addcf67c7b46eeb4d683ed',
  leaf: '20b6f3022720498bf819e4927e0d311258ad2fbb8081062f07636916e25bf3c4',
};
