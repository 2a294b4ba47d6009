/**
 * A SoftHSM2 of its own per test file: a temporary token directory and
 * SOFTHSM2_CONF pointing at it (set in this process, inherited by CLI
 * children), tokens made with softhsm2-util. Tests skip when SoftHSM2 is not
 * installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

export const SOFTHSM_MODULE = MODULE_CANDIDATES.find((p) => existsSync(p)) ?? null;
export const HAVE_SOFTHSM = SOFTHSM_MODULE !== null && spawnSync('softhsm2-util', ['--version']).status === 0;
export const HAVE_PKCS11_TOOL = spawnSync('pkcs11-tool', ['--help']).status !== null && spawnSync('pkcs11-tool', ['--help']).error === undefined;

export interface SoftHsm {
  dir: string;
  conf: string;
  /** Initialise a token in a free slot; returns its serial. */
  initToken(label: string, pin: string, soPin?: string): string;
  /** A URI for a key `object` on token `label`. */
  uri(label: string, object: string): string;
  /** `pkcs11-tool --list-objects` on token `label` (logged in). */
  listObjects(label: string, pin: string): string;
  /** Make a token unavailable by moving its files away (as good as pulling it), and put it back. */
  pull(serial: string): () => void;
}

export function startSoftHsm(): SoftHsm {
  const dir = mkdtempSync(join(tmpdir(), 'softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env.SOFTHSM2_CONF = conf;
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const tokenDirs = (): string[] => readdirSync(tokens);
  const serialOf = new Map<string, string>(); // serial → token directory
  return {
    dir,
    conf,
    initToken(label, pin, soPin = '87654321') {
      const before = new Set(tokenDirs());
      execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin], { env, stdio: 'pipe' });
      const made = tokenDirs().find((d) => !before.has(d))!;
      const shown = execFileSync('softhsm2-util', ['--show-slots'], { env, encoding: 'utf8' });
      const block = shown.split(/\n(?=Slot )/).find((b) => new RegExp(`Label:\\s+${label}\\s*$`, 'm').test(b))!;
      const serial = /Serial number:\s+(\S+)/.exec(block)![1]!;
      serialOf.set(serial, made);
      return serial;
    },
    uri: (label, object) => `pkcs11:token=${encodeURIComponent(label)};object=${encodeURIComponent(object)}?module-path=${SOFTHSM_MODULE}`,
    listObjects(label, pin) {
      return execFileSync('pkcs11-tool', ['--module', SOFTHSM_MODULE!, '--token-label', label, '--login', '--pin', pin, '--list-objects'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    },
    pull(serial) {
      const d = serialOf.get(serial)!;
      renameSync(join(tokens, d), join(dir, `pulled-${d}`));
      return () => renameSync(join(dir, `pulled-${d}`), join(tokens, d));
    },
  };
}
