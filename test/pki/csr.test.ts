/**
 * CSR intake: bad CSRs are refused, each with its own code, and nothing is
 * signed; a CSR's requests are reported and ignored.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { signTbs, type TbsSigner } from '../../electron/core/pki/certificate-builder';
import { CSR_MAX_BYTES, fromPem, issueCertificate, readCsr, readCertificate, type IssuedCertificate } from '../../electron/core/pki/index';
import { readChildren, readElement, tlv, type DerElement } from '../../electron/core/pki/der';
import { expectCode, fixtureKey, openssl, tempDir } from './helpers';

let dir: string;
let ca: { certificate: Uint8Array; privateKey: Awaited<ReturnType<typeof fixtureKey>>['privateKey'] };
const pems: Record<string, string> = {};

function csr(name: string, keyArgs: string[], extra: string[] = [], subj = '/CN=dev-001'): void {
  const g = openssl(['genpkey', ...keyArgs, '-out', `${name}.key`], dir);
  expect(g.status, g.stderr).toBe(0);
  const r = openssl(['req', '-new', '-key', `${name}.key`, '-subj', subj, ...extra, '-out', `${name}.csr`], dir);
  expect(r.status, r.stderr).toBe(0);
  pems[name] = readFileSync(join(dir, `${name}.csr`), 'utf8');
}

beforeAll(async () => {
  dir = tempDir();
  csr('p256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  csr('p384', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']);
  csr('k256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1']);
  csr('p521', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521']);
  csr('rsa1024', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
  csr('ed25519', ['-algorithm', 'ED25519']);
  csr(
    'greedy',
    ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ['-addext', 'basicConstraints=critical,CA:TRUE,pathlen:3', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectAltName=DNS:evil.example,IP:10.0.0.1', '-addext', 'extendedKeyUsage=serverAuth'],
    '/CN=dev-001/O=Evil Corp/OU=Root',
  );
  const rootKey = await fixtureKey('root-p384');
  const root = await issueCertificate({ profile: 'rootCa', commonName: 'CSR Test Root', subjectPublicKey: rootKey.publicKey, issuer: 'self', selfKeys: rootKey, notBefore: new Date(Date.now() - 3600_000), days: 365 });
  ca = { certificate: root.der, privateKey: rootKey.privateKey };
});

const derOf = (name: string): Uint8Array => fromPem(pems[name]!)[0]!.der;

/** The station's flow: intake, then issue; `signer` (default: the real one) signs whatever gets that far. */
async function intakeAndIssue(input: string | Uint8Array, signer: TbsSigner = signTbs): Promise<IssuedCertificate> {
  const intake = readCsr(input);
  return issueCertificate({ profile: 'deviceLeaf', commonName: 'dev-001', subjectPublicKey: intake.publicKeySpki, issuer: ca, notBefore: new Date(Date.now() - 60_000), days: 30, signer });
}

describe('readCsr accepts', () => {
  it('PEM and DER of the same CSR, with the same result', () => {
    const a = readCsr(pems.p256!);
    const b = readCsr(derOf('p256'));
    expect(a.keyInfo).toEqual({ kind: 'EC', curve: 'P-256' });
    expect(a.commonName).toBe('dev-001');
    expect(a.requestedSubject).toBe('CN=dev-001');
    expect(a.ignoredRequests).toEqual([]);
    expect(Buffer.from(a.publicKeySpki).equals(Buffer.from(b.publicKeySpki))).toBe(true);
    expect(a.csrSha256).toBe(b.csrSha256);
    expect(a.csrSha256).toMatch(/^[0-9a-f]{64}$/);
    // the pinned key is the key openssl put in the CSR
    const pub = openssl(['req', '-in', 'p256.csr', '-noout', '-pubkey'], dir).stdout;
    expect(pub.replace(/\s/g, '')).toContain(Buffer.from(a.publicKeySpki).toString('base64'));
  });

  it('P-384 keys', () => {
    expect(readCsr(pems.p384!).keyInfo).toEqual({ kind: 'EC', curve: 'P-384' });
  });
});

