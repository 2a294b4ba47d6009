/**
 * Shared parts of the provisioning bench: simulator child processes, a test
 * issuer, the station-side CPU meter and the bare-link calibration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { encodeFrame } from '../../electron/core/device/frame';
import { openSerialDevice, type DeviceClient } from '../../electron/core/device/index';
import { Command } from '../../electron/core/device/protocol';
import { wireTimeMs } from '../../electron/core/device/wire';
import { generateKeyPair, issueCertificate } from '../../electron/core/pki/index';
import { prepareIssuer } from '../../electron/core/station/issuer';
import type { IssuanceRecorder } from '../../electron/core/station/recorder';
import { STATION_DEVICE_OPTIONS } from '../../electron/core/station/session';

const BIN = fileURLToPath(new URL('../../bin/custodian.js', import.meta.url));
export const BAUD = 115200;
export const KEYGEN_DELAY_MS = 120;
/**
 * The device's frame payload limit: the protocol maximum, 4 KiB, as a device
 * that terminates TLS to its hub (and so buffers far more) advertises. Its
 * credential write and read-back then take one frame each.
 */
export const MAX_PAYLOAD = 4096;

export interface SimStats {
  deviceDelayMs: number;
  /** The simulator's own time producing replies (CSR building etc.), beyond its emulated delays. */
  processingMs: number;
  bytesIn: number;
  bytesOut: number;
  wireTimeMs: number;
}

export interface SimChild {
  id: string;
  path: string;
  child: ChildProcess;
  stop(): Promise<{ stats: SimStats; served?: Array<{ identity: { deviceId: string }; stats: SimStats }> }>;
}

/**
 * `custodian simulate` in a child process on its own socat pty. `next` are
 * further devices (state directories) that take the first one's place on the
 * same link, one after another, as each commits (a line behind one adapter).
 */
