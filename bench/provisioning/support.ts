/**
 * Shared parts of the provisioning bench: the simulator in a child process
 * and a test issuer.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, issueCertificate } from '../../electron/core/pki/index';
import { prepareIssuer } from '../../electron/core/station/issuer';

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
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
    async stop() {
      child.kill('SIGTERM');
      await closed;
      return JSON.parse(out) as Awaited<ReturnType<SimChild['stop']>>;
    },
  };
}

/** A test hierarchy (Company-X → Factory-Y → Technician-Z) and the station issuer under it, as an unlocked authority gives it. */
export async function testIssuerSource() {
  const notBefore = new Date(Date.now() - 3600_000);
  const rk = await generateKeyPair('P-256', { extractable: false });
  const root = await issueCertificate({ profile: 'rootCa', commonName: 'Company-X', subjectPublicKey: rk.publicKey, issuer: 'self', selfKeys: rk, notBefore, days: 3650 });
  const fk = await generateKeyPair('P-256', { extractable: false });
  const fac = await issueCertificate({ profile: 'intermediateCa', commonName: 'Factory-Y', subjectPublicKey: fk.publicKey, issuer: { certificate: root.der, privateKey: rk.privateKey }, pathLen: 1, notBefore, days: 3000 });
  const tk = await generateKeyPair('P-256', { extractable: false });
  const tech = await issueCertificate({ profile: 'intermediateCa', commonName: 'Technician-Z', subjectPublicKey: tk.publicKey, issuer: { certificate: fac.der, privateKey: fk.privateKey }, pathLen: 0, notBefore, days: 2000 });
  return { certificate: tech.der, privateKey: tk.privateKey, caChain: [tech.der, fac.der, root.der] };
}

export async function testIssuer() {
  return prepareIssuer(await testIssuerSource());
}

/** The p-quantile (0..1) of xs, interpolating between neighbours (p = 0.5 is the median). */
export const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo]! + (s[lo + 1]! - s[lo]!) * (at - lo) : s[lo]!;
};

export const median = (xs: number[]): number => quantile(xs, 0.5);
