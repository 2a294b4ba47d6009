/**
 * The rule for a new passphrase (electron/shared/passphrase-rule.ts), as the
 * vault enforces it when sealing a key (VAULT_WEAK_PASSPHRASE, nothing
 * written), and a passphrase taken exactly as given when a key is opened.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCustodianError, type CustodianError } from '../../electron/core/errors';
import { changeKeyFilePassphrase, openKeyFile, sealKeyFile, VaultCodes } from '../../electron/core/vault/index';
import { NewPassphrase } from '../../electron/shared/api/authority';
import { newPassphraseProblem, PASSPHRASE_RULE } from '../../electron/shared/passphrase-rule';

const dir = mkdtempSync(join(tmpdir(), 'passphrase-rule-'));
const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' });
const LOGN = 17;

async function caught(p: Promise<unknown>): Promise<CustodianError> {
  try {
    await p;
  } catch (e) {
    if (isCustodianError(e)) return e;
    throw e;
  }
  throw new Error('expected a CustodianError');
}

describe('the new-passphrase rule', () => {
  it.each([
    ['', 'blank'], ['        ', 'blank'], ['\t \n', 'blank'],
    [' leading space 12', 'edge-whitespace'], ['trailing space 12 ', 'edge-whitespace'], ['trailing tab 12\t', 'edge-whitespace'],
    ['Short 12', 'too-short'], ['x'.repeat(PASSPHRASE_RULE.maxLength) + 'y1', 'too-long'],
    ['abababababab12', 'too-few-distinct'], ['1111111111111111', 'too-few-distinct'],
    ['onlylowercase', 'one-class'], ['ONLYUPPERCASE', 'one-class'], ['123456789012', 'one-class'],
  ])('refuses %j (%s)', (p, kind) => {
    expect(newPassphraseProblem(p)?.kind).toBe(kind);
  });

  it.each([
    'correct horse battery staple', 'Station passphrase', 'demo passphrase 1234', 'company-x passphrase',
    'onlylowercaseletterss', 'Überprüfung der Schlüssel', 'a long passphrase 1', 'pässwörd mit 12',
  ])('accepts %j', (p) => {
    expect(newPassphraseProblem(p)).toBeNull();
  });
});

describe('the station API contract applies the same rule', () => {
  it('NewPassphrase refuses what the vault refuses, with the rule\'s words', () => {
    for (const p of ['            ', 'trailing space 12 ', 'aaaaaaaaaaaaaaaa', 'onlylowercase']) {
      const r = NewPassphrase.safeParse(p);
      expect(r.success, p).toBe(false);
      expect(r.error?.issues.map((i) => i.message).join(' '), p).toBe(newPassphraseProblem(p)!.message);
    }
    expect(NewPassphrase.safeParse('correct horse battery staple').success).toBe(true);
  });
});

describe('the vault applies the rule when it seals a key', () => {
  it('eight spaces, a trailing space, a weak passphrase: VAULT_WEAK_PASSPHRASE naming the rule, nothing written', async () => {
    for (const [p, rule] of [['        ', 'blank'], ['correct horse battery ', 'edge-whitespace'], ['aaaaaaaaaaaaaaaa', 'too-few-distinct']] as const) {
      const file = join(dir, `weak-${rule}.age`);
      const e = await caught(sealKeyFile(file, pkcs8, p, { logN: LOGN }));
      expect(e.code).toBe(VaultCodes.WEAK_PASSPHRASE);
      expect(e.details).toMatchObject({ rule });
      expect(e.message).toContain('nothing was written');
      expect(existsSync(file)).toBe(false);
    }
  });

  it('a new passphrase given to changeKeyFilePassphrase meets the same rule', async () => {
    const file = join(dir, 'change.age');
    await sealKeyFile(file, pkcs8, 'correct horse battery staple', { logN: LOGN });
    expect((await caught(changeKeyFilePassphrase(file, 'correct horse battery staple', '        ', { logN: LOGN }))).code).toBe(VaultCodes.WEAK_PASSPHRASE);
  });

  it('opens a key with the passphrase exactly as given: a trailing space is wrong, and the message says it counts', async () => {
    const file = join(dir, 'exact.age');
    await sealKeyFile(file, pkcs8, 'correct horse battery staple', { logN: LOGN });
    const e = await caught(openKeyFile(file, 'correct horse battery staple ', async () => 1));
    expect(e.code).toBe(VaultCodes.WRONG_PASSPHRASE);
    expect(e.details).toMatchObject({ edgeWhitespace: true });
    expect(e.message).toContain('begins or ends with a space or another blank, which counts as part of it');
    const plain = await caught(openKeyFile(file, 'incorrect horse battery staple', async () => 1));
    expect(plain.message).not.toContain('counts as part of it');
    expect(await openKeyFile(file, 'correct horse battery staple', async () => 'opened')).toBe('opened');
  });
});
