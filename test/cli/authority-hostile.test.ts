/**
 * The authority commands facing hostile files: `import` goes by the pinned
 * root (--root / --root-sha256, or the one `request` pinned) and shows both
 * fingerprints; names with control, bidirectional or invisible format
 * characters are refused; and whatever untrusted text reaches the terminal
 * (human or --json) is escaped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority, type InitRootResult } from '../../electron/core/authority/index';
import { CustodianError } from '../../electron/core/errors';
import { jsonText, terminalText, writeError, writeResult } from '../../electron/cli/output';
import { toPem } from '../../electron/core/pki/index';
import { findUnsafeCharacter } from '../../electron/shared/unsafe-text';
import { rawCert } from '../pki/helpers';
import { cn, csrFor, o, rawName } from '../support/hostile-names';
import { tempDir } from '../authority/fixtures';
import { runInProcess, type CliRun } from './helpers';

const W = tempDir('cli-hostile-');
const f = (name: string) => join(W, name);
const PASS = 'station passphrase';
writeFileSync(f('pass'), `${PASS}\n`);
const cli = (home: string, args: string[]): Promise<CliRun> => runInProcess(['--home', f(home), ...args, '--passphrase-file', f('pass')], { cwd: W });
/** No passphrase source at all: a command that asked for one would fail with CLI_PASSPHRASE_REQUIRED. */
const cliNoPass = (home: string, args: string[]): Promise<CliRun> => runInProcess(['--home', f(home), ...args], { cwd: W });

let X: Authority;
let real: InitRootResult;
let impostor: Authority;
let fake: InitRootResult;

/** A pending station `home` (via the CLI) whose CSR `by` signed into `<home>.bundle.pem`. */
async function pendingWithBundle(home: string, by: Authority, extra: string[] = []): Promise<CliRun> {
  const r = await cli(home, ['authority', 'request', '--cn', 'Factory-Y', '--out', `${home}.csr`, '--work-factor', '17', ...extra]);
  expect(r.status, r.stderr).toBe(0);
  writeFileSync(f(`${home}.bundle.pem`), (await by.signSubordinate(readFileSync(f(`${home}.csr`), 'utf8'), { pathLen: 1, days: 1000 })).bundlePem);
  return r;
}