export async function startSimChild(dir: string, id: string, next: string[] = []): Promise<SimChild> {
  const path = join(dir, `${id}.tty`);
  const args = [BIN, 'simulate', '--json', '--state', join(dir, id), '--link', path, '--baud', String(BAUD), '--keygen-delay', String(KEYGEN_DELAY_MS), '--max-payload', String(MAX_PAYLOAD), '--device-id', id];
  for (const n of next) args.push('--next-state', n);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  const deadline = Date.now() + 90_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`simulator ${id} did not start: ${err}${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 200)); // let the device end attach
  return {
    id,
    path,
    child,
    async stop() {
      child.kill('SIGTERM');
      await closed;
      return JSON.parse(out) as Awaited<ReturnType<SimChild['stop']>>;
    },
  };
}

export async function testIssuer() {
  const notBefore = new Date(Date.now() - 3600_000);
  const rk = await generateKeyPair('P-256', { extractable: false });
  const root = await issueCertificate({ profile: 'rootCa', commonName: 'Company-X', subjectPublicKey: rk.publicKey, issuer: 'self', selfKeys: rk, notBefore, days: 3650 });
  const fk = await generateKeyPair('P-256', { extractable: false });
  const fac = await issueCertificate({ profile: 'intermediateCa', commonName: 'Factory-Y', subjectPublicKey: fk.publicKey, issuer: { certificate: root.der, privateKey: rk.privateKey }, pathLen: 1, notBefore, days: 3000 });
  const tk = await generateKeyPair('P-256', { extractable: false });
  const tech = await issueCertificate({ profile: 'intermediateCa', commonName: 'Technician-Z', subjectPublicKey: tk.publicKey, issuer: { certificate: fac.der, privateKey: fk.privateKey }, pathLen: 0, notBefore, days: 2000 });
  return prepareIssuer({ certificate: tech.der, privateKey: tk.privateKey, caChain: [tech.der, fac.der, root.der] });
}

export const CALIBRATION_REQUESTS = 100;
/**
 * Round trips before each calibration is measured: past the line tiering's
 * TurboFan threshold (100 runs), so the per-request figures are steady-state
 * like the devices'. Then a pause, so compiles V8 still runs on its
 * background threads are not counted in them.
 */
const CALIBRATION_WARMUP = 300;
const SETTLE_MS = 300;

/**
 * Station CPU split for one run: inside DeviceClient calls (serial port,
 * framing, protocol), inside the recorder (ledger appends, fsync), inside the
 * signer; the rest is the workflow's own checks. The recorder's append is
 * synchronous, so CPU measured around it is the ledger's even when a device
 * call is in flight at the same time (the overlapped re-identify); that share
 * is taken out of the device figure so nothing is counted twice.
 */
export class CpuMeter {
  deviceCpuMs = 0;
  recorderCpuMs = 0;
  recorderWallMs = 0;
  signCpuMs = 0;
  private inFlight = 0;
  private since: NodeJS.CpuUsage | null = null;
  private overlapMs = 0;

  private static ms(c: NodeJS.CpuUsage): number {
    return (c.user + c.system) / 1000;
  }

  device(inner: DeviceClient): DeviceClient {
    const wrap = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      if (this.inFlight++ === 0) this.since = process.cpuUsage();
      try {
        return await f(...a);
      } finally {
        if (--this.inFlight === 0 && this.since) this.deviceCpuMs += CpuMeter.ms(process.cpuUsage(this.since));
      }
    };
    const d = inner;
    return {
      identify: wrap(() => d.identify()),
      generateKey: wrap((a, o) => d.generateKey(a, o)),
      getCsr: wrap((cn, o) => d.getCsr(cn, o)),
      getPublicKey: wrap(() => d.getPublicKey()),
      signChallenge: wrap((c, o) => d.signChallenge(c, o)),
      writeLeaf: wrap((x) => d.writeLeaf(x)),
      writeChain: wrap((x) => d.writeChain(x)),
      readCredentials: wrap(() => d.readCredentials()),
      install: wrap((l, c, o) => d.install(l, c, o)),
      commit: wrap(() => d.commit()),
      close: () => d.close(),
    };
  }

  recorder(inner: IssuanceRecorder): IssuanceRecorder {
    const t = <R,>(p: () => Promise<R>): Promise<R> => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const overlapping = this.inFlight > 0;
      return p().finally(() => {
        const cpu = CpuMeter.ms(process.cpuUsage(c0));
        this.recorderCpuMs += cpu;
        if (overlapping) this.overlapMs += cpu;
        this.recorderWallMs += performance.now() - t0;
      });
    };
    return {
      recordIntent: (i) => t(() => inner.recordIntent(i)),
      recordIssued: (h, d) => t(() => inner.recordIssued(h, d)),
      recordFailed: (h, f) => t(() => inner.recordFailed(h, f)),
      recordOutcome: (h, o) => t(() => inner.recordOutcome(h, o)),
      issuedFor: (id) => t(() => inner.issuedFor(id)),
    };
  }

  signer(inner: typeof issueCertificate): typeof issueCertificate {
    return async (req) => {
      const c0 = process.cpuUsage();
      try {
        return await inner(req);
      } finally {
        this.signCpuMs += CpuMeter.ms(process.cpuUsage(c0));
      }
    };
  }

  /** Device-call CPU without the ledger work that ran while a call was in flight. */
  get deviceOnlyCpuMs(): number {
    return Math.max(0, this.deviceCpuMs - this.overlapMs);
  }
}

export interface LinkCalibration {
  /** Station CPU per bare IDENTIFY round trip through the station's device client. */
  cpuPerRequestMs: number;
  /** Wall time per round trip beyond its wire time. */
  overheadPerRequestMs: number;
  /**
   * CPU per round trip of a bare Node client on the same kind of link: one
   * write(2), one readiness wake-up, one read(2), no protocol code. What any
   * Node process pays per request/reply on this machine; the station cannot
   * go below requests × this.
   */
  bareCpuPerRequestMs: number;
}

const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;

/** IDENTIFY round trips from the bare client described in LinkCalibration.bareCpuPerRequestMs. */
async function bareClientCpuPerRequest(path: string): Promise<number> {
  const port = new SerialPort({ path, baudRate: BAUD, autoOpen: false, hupcl: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const b = port.port as unknown as { fd: number; poller: { once(ev: 'readable', cb: (err: Error | null) => void): void } };
  const buf = Buffer.allocUnsafe(4096);
  let replied: () => void = () => {};
  const arm = (): void =>
    b.poller.once('readable', (err) => {
      if (err) return; // cancelled by close: re-arming a stopped poller would crash the binding
      try {
        while (readSync(b.fd, buf, 0, buf.length, null) === buf.length);
      } catch { /* EAGAIN: drained */ }
      arm();
      replied();
    });
  arm();
  let id = 0;
  const roundTrip = (): Promise<void> => new Promise<void>((resolve) => {
    replied = resolve;
    writeSync(b.fd, encodeFrame({ type: Command.IDENTIFY, requestId: (id = (id % 0xffff) + 1), payload: new Uint8Array(0) }));
  });
  try {
    for (let i = 0; i < CALIBRATION_WARMUP; i++) await roundTrip();
    await sleep(SETTLE_MS);
    const c0 = process.cpuUsage();
    for (let i = 0; i < CALIBRATION_REQUESTS; i++) await roundTrip();
    return cpuMs(process.cpuUsage(c0)) / CALIBRATION_REQUESTS;
  } finally {
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

/**
 * Per-request costs of the bare link, on two fresh simulator children (a
 * simulator's link ends when the station closes its side): IDENTIFY round
 * trips through the station's device client, and the same from a bare client.
 */
export async function calibrateLink(sim: SimChild, bareSim: SimChild): Promise<LinkCalibration> {
  const device = await openSerialDevice(sim.path, { baud: BAUD, ...STATION_DEVICE_OPTIONS });
  let client: Omit<LinkCalibration, 'bareCpuPerRequestMs'>;
  try {
    for (let i = 0; i < CALIBRATION_WARMUP; i++) await device.identify();
    await sleep(SETTLE_MS);
    const before = device.stats();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < CALIBRATION_REQUESTS; i++) await device.identify();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const after = device.stats();
    const wire = wireTimeMs(after.bytesSent + after.bytesReceived - before.bytesSent - before.bytesReceived, BAUD);
    client = { cpuPerRequestMs: cpuMs(c) / CALIBRATION_REQUESTS, overheadPerRequestMs: (wall - wire) / CALIBRATION_REQUESTS };
  } finally {
    await device.close();
    await sim.stop().catch(() => undefined);
  }
  try {
    return { ...client, bareCpuPerRequestMs: await bareClientCpuPerRequest(bareSim.path) };
  } finally {
    await bareSim.stop().catch(() => undefined);
  }
}

/** The p-quantile (0..1) of xs, interpolating between neighbours (p = 0.5 is the median). */
export const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo]! + (s[lo + 1]! - s[lo]!) * (at - lo) : s[lo]!;
};

export const median = (xs: number[]): number => quantile(xs, 0.5);
