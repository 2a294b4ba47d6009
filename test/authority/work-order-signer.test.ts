/**
 * The work-order signer ceremony: the CA signs a workOrderSigner certificate
 * under its journal (intent before the key signs), the new key is sealed in
 * the vault, and openssl reads the dedicated EKU.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Authority, type AuthorityJournal, type CaSigningIntent } from '../../electron/core/authority/index';
import { readCertificate, toPem } from '../../electron/core/pki/index';
import { openKeyFile } from '../../electron/core/vault/index';
import { isWorkOrderSigner } from '../../electron/core/workorder/index';
import { codeOf, tempDir } from './fixtures';

const PASS = 'company-x passphrase';
const SIGNER_PASS = 'work-order signer passphrase';

describe('Authority.workOrderSigner', () => {
  it('journals the signing, seals the key and issues a CA:FALSE certificate with the work-order EKU', async () => {
    const W = tempDir('wo-signer-');
    await Authority.open({ home: join(W, 'x'), workFactor: 17 }).initRoot({ commonName: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
    const intents: CaSigningIntent[] = [];
    const signed: Uint8Array[] = [];
    const journal: AuthorityJournal = {
      beforeSign: async (i) => { intents.push(i); return { id: '1' }; },
      signed: async (_h, der) => { signed.push(der); },
      signFailed: async () => undefined,
    };
    const a = Authority.open({ home: join(W, 'x'), workFactor: 17, journal });
    await a.unlock(PASS);
    const keyFile = join(W, 'signer', 'signer.key');
    const r = await a.workOrderSigner({ commonName: 'Company-X work orders', keyFile, passphrase: SIGNER_PASS, days: 100 });
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ kind: 'work-order-signer', profile: 'workOrderSigner', subject: 'CN=Company-X work orders', serialHex: r.serialHex });
    expect(signed[0]).toEqual(r.certificate);
    const facts = readCertificate(r.certificate);
    expect(facts.basicConstraints?.ca).toBe(false);
    expect(facts.keyUsage?.usages).toEqual(['digitalSignature']);
    expect(isWorkOrderSigner(facts).ok).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const spki = await openKeyFile(keyFile, SIGNER_PASS, async (der) => der.length);
    expect(spki).toBeGreaterThan(0);
    writeFileSync(join(W, 'signer.pem'), toPem(r.certificate));
    const text = execFileSync('openssl', ['x509', '-in', join(W, 'signer.pem'), '-noout', '-ext', 'extendedKeyUsage,basicConstraints,keyUsage'], { encoding: 'utf8' });
    expect(text).toContain('2.25.336490436847501666488520541660040060015.1.1');
    expect(text).toContain('CA:FALSE');
    await a.lock();
  });

  it('refuses while locked (AUTHORITY_LOCKED) and with a weak new passphrase (VAULT_WEAK_PASSPHRASE), signing nothing', async () => {
    const W = tempDir('wo-signer-');
    await Authority.open({ home: join(W, 'x'), workFactor: 17 }).initRoot({ commonName: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
    let intents = 0;
    const journal: AuthorityJournal = { beforeSign: async () => { intents++; return { id: '1' }; }, signed: async () => undefined, signFailed: async () => undefined };
    const a = Authority.open({ home: join(W, 'x'), workFactor: 17, journal });
    expect(await codeOf(a.workOrderSigner({ commonName: 'S', keyFile: join(W, 's.key'), passphrase: SIGNER_PASS }))).toBe('AUTHORITY_LOCKED');
    await a.unlock(PASS);
    expect(await codeOf(a.workOrderSigner({ commonName: 'S', keyFile: join(W, 's.key'), passphrase: 'short' }))).toBe('VAULT_WEAK_PASSPHRASE');
    expect(intents).toBe(0);
    await a.lock();
  });
});

describe('a work-order signer signing the journal cannot record', () => {
  it('fails with AUTHORITY_JOURNAL_FAILED and leaves no sealed key behind', async () => {
    const W = tempDir('wo-signer-');
    await Authority.open({ home: join(W, 'x'), workFactor: 17 }).initRoot({ commonName: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
    const journal: AuthorityJournal = { beforeSign: async () => { throw new Error('disk full'); }, signed: async () => undefined, signFailed: async () => undefined };
    const a = Authority.open({ home: join(W, 'x'), workFactor: 17, journal });
    await a.unlock(PASS);
    const keyFile = join(W, 'signer.key');
    expect(await codeOf(a.workOrderSigner({ commonName: 'S', keyFile, passphrase: SIGNER_PASS }))).toBe('AUTHORITY_JOURNAL_FAILED');
    expect(existsSync(keyFile)).toBe(false);
    await a.lock();
  });
});
