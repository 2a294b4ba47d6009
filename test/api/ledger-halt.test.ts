/**
 * The app's side of a ledger that cannot write: the station stops signing and
 * serving, station.status and the station.halted event carry what is true
 * (the renderer shows it as a blocking alert), every provisioning call is
 * refused until station.resume reopens the ledger, and shutdown (app quit,
 * SIGTERM) lets the device in flight finish before it closes the ledger.
 */
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, nodeIo, type LedgerIo, type LedgerRecord } from '../../electron/core/ledger/index';
import type { EventPayload } from '../../electron/shared/api';
import { bridgeCaller, startTestStation, type TestStation } from '../support/test-station';

const PASSPHRASE = 'halt test passphrase 42';
const nameOf = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`).split('/').pop()!;
const typeOf = (buf: Uint8Array, offset: number): string | null => /^\{"t":"([a-z-]+)"/.exec(Buffer.from(buf.subarray(offset, offset + 32)).toString('utf8'))?.[1] ?? null;

/** A disk that fills at the first entries write of a `record` once armed, and stays full until freed. */
function fillingDisk(record: string) {
  const state = { armed: false, full: false };
  const io: LedgerIo = {
    ...nodeIo,
    writeSync: (fd, buf, offset, length, position) => {
      if (state.full || (state.armed && nameOf(fd) === 'entries.jsonl' && typeOf(buf, offset) === record)) {
        state.full = true;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return nodeIo.writeSync(fd, buf, offset, length, position);
    },
  };
  return { io, state };
}

function records(home: string): LedgerRecord[] {
  const l = Ledger.open({ dir: join(home, 'ledger'), readOnly: true });
  try {
    return Array.from({ length: l.size }, (_, i) => l.record(i));
  } finally {
    l.close();
  }
}

let st: TestStation | null = null;
afterEach(async () => {
  await st?.close();
  st = null;
});

async function station(io?: LedgerIo, wireTime = false) {
  st = await startTestStation({ ...(io ? { ledgerIo: io } : {}), wireTime });
  const s = st;
  const api = bridgeCaller(() => s.url);
  await api.ok('authority.createDemoAuthority', { passphrase: PASSPHRASE });
  const halts: EventPayload<'station.halted'>[] = [];
  const progress: EventPayload<'station.progress'>[] = [];
  s.service.on('station.halted', (h) => halts.push(h));
  s.service.on('station.progress', (p) => progress.push(p));
  return { ...api, st: s, halts, progress };
}

describe('station halt (app)', () => {
  it('a certificate record that cannot be written halts the station with what is true, refuses everything until resumed', async () => {
    const disk = fillingDisk('done');
    const { ok, call, st: s, halts, progress } = await station(disk.io);
    const a = await ok<{ port: string }>('simulator.start', { deviceId: 'dev-000001' });
    await ok('station.provision', { port: a.port, operator: 'Ana' });
    expect((await ok<{ halted: unknown }>('station.status')).halted).toBeNull();

    disk.state.armed = true;
    const b = await ok<{ port: string }>('simulator.start', { deviceId: 'dev-000002' });
    const failed = await call('station.provision', { port: b.port, operator: 'Ana' });
    expect(failed.ok).toBe(false);
    if (failed.ok) return;
    expect(failed.error.code).toBe('LEDGER_WRITE_FAILED');
    expect(failed.error.message).toBe('This station stopped signing: the ledger could not append to entries.jsonl (ENOSPC: the disk is full): the entry being written is not in the ledger; every entry before it is on disk.');
    expect(failed.error.details).toMatchObject({ failedStep: 'record', signed: true, site: 'entries' });

    // The blocking alert's content: pushed once the ledger stopped, and in station.status.
    expect(halts.length).toBeGreaterThan(0);
    const halt = halts.at(-1)!;
    expect(halt.code).toBe('LEDGER_WRITE_FAILED');
    const intent = records(s.home).find((r): r is Extract<LedgerRecord, { t: 'intent' }> => r.t === 'intent' && r.deviceId === 'dev-000002')!;
    expect(halt.statements).toEqual([
      `A certificate ${intent.serialHex} was signed in this run but is NOT recorded in the ledger (its record did not reach the disk); it was not sent to the device and is discarded.`,
      'The ledger has stopped: the ledger could not append to entries.jsonl (ENOSPC: the disk is full): the entry being written is not in the ledger; every entry before it is on disk. This station signs nothing more and stops serving the line until the cause is fixed and the ledger is reopened.',
      `Intent #${intent.n} (dev-000002, serial ${intent.serialHex}) is open and blocks signing: its certificate never left the station; once the ledger can be written, close it with \`custodian ledger reconcile ${intent.n} --resolution abandoned --reason "<what you found>" --operator <name>\` (the serial is never used).`,
      'After the intent is reconciled, a retry signs a new certificate.',
    ]);
    expect((await ok<{ halted: unknown }>('station.status')).halted).toEqual(halt);

    // Nothing is provisioned or served while halted; the device is not even opened.
    const c = await ok<{ port: string }>('simulator.start', { deviceId: 'dev-000003' });
    const refused = await call('station.provision', { port: c.port, operator: 'Ana' });
    expect(refused.ok || refused.error.code).toBe('LEDGER_WRITE_FAILED');
    expect(progress.filter((p) => p.port === c.port)).toEqual([]);
    const auto = await call('station.setAutoMode', { enabled: true, operator: 'Ana' });
    expect(auto.ok || auto.error.code).toBe('LEDGER_WRITE_FAILED');

    // Resume while the disk is still full: refused, the halt stays.
    const early = await call('station.resume');
    expect(early.ok || early.error.code).toBe('LEDGER_WRITE_FAILED');
    // The full disk refuses even the lock file of the reopen: the alert now says the ledger cannot open.
    const still = (await ok<{ halted: { statements: string[] } | null }>('station.status')).halted;
    expect(still?.statements).toEqual([
      'The ledger could not be opened: the ledger could not write its lock file ledger.lock (ENOSPC: the disk is full): nothing was written. Nothing was signed since it stopped.',
      'This station signs nothing and serves no device until the cause is fixed and the ledger opens; any intent it holds open is named then.',
    ]);
    expect(halts.at(-1)).toEqual(still);
    const stillRefused = await call('station.provision', { port: c.port, operator: 'Ana' });
    expect(stillRefused.ok || stillRefused.error.code).toBe('LEDGER_WRITE_FAILED');

    // Space freed: resume reopens the ledger and lifts the halt; the open intent blocks signing as the alert said.
    disk.state.full = false;
    disk.state.armed = false;
    expect((await ok<{ halted: unknown }>('station.resume')).halted).toBeNull();
    const blocked = await call('station.provision', { port: c.port, operator: 'Ana' });
    expect(blocked.ok || blocked.error.code).toBe('LEDGER_UNRECONCILED_INTENT');
    if (!blocked.ok) expect(blocked.error.message).toContain(`custodian ledger reconcile ${intent.n} --resolution abandoned|issued`);
  });

  it('auto mode stops serving every port when the ledger stops', async () => {
    const disk = fillingDisk('intent');
    const { ok, call, st: s, halts, progress } = await station(disk.io);
    await ok('station.setAutoMode', { enabled: true, operator: 'Ana' });
    const a = await ok<{ port: string }>('simulator.start', { deviceId: 'dev-000011' });
    await expect.poll(() => progress.some((p) => p.port === a.port && p.step === 'done' && p.state === 'succeeded'), { timeout: 15_000 }).toBe(true);
    disk.state.armed = true;
    const b = await ok<{ port: string }>('simulator.start', { deviceId: 'dev-000012' });
    await expect.poll(() => halts.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(halts.at(-1)!.statements[0]).toBe('Nothing was signed in this run.');
    expect(progress.some((p) => p.port === b.port && p.step === 'intent' && p.state === 'failed')).toBe(true);
    // A device plugged in now is not served.
    const c = await ok<{ port: string }>('simulator.start', { deviceId: 'dev-000013' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(progress.filter((p) => p.port === c.port)).toEqual([]);
    expect((await ok<{ busyPorts: string[] }>('station.status')).busyPorts).toEqual([]);
    void call;
    void s;
  });

  it('shutdown lets the device in flight finish and closes the ledger: every record written, no lock left', async () => {
    const { ok, call, st: s, progress } = await station(undefined, true);
    const a = await ok<{ port: string }>('simulator.start', { deviceId: 'dev-000021' });
    const run = call('station.provision', { port: a.port, operator: 'Ana' });
    // Quit while the certificate is being signed and recorded.
    await expect.poll(() => progress.some((p) => p.port === a.port && p.step === 'sign' && p.state === 'started'), { timeout: 15_000 }).toBe(true);
    const home = s.home;
    await s.service.shutdown();
    const r = await run;
    // It stopped before writing to the device (or had finished): never inside intent → sign → record.
    if (!r.ok) expect(r.error.code).toBe('WORKFLOW_CANCELLED');
    expect(existsSync(join(home, 'ledger', 'ledger.lock'))).toBe(false);
    const recs = records(home);
    const intent = recs.find((x) => x.t === 'intent' && x.deviceId === 'dev-000021')!;
    expect(recs.filter((x) => 'intent' in x && x.intent === intent.n).map((x) => x.t)).toEqual(['done', 'outcome']);
    const l = Ledger.open({ dir: join(home, 'ledger'), readOnly: true });
    expect(l.openReport.unreconciled).toEqual([]);
    expect(l.checkpoint.size).toBe(l.size); // flushed: the last checkpoint covers every entry
    l.close();
  });
});