beforeAll(async () => {
  X = Authority.open({ home: f('x'), workFactor: 17 });
  real = await X.initRoot({ commonName: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
  writeFileSync(f('companyx-root.pem'), real.certificatePem);
  impostor = Authority.open({ home: f('impostor'), workFactor: 17 });
  fake = await impostor.initRoot({ commonName: 'Company-X', pathLen: 2, days: 3650, passphrase: PASS });
}, 60_000);

describe('authority import and the upstream root', () => {
  it('without a root pinned or given: AUTHORITY_ROOT_NOT_PINNED, exit 4, before a passphrase is asked', async () => {
    expect((await pendingWithBundle('y-none', X)).stdout).toContain('root      not pinned yet: give it at import');
    const r = await cliNoPass('y-none', ['authority', 'import', 'y-none.bundle.pem', '--json']);
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('AUTHORITY_ROOT_NOT_PINNED');
    const human = await cliNoPass('y-none', ['authority', 'import', 'y-none.bundle.pem', '--key', 'companyx-root.pem']);
    expect(human.stderr).toMatch(/^error\[AUTHORITY_ROOT_NOT_PINNED\]/);
    expect((await cliNoPass('y-none', ['authority', 'show'])).stdout).toContain('root      not pinned: give it at import (--root <file> or --root-sha256 <hex>)');
  });

  it('--root and --root-sha256 together are a usage error', async () => {
    const r = await cli('y-none', ['authority', 'import', 'y-none.bundle.pem', '--root', 'companyx-root.pem', '--root-sha256', real.fingerprint, '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('CLI_USAGE');
  });

  it('given at import: activates, and prints the pinned root and the chain\'s root', async () => {
    const r = await cli('y-none', ['authority', 'import', 'y-none.bundle.pem', '--root', 'companyx-root.pem']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`pinned root   SHA-256 ${real.fingerprint} (by certificate)`);
    expect(r.stdout).toContain(`chain's root  SHA-256 ${real.fingerprint} (matches)`);
    const show = await cli('y-none', ['authority', 'show']);
    expect(show.stdout).toContain(`root      pinned to SHA-256 ${real.fingerprint}`);
  });

  it('pinned at request: a bundle ending in an impostor root named like the real one is refused with both fingerprints, exit 4', async () => {
    expect((await pendingWithBundle('y-pinned', impostor, ['--root-sha256', real.fingerprint])).stdout).toContain(`root      SHA-256 ${real.fingerprint} (pinned: a bundle must end in it)`);
    const r = await cli('y-pinned', ['authority', 'import', 'y-pinned.bundle.pem', '--json']);
    expect(r.status).toBe(4);
    const e = JSON.parse(r.stdout).error;
    expect(e.code).toBe('AUTHORITY_ROOT_MISMATCH');
    expect(e.details).toMatchObject({ pinnedSha256: real.fingerprint, bundleRootSha256: [fake.fingerprint] });
    const show = await cli('y-pinned', ['authority', 'show', '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ state: 'pending', pinnedRoot: { sha256: real.fingerprint } });
  });

  it('a bad fingerprint is AUTHORITY_ROOT_INVALID, exit 3', async () => {
    const r = await cli('y-bad', ['authority', 'request', '--cn', 'Factory-Y', '--root-sha256', 'abcd', '--work-factor', '17', '--json']);
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toBe('AUTHORITY_ROOT_INVALID');
  });
});

describe('names and the terminal', () => {
  it('sign-subordinate: ESC and a newline in O are refused (exit 3), and nothing raw reaches stderr', async () => {
    writeFileSync(f('evil.csr'), await csrFor(rawName([cn('Evil-Sub'), o('Ev\u001b[31mil\n[OK] signed')])));
    const r = await cli('x', ['authority', 'sign-subordinate', 'evil.csr', '--path-len', '0', '--days', '30', '--out', 'evil.bundle.pem']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^error\[CSR_SUBJECT_UNSAFE_CHARACTER\]: the request's subject O holds U\+001B \(ESCAPE\)/);
    expect(findUnsafeCharacter(r.stderr.replace(/\n/g, ''))).toBeUndefined();
  });

  it('request: a right-to-left override in --cn is refused (exit 4), named by code point', async () => {
    const r = await cli('rlo', ['authority', 'request', '--cn', 'Factory\u202eY', '--work-factor', '17']);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('PROFILE_UNSAFE_NAME_CHARACTER');
    expect(r.stderr).toContain('U+202E (RIGHT-TO-LEFT OVERRIDE)');
    expect(r.stderr).not.toContain('\u202e');
  });

  it('import: stray certificates named with escape codes are named in the warning, escaped', async () => {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const stray = await rawCert({ subjectCN: 'Stray\u001b[2J\u202e', issuerCN: 'Stray\u001b[2J\u202e', subjectKey: keys.publicKey, signingKey: keys.privateKey, issuerKey: keys.publicKey, notBefore: new Date(Date.now() - 1000), notAfter: new Date(Date.now() + 86_400_000), ca: true, keyUsage: ['keyCertSign'] });
    await pendingWithBundle('y-stray', X, ['--root', 'companyx-root.pem']);
      writeFileSync(f('y-stray.bundle.pem'), readFileSync(f('y-stray.bundle.pem'), 'utf8') + toPem(stray));
    const r = await cli('y-stray', ['authority', 'import', 'y-stray.bundle.pem']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: ignored 1 certificate not on the path to the root: CN=Stray\\1B\[2J\\E2\\80\\AE/);
    expect(findUnsafeCharacter(r.stderr.replace(/\n/g, ''))).toBeUndefined();
  });

  it('terminalText, writeResult and writeError escape whatever they print; --json keeps the data and escapes it', () => {
    const hostile = 'dev\u001b]0;owned\u0007-\u202eexe.gpj\u200b\r\u0085';
    expect(terminalText(`a\n\t${hostile}`)).toBe('a\n\tdev\\x1b]0;owned\\x07-\\u{202e}exe.gpj\\u{200b}\\x0d\\x85');
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => { out.push(s); return true; } }, stderr: { write: (s: string) => { out.push(s); return true; } }, stdin: process.stdin, env: {}, cwd: W };
    writeResult(io, false, { data: null, human: [`device ${hostile}`, 'next line'] });
    writeError(io, false, new CustodianError('DEVICE_ID_INVALID', `device ${hostile} refused`));
    writeError(io, false, new Error(`boom ${hostile}`));
    for (const s of out) expect(findUnsafeCharacter(s.replace(/\n/g, '')), JSON.stringify(s)).toBeUndefined();
    expect(out[0]).toBe(`device ${terminalText(hostile)}\nnext line\n`);

    const data = { id: hostile, nested: [{ subject: `CN=${hostile}\u2028` }] };
    const text = jsonText(data);
    expect(findUnsafeCharacter(text.replace(/\n/g, ''))).toBeUndefined();
    expect(JSON.parse(text)).toEqual(data);
    const json: string[] = [];
    writeError({ ...io, stdout: { write: (s: string) => { json.push(s); return true; } } }, true, new CustodianError('X_Y', hostile, { v: hostile }));
    expect(JSON.parse(json[0]!)).toEqual({ error: { code: 'X_Y', message: hostile, details: { v: hostile } } });
    expect(findUnsafeCharacter(json[0]!.replace(/\n/g, ''))).toBeUndefined();
  });
});
