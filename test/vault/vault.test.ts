import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import {
  ageEncryptScrypt,
  keyFileInfo,
  openKeyFile,
  sealKeyFile,
  VaultCodes,
} from '../../electron/core/vault/index';
import { scryptKey, type ScryptKdf } from '../../electron/core/vault/age';
import { PayloadError, streamDecrypt, streamEncrypt } from '../../electron/core/vault/age-stream';
import { runUnderPty } from './pty';

const PASS = 'correct horse battery staple';
const LOGN = 17; // the minimum; keeps each unlock ~0.3 s

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isCustodianError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a rejection');
}

let dir: string;
let keyFile: string;
let key: KeyObject;
let pkcs8: Buffer;
let fileBytes: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vault-'));
  ({ privateKey: key } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  keyFile = join(dir, 'authority', 'ca-key.age');
  await sealKeyFile(keyFile, pkcs8, PASS, { logN: LOGN });
  fileBytes = readFileSync(keyFile);
});

describe('key file at rest', () => {
  it('holds no clear key material: no PKCS#8 DER, no private scalar, no PEM text', () => {
    const d = Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url');
    expect(d.length).toBe(32);
    const pemBody = pkcs8.toString('base64').slice(0, 48);
    expect(fileBytes.includes(pkcs8)).toBe(false);
    expect(fileBytes.includes(d)).toBe(false);
    expect(fileBytes.includes(d.subarray(0, 8))).toBe(false);
    expect(fileBytes.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
    expect(fileBytes.includes(Buffer.from(pemBody))).toBe(false);
    // …yet it really is that key, encrypted.
    return expect(openKeyFile(keyFile, PASS, async (der) => Buffer.from(der).equals(pkcs8))).resolves.toBe(true);
  });

  it('records the KDF parameters in an age v1 scrypt stanza', () => {
    const lines = fileBytes.subarray(0, fileBytes.indexOf('\n---')).toString('latin1').split('\n');
    expect(lines[0]).toBe('age-encryption.org/v1');
    const m = /^-> scrypt ([A-Za-z0-9+/]{22}) (\d+)$/.exec(lines[1]!);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1]!, 'base64')).toHaveLength(16);
    expect(Number(m![2])).toBe(LOGN);
    expect(lines[2]).toMatch(/^[A-Za-z0-9+/]{43}$/); // 16-byte file key + 16-byte tag
    expect(lines).toHaveLength(3); // exactly one stanza
    expect(keyFileInfo(keyFile)).toMatchObject({ format: 'age-v1-scrypt', logN: LOGN, saltHex: Buffer.from(m![1]!, 'base64').toString('hex') });
  });

  it('defaults to work factor 2^18 and refuses to write below 2^17', async () => {
    const f = await ageEncryptScrypt(Buffer.from('x'), PASS);
    expect(f.toString('latin1').split('\n')[1]).toMatch(/^-> scrypt \S+ 18$/);
    expect(await codeOf(ageEncryptScrypt(Buffer.from('x'), PASS, 16))).toBe(VaultCodes.WORK_FACTOR_TOO_LOW);
    expect(await codeOf(sealKeyFile(join(dir, 'low.age'), pkcs8, PASS, { logN: 10 }))).toBe(VaultCodes.WORK_FACTOR_TOO_LOW);
  });

  it('is mode 0600 in a 0700 directory, written without leftovers, never overwritten', async () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'authority')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'authority'))).toEqual(['ca-key.age']);
    expect(await codeOf(sealKeyFile(keyFile, pkcs8, PASS, { logN: LOGN }))).toBe(VaultCodes.KEY_FILE_EXISTS);
    expect(readFileSync(keyFile).equals(fileBytes)).toBe(true);
  });

  it('refuses a short passphrase', async () => {
    expect(await codeOf(sealKeyFile(join(dir, 'weak.age'), pkcs8, 'short', { logN: LOGN }))).toBe(VaultCodes.WEAK_PASSPHRASE);
  });
});

