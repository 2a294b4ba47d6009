/**
 * Chain validator. Bad chains are built with the policy-free low-level builder
 * (the issuer refuses to make them), and the ones OpenSSL has an opinion on are
 * cross-checked with `openssl verify`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CryptoKey, CryptoKeyPair } from '../../electron/core/pki/crypto';
import { generateKeyPair, pathLenRoom, toPem, validateChain, issueCertificate } from '../../electron/core/pki/index';
import { expectCode, openssl, rawCert, tempDir, type RawCertSpec } from './helpers';

const Y2025 = new Date('2025-01-01T00:00:00Z');
const Y2030 = new Date('2030-01-01T00:00:00Z');
const AT = new Date('2026-06-01T00:00:00Z');
let rootK: CryptoKeyPair;
let midK: CryptoKeyPair;
let leafK: CryptoKeyPair;
let otherK: CryptoKeyPair;
let dir: string;

beforeAll(async () => {
  const gen = () => generateKeyPair('P-256', { extractable: false });
  [rootK, midK, leafK, otherK] = await Promise.all([gen(), gen(), gen(), gen()]);
  dir = tempDir();
});

const CA_KU: RawCertSpec['keyUsage'] = ['keyCertSign', 'cRLSign'];

async function make(over: Partial<Record<'root' | 'mid' | 'leaf', Partial<RawCertSpec>>> = {}) {
  const root = await rawCert({ subjectCN: 'Root', issuerCN: 'Root', subjectKey: rootK.publicKey, issuerKey: rootK.publicKey, signingKey: rootK.privateKey, notBefore: Y2025, notAfter: Y2030, ca: true, pathLen: 1, keyUsage: CA_KU, ...over.root });
  const mid = await rawCert({ subjectCN: 'Mid', issuerCN: 'Root', subjectKey: midK.publicKey, issuerKey: rootK.publicKey, signingKey: rootK.privateKey, notBefore: Y2025, notAfter: Y2030, ca: true, pathLen: 0, keyUsage: CA_KU, ...over.mid });
  const leaf = await rawCert({ subjectCN: 'dev-1', issuerCN: 'Mid', subjectKey: leafK.publicKey, issuerKey: midK.publicKey, signingKey: midK.privateKey, notBefore: Y2025, notAfter: Y2030, ca: false, keyUsage: ['digitalSignature'], clientAuth: true, ...over.leaf });
  return { root, mid, leaf };
}

/** openssl's verdict on the same chain (at AT). */
function opensslVerify(c: { root: Uint8Array; mid: Uint8Array; leaf: Uint8Array }): number {
  writeFileSync(join(dir, 'r.pem'), toPem(c.root));
  writeFileSync(join(dir, 'm.pem'), toPem(c.mid));
  writeFileSync(join(dir, 'l.pem'), toPem(c.leaf));
  return openssl(['verify', '-x509_strict', '-attime', String(AT.getTime() / 1000), '-CAfile', 'r.pem', '-untrusted', 'm.pem', 'l.pem'], dir).status;
}

const run = (c: { root: Uint8Array; mid: Uint8Array; leaf: Uint8Array }, at = AT) => () => validateChain({ leaf: c.leaf, intermediates: [c.mid], roots: [c.root], at });

