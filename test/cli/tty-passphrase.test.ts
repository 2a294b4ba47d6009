/** The interactive passphrase prompt: a real pty, no echo, asked twice for a new key. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Authority } from '../../electron/core/authority/index';
import { runUnderPty } from '../vault/pty';
import { BIN } from './helpers';

const W = mkdtempSync(join(tmpdir(), 'tty-'));
const cmd = (home: string) => `${process.execPath} ${BIN} --home ${home} authority init-root --cn TTY-Root --days 30 --work-factor 17`;

describe('passphrase prompt on a terminal', () => {
  it('reads the passphrase without echoing it, twice for a new key', async () => {
    const secret = 'typed at the terminal';
    const home = join(W, 'ok');
    const r = await runUnderPty(cmd(home), [
      { waitFor: /Passphrase for the new CA key of "TTY-Root": /, send: `${secret}\r` },
      { waitFor: /Repeat the passphrase: /, send: `${secret}\r` },
    ]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Root CA created: CN=TTY-Root/);
    expect(r.output).not.toContain(secret);
    await Authority.open({ home }).unlock(secret); // the typed passphrase is the key's
  });

  it('refuses when the confirmation differs (exit 2), creating nothing', async () => {
    const home = join(W, 'mismatch');
    const r = await runUnderPty(cmd(home), [
      { waitFor: /Passphrase for/, send: 'first passphrase\r' },
      { waitFor: /Repeat the passphrase: /, send: 'second passphrase\r' },
    ]);
    // socat does not pass the exit status through; it logs it.
    expect(r.output).toMatch(/child \d+ exited with status 2/);
    expect(r.output).toMatch(/error\[CLI_PASSPHRASE_MISMATCH\]/);
    expect(Authority.open({ home }).state).toBe('none');
  });
});
