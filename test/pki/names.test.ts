/**
 * Names the station signs or shows: no control, bidirectional or invisible
 * format character in any attribute, in any string type; such characters
 * escaped wherever a name is shown; names compared as path builders compare
 * them.
 */
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { codePointLabel, escapeUnsafe, findUnsafeCharacter } from '../../electron/shared/unsafe-text';
import { isCustodianError } from '../../electron/core/errors';
import { encodeName, formatName, formatNameLines, issueCertificate, readCsr, sameName, validateDeviceId, type CryptoKey } from '../../electron/core/pki/index';
import { formatEntries } from '../../electron/core/pki/names';
import { cn, csrFor, o, ou, rawName, TAG } from '../support/hostile-names';
import { expectCode, fixtureKey, rawCert } from './helpers';

/** One character of each class the rule covers, with its code point. */
const UNSAFE: readonly [string, string][] = [
  ['\u0000', 'U+0000'], ['\u0007', 'U+0007'], ['\n', 'U+000A'], ['\r', 'U+000D'], ['\u001b', 'U+001B'], ['\u007f', 'U+007F'],
  ['\u0085', 'U+0085'], ['\u009b', 'U+009B'], ['\u00ad', 'U+00AD'], ['\u061c', 'U+061C'],
  ['\u200b', 'U+200B'], ['\u200c', 'U+200C'], ['\u200d', 'U+200D'], ['\u200e', 'U+200E'], ['\u200f', 'U+200F'],
  ['\u2028', 'U+2028'], ['\u2029', 'U+2029'],
  ['\u202a', 'U+202A'], ['\u202b', 'U+202B'], ['\u202c', 'U+202C'], ['\u202d', 'U+202D'], ['\u202e', 'U+202E'],
  ['\u2060', 'U+2060'], ['\u2066', 'U+2066'], ['\u2067', 'U+2067'], ['\u2068', 'U+2068'], ['\u2069', 'U+2069'],
  ['\ufeff', 'U+FEFF'], ['\u{e0041}', 'U+E0041'], ['\ud800', 'U+D800'],
];
const SAFE = ['Company-X', 'Gerät Ünïcødé', '设备-7', 'Ç\u00a0a', 'Fa\u00e7ade 😀', "O'Brien & Söhne, Inc.", 'Tab-free'];

function errorOf(fn: () => unknown): { code: string; message: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (isCustodianError(e)) return { code: e.code, message: e.message, details: { ...e.details } };
    throw e;
  }
  throw new Error('expected a CustodianError');
}

describe('the unsafe-character rule', () => {
  it('finds each control, bidirectional, invisible format, separator and lone-surrogate character, and nothing in ordinary text', () => {
    for (const [ch, cp] of UNSAFE) {
      expect(findUnsafeCharacter(`ab${ch}cd`), cp).toMatchObject({ index: 2, codePoint: cp });
    }
    for (const s of SAFE) expect(findUnsafeCharacter(s), s).toBeUndefined();
    expect(codePointLabel(0x202e)).toBe('U+202E (RIGHT-TO-LEFT OVERRIDE)');
    expect(codePointLabel(0x1b)).toBe('U+001B (ESCAPE)');
  });

  it('escapeUnsafe leaves no unsafe character in any string, and changes nothing else', () => {
    expect(escapeUnsafe('Ev\u001b[31mil\nX\u202e')).toBe('Ev\\x1b[31mil\\x0aX\\u{202e}');
    expect(escapeUnsafe('line 1\n\tline 2\r', { keepLineBreaks: true })).toBe('line 1\n\tline 2\\x0d');
    for (const s of SAFE) expect(escapeUnsafe(s)).toBe(s);
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      expect(findUnsafeCharacter(escapeUnsafe(s))).toBeUndefined();
    }), { numRuns: 500 });
  });
});

describe('names as the station shows them', () => {
  it('writes unsafe characters as RFC 4514 hexpairs (control characters as Node writes them), in every form', () => {
    const name = rawName([o('Ev\u001b[31mil\nX'), cn('a\u202eb\u007f')]);
    expect(formatName(name)).toBe('O=Ev\\1B[31mil\\0AX, CN=a\\E2\\80\\AEb\\7F');
    expect(formatNameLines(name)).toBe('O=Ev\\1B[31mil\\0AX\nCN=a\\E2\\80\\AEb\\7F');
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (v) => {
      expect(findUnsafeCharacter(formatEntries([{ label: 'O', value: v }]))).toBeUndefined();
    }), { numRuns: 500 });
  });

  it('agrees with Node for control characters in a real certificate', async () => {
    const k = await fixtureKey('intermediate-p256');
    const der = await rawCert({ subjectCN: 'Evil\u001b[2JRoot\u007f', issuerCN: 'Evil\u001b[2JRoot\u007f', subjectKey: k.publicKey, signingKey: k.privateKey, issuerKey: k.publicKey, notBefore: new Date(Date.now() - 1000), notAfter: new Date(Date.now() + 86_400_000), ca: true, keyUsage: ['keyCertSign'] });
    expect(formatNameLines(rawName([cn('Evil\u001b[2JRoot\u007f')]))).toBe(new X509Certificate(der).subject);
  });
});

