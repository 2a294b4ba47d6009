/**
 * A real MQTT broker (Debian's Mosquitto) playing the IoT hub: it accepts a
 * device only if the device presents a TLS client certificate that chains to
 * the brand owner's root, and it takes the certificate's CN as the device's
 * identity. Proving connection against a real server, not our own code, is
 * the point: the hub's verdict is the one that matters in the field.
 *
 * Two loopback listeners: the device listener (mutual TLS, identity = CN, ACL
 * lets a device publish only under devices/<its CN>/) and a plain monitor
 * listener the station uses to watch what arrives.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustodianError } from '../errors';
import { HubCodes } from './codes';
import { makeServerIdentity, type ServerIdentity } from './server-identity';

const MOSQUITTO_PATHS = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];

export function findMosquitto(): string | null {
  for (const p of MOSQUITTO_PATHS) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export interface MosquittoHub {
  host: string;
  /** Mutual-TLS listener devices connect to. */
  devicePort: number;
  /** Plain loopback listener for the station's monitor. */
  monitorPort: number;
  /**
   * PEM of what a device trusts the hub with: the throwaway self-signed server
   * certificate, or, when the hub was given a `server` identity, its `caPem`.
   */
  serverCaPem: string;
  /** The hub's server certificate (PEM), as it presents it. */
  serverCertPem: string;
  /** Everything Mosquitto logged so far (connections, refusals). */
  log(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitListening(port: number, deadline: number, child: ChildProcess): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new CustodianError(HubCodes.BROKER_START_FAILED, `Mosquitto did not start listening on port ${port}.`, { port });
}

export interface MosquittoHubOptions {
  /** The brand owner's root: the hub accepts devices whose client chain reaches it. */
  rootCaPem: string;
  /**
   * The hub's own TLS server identity, as a real hub's is issued by its
   * server root (`certPem`: the server certificate, then any intermediates;
   * `caPem`: the root devices must hold to verify it). Default: a throwaway
   * self-signed certificate (server-identity.ts), which is its own `caPem`.
   */
  server?: ServerIdentity & { caPem: string };
  /**
   * CRLs (PEM) the device listener checks each device certificate against
   * (Mosquitto's `crlfile`: OpenSSL's CRL check of the leaf, whose issuer's
   * CRL must be among them), as a hub that honours revocation would.
   */
  crlPem?: string;
  startTimeoutMs?: number;
}

export async function startMosquittoHub(opts: MosquittoHubOptions): Promise<MosquittoHub> {
  const bin = findMosquitto();
  if (!bin) {
    throw new CustodianError(HubCodes.BROKER_UNAVAILABLE,
      'Mosquitto is not installed, so the hub connection cannot be proven. Install it (Debian: apt-get install mosquitto mosquitto-clients).');
  }
  const dir = mkdtempSync(join(tmpdir(), 'custodian-hub-'));
  const server = opts.server ?? { ...(await makeServerIdentity()), caPem: '' };
  const serverCaPem = opts.server ? opts.server.caPem : server.certPem;
  const [devicePort, monitorPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'root.pem'), opts.rootCaPem);
  writeFileSync(join(dir, 'server.pem'), server.certPem);
  writeFileSync(join(dir, 'server.key'), server.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'devices.acl'), 'pattern write devices/%u/#\n');
  if (opts.crlPem !== undefined) writeFileSync(join(dir, 'crl.pem'), opts.crlPem);
  writeFileSync(join(dir, 'mosquitto.conf'), [
    // Stay the current user: dropping to "mosquitto" would lose access to the 0700 temp dir.
    'user root',
    'per_listener_settings true',
    // A file, not stdout: Mosquitto block-buffers a piped stdout, hiding recent lines.
    `log_dest file ${join(dir, 'mosquitto.log')}`,
    'log_type all',
    'connection_messages true',
    'persistence false',
    `listener ${devicePort} 127.0.0.1`,
    `cafile ${join(dir, 'root.pem')}`,
    `certfile ${join(dir, 'server.pem')}`,
    `keyfile ${join(dir, 'server.key')}`,
    ...(opts.crlPem !== undefined ? [`crlfile ${join(dir, 'crl.pem')}`] : []),
    'require_certificate true',
    'use_identity_as_username true',
    'allow_anonymous false',
    `acl_file ${join(dir, 'devices.acl')}`,
    `listener ${monitorPort} 127.0.0.1`,
    'allow_anonymous true',
    '',
  ].join('\n'));
  let logText = '';
  const child = spawn(bin, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8').on('data', (d: string) => { logText += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { logText += d; });
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  try {
    await waitListening(devicePort, deadline, child);
    await waitListening(monitorPort, deadline, child);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new CustodianError(HubCodes.BROKER_START_FAILED, `Mosquitto failed to start: ${logText.trim().slice(-500)}`, {}, { cause: e });
  }
  return {
    host: '127.0.0.1',
    devicePort,
    monitorPort,
    serverCaPem,
    serverCertPem: server.certPem,
    log: () => {
      try { return readFileSync(join(dir, 'mosquitto.log'), 'utf8') + logText; } catch { return logText; }
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