describe('unlocking', () => {
  it('a wrong passphrase is VAULT_WRONG_PASSPHRASE with a clear message', async () => {
    try {
      await openKeyFile(keyFile, 'not the passphrase', async () => 1);
      expect.unreachable();
    } catch (e) {
      expect(isCustodianError(e, VaultCodes.WRONG_PASSPHRASE)).toBe(true);
      expect((e as Error).message).toMatch(/wrong passphrase/i);
    }
  });

  it('a damaged payload, header MAC or header is VAULT_CORRUPTED, not a passphrase error', async () => {
    const payloadFlip = Buffer.from(fileBytes);
    payloadFlip[payloadFlip.length - 20]! ^= 0x01;
    const p1 = join(dir, 'flip-payload.age');
    writeFileSync(p1, payloadFlip, { mode: 0o600 });
    expect(await codeOf(openKeyFile(p1, PASS, async () => 1))).toBe(VaultCodes.CORRUPTED);

    const text = fileBytes.toString('latin1');
    const macAt = text.indexOf('\n--- ') + 5;
    const macFlip = Buffer.from(fileBytes);
    macFlip[macAt] = macFlip[macAt] === 0x41 ? 0x42 : 0x41;
    const p2 = join(dir, 'flip-mac.age');
    writeFileSync(p2, macFlip, { mode: 0o600 });
    expect(await codeOf(openKeyFile(p2, PASS, async () => 1))).toBe(VaultCodes.CORRUPTED);

    const p3 = join(dir, 'not-age.age');
    writeFileSync(p3, '-----BEGIN PRIVATE KEY-----\n', { mode: 0o600 });
    expect(await codeOf(openKeyFile(p3, PASS, async () => 1))).toBe(VaultCodes.CORRUPTED);
    const p4 = join(dir, 'truncated.age');
    writeFileSync(p4, fileBytes.subarray(0, 40), { mode: 0o600 });
    expect(await codeOf(openKeyFile(p4, PASS, async () => 1))).toBe(VaultCodes.CORRUPTED);
  });

  it('age files we do not open (other recipients, armor) are VAULT_UNSUPPORTED', async () => {
    const x25519 = join(dir, 'x25519.age');
    writeFileSync(x25519, `age-encryption.org/v1\n-> X25519 ${'A'.repeat(43)}\n${'A'.repeat(43)}\n--- ${'A'.repeat(43)}\n`, { mode: 0o600 });
    expect(await codeOf(openKeyFile(x25519, PASS, async () => 1))).toBe(VaultCodes.UNSUPPORTED);
    const armored = join(dir, 'armored.age');
    writeFileSync(armored, '-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n', { mode: 0o600 });
    expect(await codeOf(openKeyFile(armored, PASS, async () => 1))).toBe(VaultCodes.UNSUPPORTED);
  });

  it('refuses an absurd work factor before running scrypt (DoS guard)', async () => {
    const evil = Buffer.from(fileBytes.toString('latin1').replace(/^(-> scrypt \S+) 17$/m, '$1 40'), 'latin1');
    const p = join(dir, 'evil.age');
    writeFileSync(p, evil, { mode: 0o600 });
    const kdf = vi.fn<ScryptKdf>(scryptKey);
    expect(await codeOf(openKeyFile(p, PASS, async () => 1, { kdf }))).toBe(VaultCodes.WORK_FACTOR_TOO_HIGH);
    expect(kdf).not.toHaveBeenCalled();
    // the same counting KDF does see the run that opening the real file makes
    expect(await openKeyFile(keyFile, PASS, async () => 1, { kdf })).toBe(1);
    expect(kdf).toHaveBeenCalledTimes(1);
    expect(kdf.mock.calls[0]![2]).toBe(LOGN);
  });

  it('refuses a key file other users can read, and a missing one', async () => {
    const p = join(dir, 'open.age');
    writeFileSync(p, fileBytes, { mode: 0o600 });
    chmodSync(p, 0o644);
    expect(await codeOf(openKeyFile(p, PASS, async () => 1))).toBe(VaultCodes.INSECURE_PERMISSIONS);
    expect(await codeOf(openKeyFile(join(dir, 'nope.age'), PASS, async () => 1))).toBe(VaultCodes.KEY_FILE_MISSING);
  });

  it('zeroes the clear DER once the callback settles', async () => {
    let seen: Uint8Array | undefined;
    await openKeyFile(keyFile, PASS, async (der) => {
      expect(Buffer.from(der).equals(pkcs8)).toBe(true);
      seen = der;
    });
    expect(seen!.every((b) => b === 0)).toBe(true);
  });
});

