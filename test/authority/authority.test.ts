/**
 * The Authority object: lock state, the unlocked issuer, events, and what
 * sign-subordinate takes from (and ignores in) a CSR.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority, type AuthorityEvent } from '../../electron/core/authority/index';
import { readCertificate, validateChain } from '../../electron/core/pki/index';
import { codeOf, openssl, tempDir } from './fixtures';

const W = tempDir('authority-');
const PASS = 'root passphrase';
const events: AuthorityEvent[] = [];
let X: Authority;

beforeAll(async () => {
  X = Authority.open({ home: join(W, 'x'), workFactor: 17, listener: (e) => { events.push(e); } });
  await X.initRoot({ commonName: 'Company-X', organization: 'Company X', pathLen: 2, days: 3650, passphrase: PASS });
}, 60_000);

describe('Authority', () => {
  it('initRoot leaves it unlocked; lock() drops the key; unlock() restores a non-extractable key', async () => {
    expect(X.unlocked).toBe(true);
    X.lock();
    expect(X.unlocked).toBe(false);
    expect(await codeOf(() => X.issuer())).toBe('AUTHORITY_LOCKED');
    expect(await codeOf(X.verificationCert('ABC'))).toBe('AUTHORITY_LOCKED');
    expect(await codeOf(X.unlock('not the passphrase'))).toBe('VAULT_WRONG_PASSPHRASE');
    expect(X.unlocked).toBe(false);
    await X.unlock(PASS);
    const issuer = X.issuer();
    expect(issuer.privateKey.extractable).toBe(false);
    expect(issuer.privateKey.type).toBe('private');
    expect(issuer.caChain).toBe(issuer.chain);
    expect(issuer.chain).toHaveLength(1);
    expect(issuer.fingerprint).toBe(readCertificate(issuer.certificate).fingerprintSha256);
    expect(JSON.stringify(issuer)).not.toMatch(/"d"|PRIVATE/);
  });

  it('emits typed events for creation, unlock, lock and issuance — without secrets', async () => {
    await X.verificationCert('C0DE42');
    X.lock();
    await new Promise((r) => setImmediate(r));
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['authority.root-created', 'authority.unlocked', 'authority.locked', 'authority.verification-cert-issued']));
    expect(types[0]).toBe('authority.root-created');
    const v = events.find((e) => e.type === 'authority.verification-cert-issued');
    expect(v).toMatchObject({ code: 'C0DE42', issuerFingerprint: X.metadata!.certificateFingerprint });
    expect(JSON.stringify(events)).not.toContain(PASS);
    await X.unlock(PASS);
  });

  it('refuses a key file that is not the authority\'s own key (AUTHORITY_KEY_MISMATCH)', async () => {
    const other = Authority.open({ home: join(W, 'other'), workFactor: 17 });
    await other.createRequest({ commonName: 'Other', passphrase: PASS });
    const home = join(W, 'swapped');
    const a = Authority.open({ home, workFactor: 17 });
    await a.initRoot({ commonName: 'Swapped', passphrase: PASS, days: 100 });
    copyFileSync(join(W, 'other', 'authority', 'ca-key.age'), join(home, 'authority', 'ca-key.age'));
    expect(await codeOf(Authority.open({ home }).unlock(PASS))).toBe('AUTHORITY_KEY_MISMATCH');
  });

  it('signs a subordinate from the CSR\'s key and CN/O only, reporting everything else as ignored', async () => {
    writeFileSync(join(W, 'req.cnf'), '[req]\ndistinguished_name=dn\n[dn]\n[ext]\nbasicConstraints=critical,CA:true,pathlen:5\nkeyUsage=critical,digitalSignature,keyCertSign\nsubjectAltName=DNS:evil.example\nextendedKeyUsage=serverAuth\n');
    openssl(W, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'f.key', '-config', 'req.cnf', '-reqexts', 'ext',
      '-subj', '/C=US/O=Factory Y/OU=Line 3/CN=Factory-Y/emailAddress=ops@factory.example', '-out', 'f.csr']);
    const r = await X.signSubordinate(readFileSync(join(W, 'f.csr')), { pathLen: 1, days: 5000 });
    expect(r.subject).toBe('O=Factory Y, CN=Factory-Y');
    expect(r.pathLen).toBe(1);
    expect(r.ignoredRequests).toEqual(expect.arrayContaining([
      expect.stringMatching(/^subject C=US/), expect.stringMatching(/^subject OU=Line 3/), expect.stringMatching(/^subject E=ops@factory\.example/),
      expect.stringMatching(/basicConstraints CA:TRUE, pathlen:5/), expect.stringMatching(/subjectAltName DNS:evil\.example/), expect.stringMatching(/extendedKeyUsage/),
    ]));
    expect(r.ignoredRequests.some((x) => x.includes('O=Factory Y'))).toBe(false);
    // 5000 days do not fit under a 3650-day root: clamped, and said so.
    expect(r.clamped).toBe(true);
    const facts = readCertificate(r.certificateDer);
    expect(facts.notAfter.getTime()).toBe(readCertificate(X.issuer().certificate).notAfter.getTime());
    expect(facts.basicConstraints).toMatchObject({ ca: true, pathLen: 1 });
    expect(facts.extendedKeyUsage).toBeUndefined();
    // The bundle is leaf first, then this CA's chain, and validates.
    expect(r.chainDer).toHaveLength(2);
    validateChain({ leaf: r.chainDer[0]!, intermediates: [], roots: [r.chainDer[1]!], at: new Date(), expectLeaf: 'ca' });
    // A copy is kept under issued/.
    expect(readFileSync(join(W, 'x', 'authority', 'issued', `${r.serialHex}.pem`), 'utf8')).toBe(r.certificatePem);
  });

  it('refuses a sub-CA pathLen the chain cannot hold', async () => {
    writeFileSync(join(W, 'g.cnf'), '[req]\ndistinguished_name=dn\n[dn]\n');
    openssl(W, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'g.key', '-config', 'g.cnf', '-subj', '/CN=Greedy', '-out', 'g.csr']);
    expect(await codeOf(X.signSubordinate(readFileSync(join(W, 'g.csr')), { pathLen: 2, days: 10 }))).toBe('CHAIN_PATHLEN_EXCEEDED');
  });

  it('show() reports state, key file parameters and the chain; exportChain() has no key', () => {
    const s = X.show();
    expect(s).toMatchObject({ state: 'active', kind: 'root', unlocked: true, keyFile: { format: 'age-v1-scrypt', logN: 17, mode: '0600' } });
    expect(s.chain[0]).toMatchObject({ subject: 'O=Company X, CN=Company-X', isCa: true, pathLen: 2, pathLenRoom: 2, selfSigned: true });
    expect(s.chain[0]!.daysLeft).toBeGreaterThanOrEqual(3649);
    const e = X.exportChain();
    expect(e.pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(e.pem).not.toMatch(/PRIVATE KEY/);
  });

  it('state-changing ceremonies take the station lock; a stale lock is taken over', async () => {
    const home = join(W, 'locked');
    mkdirSync(join(home, 'authority'), { recursive: true });
    writeFileSync(join(home, 'authority', '.lock'), `${process.ppid}\n`); // a live process
    const a = Authority.open({ home, workFactor: 17 });
    expect(await codeOf(a.createRequest({ commonName: 'Busy', passphrase: PASS }))).toBe('AUTHORITY_BUSY');
    expect(a.state).toBe('none');
    writeFileSync(join(home, 'authority', '.lock'), '2147483646\n'); // no such process
    await a.createRequest({ commonName: 'Busy', passphrase: PASS });
    expect(a.state).toBe('pending');
    expect(existsSync(join(home, 'authority', '.lock'))).toBe(false);
    // Two handles opened before either acted: the second re-reads the state under the lock and refuses.
    const h1 = Authority.open({ home: join(W, 'race'), workFactor: 17 });
    const h2 = Authority.open({ home: join(W, 'race'), workFactor: 17 });
    await h1.initRoot({ commonName: 'First', passphrase: PASS, days: 10 });
    expect(await codeOf(h2.createRequest({ commonName: 'Second', passphrase: PASS }))).toBe('AUTHORITY_ALREADY_CONFIGURED');
  });

  it('show() still works, and says so, when the key file is too open; unlock refuses it', async () => {
    const home = join(W, 'open-key');
    const a = Authority.open({ home, workFactor: 17 });
    await a.createRequest({ commonName: 'Open', passphrase: PASS });
    chmodSync(join(home, 'authority', 'ca-key.age'), 0o644);
    expect(a.show().keyFile).toMatchObject({ problem: expect.stringMatching(/chmod 600/) });
    expect(await codeOf(a.unlock(PASS))).toBe('VAULT_INSECURE_PERMISSIONS');
  });

  it('a pending authority can neither sign nor export', async () => {
    const p = Authority.open({ home: join(W, 'other') });
    expect(p.state).toBe('pending');
    expect(p.show().pendingRequest).toMatchObject({ csrSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await codeOf(() => p.exportChain())).toBe('AUTHORITY_NOT_ACTIVE');
    await p.unlock(PASS);
    expect(await codeOf(() => p.issuer())).toBe('AUTHORITY_NOT_ACTIVE');
  });
});