describe('CSR intake refuses an unsafe character in any subject attribute (CSR_SUBJECT_UNSAFE_CHARACTER)', () => {
  const cases: [string, Uint8Array, string, string][] = [
    ['ESC and a newline in O (UTF8String)', rawName([cn('Evil-Sub'), o('Ev\u001b[31mil\nX')]), 'O', 'U+001B'],
    ['a right-to-left override in CN (BMPString)', rawName([cn('Factory\u202eY', TAG.bmp)]), 'CN', 'U+202E'],
    ['a C1 control in CN (TeletexString)', rawName([cn('x\u009by', TAG.teletex)]), 'CN', 'U+009B'],
    ['a zero-width space in OU', rawName([cn('dev-001'), ou('Line\u200b7')]), 'OU', 'U+200B'],
    ['a leading BOM in an attribute the station does not honour (emailAddress)', rawName([cn('dev-001'), { oid: '1.2.840.113549.1.9.1', value: '\ufeffa@b' }]), 'E', 'U+FEFF'],
  ];
  const pems = new Map<string, string>();
  beforeAll(async () => {
    for (const [label, name] of cases) pems.set(label, await csrFor(name));
  });

  it.each(cases)('%s', (label, _name, attribute, codePoint) => {
    const e = errorOf(() => readCsr(pems.get(label)!));
    expect(e.code).toBe('CSR_SUBJECT_UNSAFE_CHARACTER');
    expect(e.details).toMatchObject({ attribute, codePoint });
    expect(e.message).toContain(codePoint);
    expect(findUnsafeCharacter(e.message)).toBeUndefined();
  });

  it('…and takes the same CSRs with plain names', async () => {
    const r = readCsr(await csrFor(rawName([cn('Evil-Sub'), o('Evil Corp'), ou('Line 7')])));
    expect(r.requestedSubject).toBe('CN=Evil-Sub, O=Evil Corp, OU=Line 7');
  });
});

describe('issuance refuses an unsafe character in every attribute it writes', () => {
  let root: { certificate: Uint8Array; privateKey: CryptoKey };
  let subjectKey: Uint8Array;
  beforeAll(async () => {
    const k = await fixtureKey('intermediate-p256');
    const r = await issueCertificate({ profile: 'rootCa', commonName: 'Names Root', subjectPublicKey: k.publicKey, issuer: 'self', selfKeys: k, notBefore: new Date(Date.now() - 60_000), days: 30 });
    root = { certificate: r.der, privateKey: k.privateKey };
    subjectKey = readCsr(await csrFor(rawName([cn('x')]))).publicKeySpki;
  });
  const sub = (f: { commonName: string; organization?: string; organizationalUnit?: string }) =>
    issueCertificate({ profile: 'intermediateCa', ...f, subjectPublicKey: subjectKey, issuer: root, notBefore: new Date(), days: 10 });

  it('CN, O and OU of a CA certificate: PROFILE_UNSAFE_NAME_CHARACTER naming the attribute', async () => {
    for (const [f, attribute] of [
      [{ commonName: 'Factory\u202eY' }, 'CN'],
      [{ commonName: 'Factory-Y', organization: 'Ev\u001b[31mil' }, 'O'],
      [{ commonName: 'Factory-Y', organizationalUnit: 'Line\u2066 7' }, 'OU'],
    ] as const) {
      let err: unknown;
      await sub(f).catch((e: unknown) => { err = e; });
      expect(isCustodianError(err, 'PROFILE_UNSAFE_NAME_CHARACTER'), JSON.stringify(f)).toBe(true);
      expect((err as { details: { attribute: string } }).details.attribute).toBe(attribute);
    }
    await expect(sub({ commonName: 'Factory-Y', organization: 'Company-X', organizationalUnit: 'Line 7' })).resolves.toMatchObject({ subject: 'O=Company-X, OU=Line 7, CN=Factory-Y' });
  });

  it('device IDs and hub codes: refused by their allow-lists, the character escaped in the message', async () => {
    for (const id of ['dev\u202e001', 'dev-001\u200b', 'dev\u001b[2J', 'dev\u0085x']) {
      const e = errorOf(() => validateDeviceId(id, 'iothub'));
      expect(e.code).toBe('DEVICE_ID_INVALID');
      expect(findUnsafeCharacter(e.message), e.message).toBeUndefined();
      expect(findUnsafeCharacter(String(e.details.char))).toBeUndefined();
      expect(e.details.codePoint).toMatch(/^U\+[0-9A-F]{4}$/);
    }
    await expectCode(issueCertificate({ profile: 'hubVerification', commonName: 'ABC\u202e123', subjectPublicKey: subjectKey, issuer: root, notBefore: new Date(), days: 1 }), 'PROFILE_INVALID_COMMON_NAME');
  });
});

describe('sameName: one entity, whatever the encoding', () => {
  it('matches byte-equal names, and names equal after case, space and NFKC folding in any string type', () => {
    const a = encodeName({ commonName: 'Company-X', organization: 'Company X' });
    expect(sameName(a, a)).toBe(true);
    expect(sameName(a, rawName([o('company x'), cn('COMPANY-X')]))).toBe(true);
    expect(sameName(a, rawName([o('Company  X ', TAG.printable), cn('Company-X', TAG.bmp)]))).toBe(true);
    expect(sameName(a, rawName([o('Company X'), cn('Ｃｏｍｐａｎｙ-X')]))).toBe(true); // fullwidth letters fold under NFKC
  });

  it('does not match another name, another order or another attribute', () => {
    const a = encodeName({ commonName: 'Company-X', organization: 'Company X' });
    expect(sameName(a, encodeName({ commonName: 'Company-Y', organization: 'Company X' }))).toBe(false);
    expect(sameName(a, rawName([cn('Company-X'), o('Company X')]))).toBe(false);
    expect(sameName(a, rawName([ou('Company X'), cn('Company-X')]))).toBe(false);
    expect(sameName(a, encodeName({ commonName: 'Company-X' }))).toBe(false);
  });
});