describe('STREAM payload', () => {
  const k = Buffer.alloc(32, 9);
  it('round-trips multi-chunk plaintexts, including an exact 64 KiB chunk', () => {
    for (const size of [0, 1, 65536, 150_000]) {
      const plain = Buffer.alloc(size);
      for (let i = 0; i < size; i++) plain[i] = (i * 31) & 0xff;
      const sealed = streamEncrypt(k, plain);
      expect(sealed.length).toBe(size + 16 * Math.max(1, Math.ceil(size / 65536)));
      expect(streamDecrypt(k, sealed).equals(plain)).toBe(true);
    }
  });

  it('detects truncation at a chunk boundary and swapped chunks', () => {
    const plain = Buffer.alloc(200_000, 3);
    const sealed = streamEncrypt(k, plain);
    const full = 65536 + 16;
    expect(() => streamDecrypt(k, sealed.subarray(0, 2 * full))).toThrow(PayloadError);
    const swapped = Buffer.concat([sealed.subarray(full, 2 * full), sealed.subarray(0, full), sealed.subarray(2 * full)]);
    expect(() => streamDecrypt(k, swapped)).toThrow(PayloadError);
  });
});

describe('interoperability with the real age binary (officer recovery path)', () => {
  it('`age -d -o ca-key.pem ca-key.age` recovers the key; `openssl pkey` reads it', async () => {
    const out = join(dir, 'ca-key.pem');
    const r = await runUnderPty(`age -d -o ${out} ${keyFile}`, [{ waitFor: /passphrase/i, send: `${PASS}\n` }]);
    expect(r.code, r.output).toBe(0);
    const text = execFileSync('openssl', ['pkey', '-in', out, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/Private-Key: \(256 bit/);
    const recovered = createPrivateKey(readFileSync(out)).export({ type: 'pkcs8', format: 'der' });
    expect(recovered.equals(pkcs8)).toBe(true);
  });

  it('age decrypts our multi-chunk files too (STREAM framing matches the reference)', async () => {
    const plain = Buffer.alloc(150_000);
    for (let i = 0; i < plain.length; i++) plain[i] = (i * 7) & 0xff;
    const enc = join(dir, 'big.age');
    writeFileSync(enc, await ageEncryptScrypt(plain, PASS, LOGN));
    const out = join(dir, 'big.out');
    const r = await runUnderPty(`age -d -o ${out} ${enc}`, [{ waitFor: /passphrase/i, send: `${PASS}\n` }]);
    expect(r.code, r.output).toBe(0);
    expect(readFileSync(out).equals(plain)).toBe(true);
  });

  it('a key file made by `age -p` opens with our vault', async () => {
    const pem = join(dir, 'openssl-key.pem');
    writeFileSync(pem, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const made = join(dir, 'by-age.age');
    const other = 'passphrase typed into age';
    const r = await runUnderPty(`age -p -o ${made} ${pem}`, [
      { waitFor: /Enter passphrase/, send: `${other}\n` },
      { waitFor: /Confirm passphrase/, send: `${other}\n` },
    ]);
    expect(r.code, r.output).toBe(0);
    chmodSync(made, 0o600);
    expect(readFileSync(made, 'latin1')).toMatch(/^age-encryption\.org\/v1\n-> scrypt \S+ \d+\n/);
    const ok = await openKeyFile(made, other, async (der) => Buffer.from(der).equals(pkcs8));
    expect(ok).toBe(true);
    expect(await codeOf(openKeyFile(made, 'not the passphrase', async () => 1))).toBe(VaultCodes.WRONG_PASSPHRASE);
  });
});
