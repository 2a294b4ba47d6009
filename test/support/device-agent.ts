/**
 * The C device agent (device-agent/) as a test device: built once per run
 * with `make -C device-agent host`, started on a socat pty pair with a state
 * directory of its own, and read back from that directory the way the
 * simulator's state() and tlsCredentials() are.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitDer } from '../../electron/core/device/protocol';
import { toPem } from '../../electron/core/pki/index';
import { PtyPair } from '../../electron/core/simulator/pty';

export const AGENT_DIR = fileURLToPath(new URL('../../device-agent', import.meta.url));
export const AGENT_BIN = join(AGENT_DIR, 'build', 'custodian-agent');

let built = false;
/** Build the host agent (make decides whether anything is out of date). */
export function buildAgent(): string {
  if (!built) {
    execFileSync('make', ['-s', '-C', AGENT_DIR, 'host'], { stdio: ['ignore', 'ignore', 'pipe'] });
    built = true;
  }
  return AGENT_BIN;
}

export interface AgentOptions {
  stateDir?: string;
  deviceId?: string;
  hardwareSerial?: string;
  maxPayload?: number;
  /** IDENTIFY capability mask; default all seven bits. */
  capabilities?: number;
  announceIdentity?: boolean;
  /** Record every byte the station sends (a fuzz corpus). */
  capture?: string;
  ptyDir?: string;
}

export interface AgentHandle {
  /** The station's end of the pty pair. */
  readonly path: string;
  readonly stateDir: string;
  leaf(): Uint8Array | null;
  chain(): Uint8Array;
  trustAnchors(): Uint8Array;
  locked(): boolean;
  tlsCredentials(): { keyPem: string; certPem: string; chainPem: string[]; fullChainPem: string; caPem: string };
  stop(): Promise<void>;
}

const readOr = (p: string): Buffer | null => (existsSync(p) ? readFileSync(p) : null);

export async function startAgent(o: AgentOptions = {}): Promise<AgentHandle> {
  const bin = buildAgent();
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), 'custodian-agent-'));
  const dir = o.ptyDir ?? mkdtempSync(join(tmpdir(), 'custodian-agent-pty-'));
  const pty = new PtyPair({ station: join(dir, 'tty-station'), device: join(dir, 'tty-device') });
  await pty.start();
  const args = ['--tty', pty.paths.device, '--state', stateDir, '--max-payload', String(o.maxPayload ?? 512)];
  if (o.deviceId !== undefined) args.push('--device-id', o.deviceId);
  if (o.hardwareSerial !== undefined) args.push('--serial', o.hardwareSerial);
  if (o.capabilities !== undefined) args.push('--capabilities', String(o.capabilities));
  if (o.announceIdentity === false) args.push('--no-announce');
  if (o.capture) args.push('--capture', o.capture);
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`custodian-agent did not start: ${log}`)), 10_000);
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (log += d));
    child.stdout!.on('data', (d: string) => {
      log += d;
      if (log.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`custodian-agent exited with ${code}: ${log}`));
    });
  });
  const file = (n: string) => join(stateDir, n);
  const certPems = (der: Uint8Array) => splitDer(der).map((c) => toPem(c, 'CERTIFICATE'));
  const handle: AgentHandle = {
    path: pty.paths.station,
    stateDir,
    leaf: () => {
      const b = readOr(file('leaf.der'));
      return b ? new Uint8Array(b) : null;
    },
    chain: () => new Uint8Array(readOr(file('chain.der')) ?? []),
    trustAnchors: () => new Uint8Array(readOr(file('anchors.der')) ?? []),
    locked: () => existsSync(file('locked')),
    tlsCredentials() {
      const leaf = handle.leaf();
      if (!leaf) throw new Error('no leaf installed');
      const certPem = toPem(leaf, 'CERTIFICATE');
      const chainPem = certPems(handle.chain());
      return {
        keyPem: readFileSync(file('key.pem'), 'utf8'),
        certPem,
        chainPem,
        fullChainPem: certPem + chainPem.join(''),
        caPem: certPems(handle.trustAnchors()).join(''),
      };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      await pty.stop();
    },
  };
  return handle;
}
