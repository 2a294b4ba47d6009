/**
 * `custodian provision --watch` as a child process on socat ptys, stopped
 * from outside: SIGTERM and SIGINT while a device is in flight (it finishes or
 * fails safely, the ledger is flushed, no ledger.lock is left), a second
 * process refused with LEDGER_LOCKED naming the first, and a station home on
 * a real 3 MB tmpfs that fills up (the line stops and exits with the ledger
 * status; the printed reconcile command and the audit then work).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type LedgerRecord } from '../../electron/core/ledger/index';
import { buildDemoChain } from '../../electron/core/line/demo';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { runBin, startBin, type CliChild } from './helpers';

const PASS = 'cli-stop-passphrase';
const env = { CUSTODIAN_PASSPHRASE: PASS };
const W = mkdtempSync(join(tmpdir(), 'cli-stop-'));
let files: Awaited<ReturnType<typeof buildDemoChain>>;
const sims: SimulatorHandle[] = [];

async function sim(deviceId: string, ptyDir?: string): Promise<SimulatorHandle> {
  const s = await startSimulator({ stateDir: mkdtempSync(join(W, `${deviceId}-`)), transport: 'pty', baud: 115200, identity: { deviceId }, ...(ptyDir ? { ptyDir } : {}) });
  sims.push(s);
  return s;
}

/** A fresh copy of the Technician-Z station home (its own ledger). */
function home(under = W): string {
  const h = mkdtempSync(join(under, 'home-'));
  cpSync(files.homes.technicianZ, h, { recursive: true });
  rmSync(join(h, 'ledger'), { recursive: true, force: true });
  return h;
}

function records(h: string): LedgerRecord[] {
  const l = Ledger.open({ dir: join(h, 'ledger'), readOnly: true });
  try {
    return Array.from({ length: l.size }, (_, i) => l.record(i));
  } finally {
    l.close();
  }
}

