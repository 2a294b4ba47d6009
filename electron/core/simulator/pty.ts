/**
 * A pty pair from socat: the simulator opens one end, the station the other,
 * like a USB CDC device. `drop()` kills socat (both ends hang up, as on a cable
 * pull) and `restart()` brings the same link paths back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustodianError } from '../errors';

export interface PtyPairPaths {
  /** The end the station opens (give this to openSerialDevice). */
  station: string;
  /** The end the simulated device opens. */
  device: string;
}

/** Where a simulator's link goes: an exact station-side path (the device side is `<link>.device`), or a folder (default: a new temp folder). */
export interface PtyPlacement {
  ptyLink?: string;
  ptyDir?: string;
  socatPath?: string;
}

/** The pty pair a simulator serves on, as its options place it; `prefix` names a new temp folder. */
export async function placePtyPair(o: PtyPlacement, prefix: string): Promise<PtyPair> {
  if (o.ptyLink) return new PtyPair({ station: o.ptyLink, device: `${o.ptyLink}.device` }, o.socatPath);
  const dir = o.ptyDir ?? (await mkdtemp(join(tmpdir(), prefix)));
  return new PtyPair({ station: join(dir, 'tty-station'), device: join(dir, 'tty-device') }, o.socatPath);
}

export class PtyPair {
  private child: ChildProcess | null = null;
  constructor(
    readonly paths: PtyPairPaths,
    private readonly socat = 'socat',
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.child) return;
    await Promise.all([rm(this.paths.station, { force: true }), rm(this.paths.device, { force: true })]);
    const child = spawn(
      this.socat,
      ['-d', '-d', `pty,raw,echo=0,link=${this.paths.device}`, `pty,raw,echo=0,link=${this.paths.station}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      let settled = false;
      const onExit = (code: number | null): void => fail(`exited with ${code}`);
      const fail = (why: string): void => {
        if (settled) return;
        settled = true;
        this.child = null;
        reject(new CustodianError('DEVICE_SIMULATOR_FAILED', `socat pty pair failed: ${why}`, { log: log.slice(-500) }));
      };
      child.once('error', (e) => fail(e.message));
      child.once('exit', onExit);
      child.on('exit', () => {
        if (this.child === child) this.child = null;
      });
      child.stderr!.setEncoding('utf8');
      const onData = (d: string): void => {
        log += d;
        if (settled || !log.includes('starting data transfer loop')) return;
        settled = true;
        child.stderr!.off('data', onData);
        child.stderr!.resume(); // keep draining socat's log
        child.off('exit', onExit);
        resolve();
      };
      child.stderr!.on('data', onData);
    });
  }

  /** Kill our socat (by its own handle) and wait for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