describe('bad CSRs are refused with their own code and nothing is signed', () => {
  const flipLastByte = (d: Uint8Array): Uint8Array => {
    const c = Uint8Array.from(d);
    c[c.length - 1]! ^= 0x01;
    return c;
  };
  const cases: [string, () => string | Uint8Array, string][] = [
    ['flipped signature byte', () => flipLastByte(derOf('p256')), 'CSR_SIGNATURE_INVALID'],
    ['subject changed after signing', () => {
      const d = Uint8Array.from(derOf('p256'));
      const i = Buffer.from(d).indexOf('dev-001');
      d[i] = 'x'.charCodeAt(0);
      return d;
    }, 'CSR_SIGNATURE_INVALID'],
    ['secp256k1 key', () => pems.k256!, 'KEY_UNSUPPORTED_CURVE'],
    ['P-521 key', () => pems.p521!, 'KEY_UNSUPPORTED_CURVE'],
    ['RSA-1024 key', () => pems.rsa1024!, 'KEY_RSA_TOO_SMALL'],
    ['Ed25519 key', () => pems.ed25519!, 'KEY_UNSUPPORTED_ALGORITHM'],
    ['garbage bytes', () => new TextEncoder().encode('this is not a certificate request at all'), 'CSR_MALFORMED'],
    ['garbage inside a well-formed SEQUENCE', () => Uint8Array.of(0x30, 0x04, 0x02, 0x01, 0x00, 0x05), 'CSR_MALFORMED'],
    ['PEM with a broken body', () => '-----BEGIN CERTIFICATE REQUEST-----\n@@@@\n-----END CERTIFICATE REQUEST-----\n', 'CSR_MALFORMED'],
    ['a certificate instead of a CSR', () => ca.certificate, 'CSR_MALFORMED'],
    ['truncated DER', () => derOf('p256').subarray(0, derOf('p256').length - 17), 'CSR_TRUNCATED'],
    ['truncated inside the length octets', () => derOf('rsa1024').subarray(0, 3), 'CSR_TRUNCATED'],
    ['1 MiB input', () => new Uint8Array(1024 * 1024).fill(0x30), 'CSR_TOO_LARGE'],
    ['1 MiB PEM text', () => `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(1024 * 1024)}\n-----END CERTIFICATE REQUEST-----\n`, 'CSR_TOO_LARGE'],
  ];
  for (const [label, input, code] of cases) {
    it(`${label} → ${code}`, async () => {
      const signer = vi.fn<TbsSigner>(signTbs);
      await expectCode(intakeAndIssue(input(), signer), code);
      expect(signer).not.toHaveBeenCalled();
    });
  }

  it('the CA key signs in this flow once a CSR passes intake (the counting signer sees it)', async () => {
    const signer = vi.fn<TbsSigner>(signTbs);
    await intakeAndIssue(pems.p256!, signer);
    expect(signer).toHaveBeenCalledTimes(1);
    expect(signer.mock.calls[0]![1]).toBe(ca.privateKey);
  });

  it('the size limit is checked before parsing (a valid CSR above a lowered limit is refused)', async () => {
    await expectCode(() => readCsr(pems.p256!, { maxBytes: 100 }), 'CSR_TOO_LARGE');
    expect(CSR_MAX_BYTES).toBe(65536);
  });
});

describe('requests in the CSR are reported and ignored', () => {
  it('CA:TRUE, keyCertSign, SAN, serverAuth, extra subject fields → a plain device leaf', async () => {
    const intake = readCsr(pems.greedy!);
    expect(intake.commonName).toBe('dev-001');
    expect(intake.organization).toBe('Evil Corp'); // read for a CA request; still ignored here
    expect(readCsr(pems.p256!).organization).toBeUndefined();
    expect(intake.ignoredRequests).toEqual([
      'subject O=Evil Corp',
      'subject OU=Root',
      'basicConstraints CA:TRUE, pathlen:3 (critical)',
      'keyUsage keyCertSign, cRLSign (critical)',
      'subjectAltName DNS:evil.example',
      'subjectAltName IP:10.0.0.1',
      'extendedKeyUsage serverAuth',
    ]);
    const leaf = await intakeAndIssue(pems.greedy!);
    const facts = readCertificate(leaf.der);
    expect(facts.basicConstraints).toEqual({ ca: false, critical: true });
    expect(facts.keyUsage).toEqual({ usages: ['digitalSignature'], critical: true });
    expect(facts.extendedKeyUsage?.oids).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(facts.subject).toBe('CN=dev-001');
    const x = new X509Certificate(leaf.der);
    expect(x.ca).toBe(false);
    expect(x.subjectAltName).toBeUndefined();
    // and openssl refuses to use it as a CA
    writeFileSync(join(dir, 'greedy-leaf.pem'), leaf.pem);
    const r = openssl(['x509', '-in', 'greedy-leaf.pem', '-noout', '-ext', 'basicConstraints,subjectAltName'], dir);
    expect(r.stdout).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(r.stdout).not.toMatch(/evil\.example/);
  });
});

/** The same CSR with its signatureAlgorithm's parameters replaced (the signature covers only the request info, so it still verifies). */
function withSignatureParams(pem: string, params: Uint8Array): Uint8Array {
  const der = fromPem(pem)[0]!.der;
  const [cri, alg, sig] = readChildren(readElement(der).content) as [DerElement, DerElement, DerElement];
  const [oid] = readChildren(alg.content);
  return tlv(0x30, Buffer.concat([cri.raw, tlv(0x30, Buffer.concat([oid!.raw, params])), sig.raw]));
}

describe('signatureAlgorithm parameters', () => {
  it('an ECDSA CSR without parameters (RFC 5758) is read plainly', () => {
    expect(readCsr(pems.p256!).signatureNullParameters).toBeUndefined();
  });

  it('the NULL-parameters variant some modem firmware writes is accepted for ECDSA, and noted', () => {
    const c = readCsr(withSignatureParams(pems.p256!, Uint8Array.of(0x05, 0x00)));
    expect(c.signatureNullParameters).toBe(true);
    expect(c.commonName).toBe('dev-001');
  });

  it('anything else in the parameters is refused: an INTEGER, a NULL with content, two elements', async () => {
    for (const params of [Uint8Array.of(0x02, 0x01, 0x00), Uint8Array.of(0x05, 0x01, 0x00), Uint8Array.of(0x05, 0x00, 0x05, 0x00)]) {
      await expectCode(() => readCsr(withSignatureParams(pems.p256!, params)), 'CSR_UNSUPPORTED_SIGNATURE_ALGORITHM');
    }
  });
});
