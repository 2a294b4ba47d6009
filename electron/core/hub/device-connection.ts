/**
 * Proves that a provisioned device is accepted by the hub: the device connects
 * with its own private key and the leaf + chain it was injected with, using
 * Debian's mosquitto_pub (OpenSSL underneath, like real device stacks), and
 * the message it publishes is seen under its device ID by a monitor client.
 *
 * TLS both ways: the hub verifies the device's client chain (to the brand
 * owner's root) and takes its CN as identity; the device verifies the hub's
 * server certificate with the trust anchors it holds (`caPem`: what the
 * station installed into it), as its own TLS stack would. A device that does
 * not trust the hub refuses it (HUB_SERVER_UNTRUSTED) and sends nothing.
 *
 * Only simulated devices are driven this way; a real device connects on its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { CustodianError } from '../errors';
import { HubCodes } from './codes';
import type { MosquittoHub } from './mosquitto-hub';

export interface DeviceTlsCredentials {
  /** The device's private key, PEM (a simulated device's own key). */
  keyPem: string;
  /** Leaf first, then the upstream chain the device carries (root optional). */
  certificateChainPem: string;
  /**
   * The trust anchors the device holds (PEM): it verifies the hub's server
   * certificate with these only. Absent: the hub's own `serverCaPem` (a
   * device that trusts the hub stand-in as it is).
   */
  caPem?: string;
}

export interface ConnectionProof {
  deviceId: string;
  topic: string;
  /** The username Mosquitto derived from the client certificate (its CN). */
  identitySeenByHub: string;
}

interface RunResult { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: stderr + String(e) }); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** The host name the device connects to, and checks the hub's certificate for. */
const HUB_HOST = 'localhost';

/**
 * The device's TLS client view of the hub, as its stack checks it: does the
 * server certificate chain to one of `caPem` and name the host? `null` when
 * the handshake ended before the client could tell (the hub refused the
 * device first): the MQTT connect then says why.
 */
function hubTrusted(port: number, creds: DeviceTlsCredentials, caPem: string, timeoutMs: number): Promise<{ trusted: boolean; reason: string } | null> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: HUB_HOST, ca: caPem, cert: creds.certificateChainPem, key: creds.keyPem, rejectUnauthorized: false });
    const done = (v: { trusted: boolean; reason: string } | null): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    s.once('secureConnect', () => {
      if (!s.authorized) return done({ trusted: false, reason: String(s.authorizationError) });
      const nameError = checkServerIdentity(HUB_HOST, s.getPeerCertificate());
      done(nameError ? { trusted: false, reason: nameError.message } : { trusted: true, reason: 'verified' });
    });
    s.once('error', () => done(null));
  });
}

export async function proveDeviceConnection(
  hub: MosquittoHub,
  deviceId: string,
  creds: DeviceTlsCredentials,
  opts: { timeoutMs?: number } = {},
): Promise<ConnectionProof> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'custodian-dev-'));
  const topic = `devices/${deviceId}/hello`;
  try {
    const anchors = creds.caPem ?? hub.serverCaPem;
    if (!anchors.includes('-----BEGIN CERTIFICATE-----')) {
      throw new CustodianError(HubCodes.SERVER_UNTRUSTED, `Device ${deviceId} holds no trust anchor, so it cannot verify the hub's server certificate.`, { deviceId });
    }
    writeFileSync(join(dir, 'hub-ca.pem'), anchors);
    // The device's side first: it talks to a hub only once the hub's certificate verifies under its own anchors.
    const verdict = await hubTrusted(hub.devicePort, creds, anchors, timeoutMs);
    if (verdict && !verdict.trusted) {
      throw new CustodianError(HubCodes.SERVER_UNTRUSTED,
        `Device ${deviceId} refused the hub: its server certificate does not verify under the device's trust anchors (${verdict.reason}).`,
        { deviceId, reason: verdict.reason });
    }
    writeFileSync(join(dir, 'chain.pem'), creds.certificateChainPem);
    writeFileSync(join(dir, 'device.key'), creds.keyPem, { mode: 0o600 });
    const payload = JSON.stringify({ deviceId, at: new Date().toISOString() });
    // Retained, so the monitor sees it even though it subscribes afterwards.
    const pub = await run('mosquitto_pub', [
      '-h', HUB_HOST, '-p', String(hub.devicePort),
      '--cafile', join(dir, 'hub-ca.pem'), '--cert', join(dir, 'chain.pem'), '--key', join(dir, 'device.key'),
      '-i', deviceId, '-t', topic, '-m', payload, '-q', '1', '-r',
    ], timeoutMs);
    if (pub.code !== 0) {
      throw new CustodianError(HubCodes.DEVICE_REFUSED,
        `The hub refused device ${deviceId}: ${(pub.stderr || pub.stdout).trim() || `exit ${pub.code}`}`,
        { deviceId, exitCode: pub.code });
    }
    const sub = await run('mosquitto_sub', [
      '-h', '127.0.0.1', '-p', String(hub.monitorPort), '-t', topic, '-C', '1', '-W', String(Math.ceil(timeoutMs / 1000)),
    ], timeoutMs + 2000);
    if (sub.code !== 0 || !sub.stdout.includes(`"deviceId":"${deviceId}"`)) {
      throw new CustodianError(HubCodes.MESSAGE_NOT_SEEN,
        `Device ${deviceId} connected, but its message never appeared under ${topic}; the hub's identity for it differs.`,
        { deviceId, topic });
    }
    const m = /New client connected from \S+ as (\S+) \([^)]*u'([^']*)'\)/g;
    let identity = '';
    for (const hit of hub.log().matchAll(m)) if (hit[1] === deviceId) identity = hit[2] ?? '';
    if (identity !== deviceId) {
      throw new CustodianError(HubCodes.MESSAGE_NOT_SEEN,
        `The hub saw client ${deviceId} under identity "${identity}", not its device ID.`, { deviceId, identity });
    }
    return { deviceId, topic, identitySeenByHub: identity };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
