/**
 * `custodian provision` serving a line: several --port options or a port
 * pattern with --watch, as a child process on socat ptys. Every head is
 * served under one unlock; a faulty head's device fails alone; the result
 * counts per head and for the line.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoChain } from '../../electron/core/line/demo';
import { startSimulator, type Fault, type SimulatorHandle } from '../../electron/core/simulator/index';
import { runBin } from './helpers';

const PASS = 'cli-line-passphrase';
const env = { CUSTODIAN_PASSPHRASE: PASS };
const W = mkdtempSync(join(tmpdir(), 'cli-line-'));
let files: Awaited<ReturnType<typeof buildDemoChain>>;
const sims: SimulatorHandle[] = [];

/** A head of the fixture: a simulated device (and `next` more swapped in behind it) on `<dir>/<name>.tty`. */
async function head(dir: string, name: string, o: { next?: number; faults?: Fault[] } = {}): Promise<SimulatorHandle> {
  const s = await startSimulator({
    stateDir: join(W, `${name}-0`), transport: 'pty', baud: 115200, identity: { deviceId: `${name}-0` },
    nextDevices: Array.from({ length: o.next ?? 0 }, (_, i) => join(W, `${name}-${i + 1}`)),
    ptyLink: join(dir, `${name}.tty`), ...(o.faults ? { faults: o.faults } : {}),
  });
  sims.push(s);
  return s;
}

function home(): string {
  const h = mkdtempSync(join(W, 'home-'));
  cpSync(files.homes.technicianZ, h, { recursive: true });
  rmSync(join(h, 'ledger'), { recursive: true, force: true });
  return h;
}

beforeAll(async () => {
  files = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

interface LineJson {
  served: number; passed: number; failed: number;
  heads: Array<{ port: string; served: number; passed: number; failed: number }>;
  results: Array<{ result: string; deviceId: string | null; error?: { code: string } }>;
}

describe('provision --port … --watch serves a line', () => {
  it('three heads at once under one unlock; the faulty head fails alone; counts per head and for the line', async () => {
    const dir = mkdtempSync(join(W, 'fixture-'));
    const a = await head(dir, 'la', { next: 1 });
    const b = await head(dir, 'lb', { next: 1 });
    await head(dir, 'lc', { faults: [{ kind: 'error-reply', step: 'get-csr', error: 'BUSY' }] });
    const run = await runBin(['--home', home(), 'provision', '--port', a.path!, '--port', b.path!, '--port', join(dir, 'lc.tty'), '--operator', 'ci', '--watch', '--count', '5', '--json'], { env });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as LineJson;
    expect(out).toMatchObject({ served: 5, passed: 4, failed: 1 });
    expect(out.heads.map((h) => [h.port.split('/').pop(), h.passed, h.failed])).toEqual([['la.tty', 2, 0], ['lb.tty', 2, 0], ['lc.tty', 0, 1]]);
    expect(out.results.find((r) => r.result === 'failed')!.deviceId).toBe('lc-0');
    expect(a.state().locked && b.state().locked).toBe(true);
  }, 90_000);

  it('a quoted port pattern serves every matching port; the human summary counts each head', async () => {
    const dir = mkdtempSync(join(W, 'pattern-'));
    await head(dir, 'p1');
    await head(dir, 'p2');
    const run = await runBin(['--home', home(), 'provision', '--port', join(dir, 'p*.tty'), '--operator', 'ci', '--watch', '--count', '2'], { env });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('[1 p1.tty] 1 served: 1 passed, 0 failed');
    expect(run.stdout).toContain('[2 p2.tty] 1 served: 1 passed, 0 failed');
    expect(run.stdout).toContain('2 device(s) served on 2 head(s): 2 passed, 0 failed');
    // Progress is tagged by head.
    expect(run.stderr).toMatch(/\[1 p1\.tty\] +PASS\s+p1-0/);
    expect(run.stderr).toMatch(/\[2 p2\.tty\] ✓ sign leaf certificate/);
  }, 90_000);

  it('refuses several ports without --watch, a port given twice and a bad pattern as usage errors', async () => {
    const h = home();
    const p = (...args: string[]) => runBin(['--home', h, 'provision', '--operator', 'ci', ...args], { env });
    const noWatch = await p('--port', '/dev/ttyUSB0', '--port', '/dev/ttyUSB1');
    expect(noWatch.status).toBe(2);
    expect(noWatch.stderr).toContain('several ports (or a port pattern) serve a line: add --watch');
    const twice = await p('--port', '/dev/ttyUSB0', '--port', '/dev/ttyUSB0', '--watch');
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain('--port /dev/ttyUSB0 is given twice');
    const bad = await p('--port', '/dev/*/tty0', '--watch');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('wildcards are allowed only in the last part');
  }, 60_000);
});