async function until(run: CliChild, re: RegExp, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!re.test(run.stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(run.stderr).toMatch(re);
}

beforeAll(async () => {
  files = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

describe('provision --watch stops cleanly on a signal while a device is in flight', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig}: the device finishes or fails safely, its records are written, the ledger is flushed and unlocked`, async () => {
      const h = home();
      const s = await sim(`stop-${sig.toLowerCase()}-1`);
      const run = startBin(['--home', h, 'provision', '--port', s.path!, '--operator', 'ci', '--watch'], { env });
      // The certificate has just been signed: the signal lands in record or write.
      await until(run, /✓ sign leaf certificate/);
      run.child.kill(sig);
      const status = await run.exited;
      expect(status, run.stderr).toBe(0);
      expect(run.stderr).toContain(`stopping: ${sig === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} received`);
      expect(run.stdout).toMatch(new RegExp(`1 device\\(s\\) served: [01] passed, [01] failed \\(stopped by operator${sig === 'SIGTERM' ? ', SIGTERM' : ''}\\)`));
      expect(existsSync(join(h, 'ledger', 'ledger.lock'))).toBe(false);
      const recs = records(h);
      const intent = recs.find((r) => r.t === 'intent')!;
      // Signed, recorded, and its outcome (passed, or failed: cancelled before the next step) written.
      expect(recs.filter((r) => 'intent' in r && r.intent === intent.n).map((r) => r.t)).toEqual(['done', 'outcome']);
      const l = Ledger.open({ dir: join(h, 'ledger'), readOnly: true });
      expect(l.openReport.unreconciled).toEqual([]);
      expect(l.checkpoint.size).toBe(l.size);
      expect(readFileSync(join(h, 'ledger', 'checkpoint'), 'utf8')).toBe(l.checkpointNote);
      l.close();
      // The device is safe to retry: a second run leaves it provisioned.
      const again = await runBin(['--home', h, 'provision', '--port', s.path!, '--operator', 'ci'], { env });
      expect(again.status, again.stderr).toBe(0);
      expect(s.state().locked).toBe(true);
    }, 60_000);
  }

  it('a second station process is refused with LEDGER_LOCKED naming the first and how to stop it', async () => {
    const h = home();
    const port = join(mkdtempSync(join(W, 'empty-port-')), 'tty-none');
    const first = startBin(['--home', h, 'provision', '--port', port, '--operator', 'ci', '--watch'], { env });
    await until(first, /waiting for a device/);
    const second = await runBin(['--home', h, 'provision', '--port', port, '--operator', 'ci', '--json'], { env });
    expect(second.status).toBe(7);
    const err = (JSON.parse(second.stdout) as { error: { code: string; message: string; details: { pid: number; command: string } } }).error;
    expect(err.code).toBe('LEDGER_LOCKED');
    expect(err.details.pid).toBe(first.child.pid);
    expect(err.details.command).toContain('provision --port');
    expect(err.message).toContain(`pid ${first.child.pid} (`);
    expect(err.message).toContain(`kill -TERM ${first.child.pid}`);
    const human = await runBin(['--home', h, 'provision', '--port', port, '--operator', 'ci'], { env });
    expect(human.stderr).toContain(`error[LEDGER_LOCKED]: the ledger is open for writing by another process: pid ${first.child.pid}`);
    expect(human.stderr).toContain('hint: one process at a time writes the ledger');
    expect(human.stderr).not.toContain('custodian audit');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(h, 'ledger', 'ledger.lock'))).toBe(false);
  }, 60_000);
});

/** Root may mount a tmpfs; elsewhere the in-process table (test/line/ledger-stop.test.ts) covers every write site. */
function mountTmpfs(dir: string, size: string): boolean {
  if (process.getuid?.() !== 0) return false;
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

describe('provision --watch on a station home that fills up (real tmpfs)', () => {
  const mnt = join(W, 'tmpfs');
  const mounted = mountTmpfs(mnt, '3m');
  afterAll(() => {
    if (mounted) spawnSync('umount', ['-l', mnt]);
  });

  it.skipIf(!mounted)('stops the line at the failing write, exits with the ledger status and says what is true; the printed command and the audit then work', async () => {
    const h = home(mnt);
    // Fill the disk to the last byte: the ledger's first write that needs a new block fails.
    const filler = join(mnt, 'filler');
    spawnSync('sh', ['-c', `dd if=/dev/zero of=${filler} bs=4096 2>/dev/null; true`]);
    // Give back a little, so the ledger (its entries and its index) opens and the line runs until its files outgrow it.
    spawnSync('truncate', ['-s', `-${48 * 4096}`, filler]);
    const ptyDir = mkdtempSync(join(W, 'full-port-'));
    const id = (n: number): string => `full-${String(n).padStart(4, '0')}`;
    let n = 1;
    let s = await sim(id(n), ptyDir);
    const run = startBin(['--home', h, 'provision', '--port', s.path!, '--operator', 'ci', '--watch', '--count', '60'], { env });
    const deadline = Date.now() + 150_000;
    // Swap device after device on the bench until the station stops.
    while (run.child.exitCode === null && Date.now() < deadline) {
      if ((run.stderr.match(/remove the device to continue/g) ?? []).length >= n) {
        await s.stop();
        s = await sim(id(++n), ptyDir);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const status = await run.exited;
    expect(status, run.stderr).toBe(7);
    expect(run.stderr).toContain('STATION STOPPED');
    expect(run.stderr).toMatch(/error\[LEDGER_WRITE_FAILED\]: This station stopped signing: the ledger could not .* \(ENOSPC: the disk is full\)/);
    expect(run.stderr).not.toMatch(/nothing was signed.*a certificate was signed|a certificate was signed.*nothing was signed/is);
    expect(existsSync(join(h, 'ledger', 'ledger.lock'))).toBe(false);
    // The line stopped at the failing device: one STOP, at most one FAIL, and nothing served after it.
    expect(run.stderr.match(/STATION STOPPED/g)).toHaveLength(1);
    const fails = run.stderr.match(/FAIL\s+full-\d{4}/g) ?? [];
    expect(fails.length).toBeLessThanOrEqual(1);
    if (fails.length) expect(run.stderr.slice(run.stderr.indexOf(fails[0]!))).not.toMatch(/PASS\s+full-/);

    rmSync(filler);
    // Do what the statements say: the reconcile command they print, if any.
    const cmd = /`custodian ledger reconcile (\d+) --resolution abandoned /.exec(run.stderr);
    if (cmd) {
      const r = await runBin(['--home', h, 'ledger', 'reconcile', cmd[1]!, '--resolution', 'abandoned', '--reason', 'disk full, never left the station', '--operator', 'ci'], { env });
      expect(r.status, r.stderr).toBe(0);
    }
    const bundle = join(W, `bundle-${Date.now()}`);
    const exp = await runBin(['--home', h, 'ledger', 'export', bundle], { env });
    expect(exp.status, exp.stderr).toBe(0);
    const audit = await runBin(['audit', bundle, '--root', files.rootCertificate, '--strict'], { env });
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
    // Every device that passed is in the ledger.
    const done = records(h).filter((x) => x.t === 'done').map((x) => (x as { deviceId: string }).deviceId);
    for (const m of run.stderr.matchAll(/PASS\s+(full-\d{4})/g)) expect(done).toContain(m[1]);
  }, 180_000);
});