describe('validateChain accepts', () => {
  it('a good chain, reporting the path leaf-first and the pathLen room of each CA', async () => {
    const c = await make();
    expect(opensslVerify(c)).toBe(0);
    const r = validateChain({ leaf: c.leaf, intermediates: [c.mid], roots: [c.root], at: AT });
    expect(r.path.map((p) => [p.subject, p.isCa, p.pathLenRoom])).toEqual([
      ['CN=dev-1', false, undefined],
      ['CN=Mid', true, 0],
      ['CN=Root', true, 1],
    ]);
    expect(r.trustAnchor).toBe('CN=Root');
    expect(r.validUntil.toISOString()).toBe(Y2030.toISOString());
    expect(r.path[0]!.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('intermediates in any order, with unrelated extras', async () => {
    const c = await make();
    const stray = await rawCert({ subjectCN: 'Stray', issuerCN: 'Stray', subjectKey: otherK.publicKey, issuerKey: otherK.publicKey, signingKey: otherK.privateKey, notBefore: Y2025, notAfter: Y2030, ca: true, keyUsage: CA_KU });
    expect(validateChain({ leaf: c.leaf, intermediates: [stray, c.mid], roots: [stray, c.root], at: AT }).path).toHaveLength(3);
  });

  it("expectLeaf 'ca' validates a CA certificate as the end of the chain", async () => {
    const c = await make();
    const r = validateChain({ leaf: c.mid, intermediates: [], roots: [c.root], at: AT, expectLeaf: 'ca' });
    expect(r.path.map((p) => p.subject)).toEqual(['CN=Mid', 'CN=Root']);
    await expectCode(() => validateChain({ leaf: c.mid, intermediates: [], roots: [c.root], at: AT }), 'CHAIN_LEAF_KIND_MISMATCH');
    await expectCode(() => validateChain({ leaf: c.leaf, intermediates: [c.mid], roots: [c.root], at: AT, expectLeaf: 'ca' }), 'CHAIN_LEAF_KIND_MISMATCH');
  });
});

describe('validateChain rejects', () => {
  it('pathLen exceeded (root pathLen 0 above an intermediate)', async () => {
    const c = await make({ root: { pathLen: 0 } });
    expect(opensslVerify(c)).not.toBe(0);
    await expectCode(run(c), 'CHAIN_PATHLEN_EXCEEDED');
  });

  it('an issuer without basicConstraints CA:TRUE', async () => {
    const c = await make({ mid: { ca: false } });
    expect(opensslVerify(c)).not.toBe(0);
    await expectCode(run(c), 'CHAIN_ISSUER_NOT_CA');
  });

  it('an issuer with no basicConstraints at all', async () => {
    await expectCode(run(await make({ mid: { ca: undefined } })), 'CHAIN_ISSUER_NOT_CA');
  });

  it('an issuer without keyCertSign', async () => {
    const c = await make({ mid: { keyUsage: ['digitalSignature', 'cRLSign'] } });
    expect(opensslVerify(c)).not.toBe(0);
    await expectCode(run(c), 'CHAIN_ISSUER_NO_KEYCERTSIGN');
  });

  it('an expired issuer (and names it)', async () => {
    const old = new Date('2026-01-01T00:00:00Z');
    const c = await make({ mid: { notAfter: old }, leaf: { notAfter: old } });
    expect(opensslVerify(c)).not.toBe(0);
    let err: unknown;
    try {
      run(c)();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CHAIN_EXPIRED', details: { subject: 'CN=Mid' } });
  });

  it('a chain that is not valid yet', async () => {
    await expectCode(run(await make(), new Date('2024-06-01T00:00:00Z')), 'CHAIN_NOT_YET_VALID');
  });

  it('a leaf whose validity runs past its issuer', async () => {
    const c = await make({ leaf: { notAfter: new Date('2031-01-01T00:00:00Z') } });
    await expectCode(run(c), 'CHAIN_VALIDITY_OUTSIDE_ISSUER');
  });

  it('a broken signature', async () => {
    const c = await make();
    const leaf = Uint8Array.from(c.leaf);
    leaf[leaf.length - 1]! ^= 0x01;
    expect(opensslVerify({ ...c, leaf })).not.toBe(0);
    await expectCode(run({ ...c, leaf }), 'CHAIN_SIGNATURE_INVALID');
  });

  it('the CA certificates, read once and kept, do not carry a verdict over: a good leaf, then the same leaf broken, then good again', async () => {
    const c = await make();
    const broken = Uint8Array.from(c.leaf);
    broken[broken.length - 1]! ^= 0x01;
    expect(validateChain({ leaf: c.leaf, intermediates: [c.mid], roots: [c.root], at: AT }).path).toHaveLength(3);
    await expectCode(run({ ...c, leaf: broken }), 'CHAIN_SIGNATURE_INVALID');
    expect(validateChain({ leaf: c.leaf, intermediates: [c.mid], roots: [c.root], at: AT }).path).toHaveLength(3);
  });

  it('a leaf signed by a different key than its issuer certificate holds', async () => {
    const c = await make({ leaf: { signingKey: otherK.privateKey } });
    await expectCode(run(c), 'CHAIN_SIGNATURE_INVALID');
  });

  it('an issuer name that does not chain (AKI points to the real issuer)', async () => {
    await expectCode(run(await make({ leaf: { issuerCN: 'Someone Else' } })), 'CHAIN_NAME_MISMATCH');
  });

  it('an AKI that does not match the issuer SKI', async () => {
    await expectCode(run(await make({ leaf: { aki: new Uint8Array(20).fill(7) } })), 'CHAIN_AKI_MISMATCH');
  });

  it('a chain ending in a root that is not trusted', async () => {
    const c = await make();
    const otherRoot = await rawCert({ subjectCN: 'Other', issuerCN: 'Other', subjectKey: otherK.publicKey, issuerKey: otherK.publicKey, signingKey: otherK.privateKey, notBefore: Y2025, notAfter: Y2030, ca: true, keyUsage: CA_KU });
    await expectCode(() => validateChain({ leaf: c.leaf, intermediates: [c.mid, c.root], roots: [otherRoot], at: AT }), 'CHAIN_UNTRUSTED_ROOT');
    await expectCode(() => validateChain({ leaf: c.leaf, intermediates: [c.mid], roots: [], at: AT }), 'CHAIN_UNTRUSTED_ROOT');
  });

  it('a missing intermediate', async () => {
    const c = await make();
    await expectCode(() => validateChain({ leaf: c.leaf, intermediates: [], roots: [c.root], at: AT }), 'CHAIN_INCOMPLETE');
  });

  it('bytes that are not a certificate', async () => {
    const c = await make();
    await expectCode(() => validateChain({ leaf: c.leaf.subarray(0, 50), intermediates: [c.mid], roots: [c.root], at: AT }), 'CHAIN_MALFORMED');
  });
});

describe('pathLenRoom', () => {
  it('is the minimum remaining depth over the CA chain', async () => {
    const k = async (): Promise<CryptoKeyPair> => generateKeyPair('P-256', { extractable: false });
    const [rk, fk, tk] = await Promise.all([k(), k(), k()]);
    const nb = new Date('2025-01-01T00:00:00Z');
    const now = new Date('2025-02-01T00:00:00Z');
    const root = await issueCertificate({ profile: 'rootCa', commonName: 'R', subjectPublicKey: rk.publicKey, issuer: 'self', selfKeys: rk, pathLen: 2, notBefore: nb, days: 3000, now });
    const fac = await issueCertificate({ profile: 'intermediateCa', commonName: 'F', subjectPublicKey: fk.publicKey, issuer: { certificate: root.der, privateKey: rk.privateKey }, pathLen: 1, notBefore: nb, days: 2000, now });
    const tech = await issueCertificate({ profile: 'intermediateCa', commonName: 'T', subjectPublicKey: tk.publicKey, issuer: { certificate: fac.der, privateKey: fk.privateKey }, pathLen: 0, notBefore: nb, days: 1000, now });
    expect(pathLenRoom([root.der])).toBe(2);
    expect(pathLenRoom([fac.der, root.der])).toBe(1);
    expect(pathLenRoom([tech.der, fac.der, root.der])).toBe(0);
    // an unconstrained root under which a pathLen-1 CA sits: the CA's own limit applies
    const free = await rawCert({ subjectCN: 'Free', issuerCN: 'Free', subjectKey: rk.publicKey as CryptoKey, issuerKey: rk.publicKey, signingKey: rk.privateKey, notBefore: nb, notAfter: Y2030, ca: true, keyUsage: CA_KU });
    expect(pathLenRoom([free])).toBeNull();
    const notCa = (await make()).leaf;
    await expectCode(() => pathLenRoom([notCa]), 'CHAIN_ISSUER_NOT_CA');
  });
});
