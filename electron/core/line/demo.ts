/**
 * `custodian demo`: the station's main job with nothing attached. In a fresh
 * folder it
 *  1. plays three custodians (Company-X root, Factory-Y, Technician-Z), each
 *     with its own station home, exchanging only files through `handover/`
 *     (CSR out, signed bundle back) via the authority ceremonies;
 *  2. starts simulated devices on real socat ptys (in-process if socat is missing);
 *  3. provisions them on the Technician-Z station through the workflow, into its ledger;
 *  4. proves each provisioned device by connecting it to Mosquitto (cafile =
 *     Company-X root, mutual TLS, CN = device ID), if mosquitto is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Authority } from '../authority/index';
import type { DeviceClient } from '../device/client';
import { CustodianError } from '../errors';
import { proveDeviceConnection } from '../hub/device-connection';
import { findMosquitto, startMosquittoHub } from '../hub/mosquitto-hub';
import { startSimulator, type SimulatorHandle } from '../simulator/index';
import type { ProvisioningResult, WorkflowListener } from '../station/events';
import { StationCodes } from '../station/codes';
import { openStationSession } from './open-session';
import { openDevice } from './open-device';

export interface DemoOptions {
  /** A folder that does not exist yet or is empty. */
  dir: string;
  devices: number;
  /** Passphrase for the three demo CA keys (demo only). */
  passphrase?: string;
  baud?: number;
  /** Progress lines for humans. */
  log?: (line: string) => void;
  /** Step events of each provisioning run. */
  onEvent?: (deviceId: string) => WorkflowListener;
}

export interface DemoDevice {
  deviceId: string;
  port: string | null;
  result: 'passed' | 'failed';
  serialHex: string | null;
  error: { code: string; message: string } | null;
  /** true: accepted by Mosquitto under its CN; false: refused; null: hub not available. */
  connected: boolean | null;
  connectionError: string | null;
}

export interface DemoSummary {
  dir: string;
  transport: 'pty' | 'in-process';
  hub: 'mosquitto' | 'unavailable';
  /** What to install to get the full demo (empty when nothing is missing). */
  install: string[];
  devices: DemoDevice[];
  passed: number;
  connected: number;
  ledgerEntries: number;
  files: { homes: Record<'companyX' | 'factoryY' | 'technicianZ', string>; handover: string; ledger: string; rootCertificate: string; devices: string };
  durationMs: number;
}

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;

/** The three ceremonies, each custodian in its own home, files exchanged through `handover`. */
export async function buildDemoChain(dir: string, passphrase: string, log: (l: string) => void): Promise<DemoSummary['files']> {
  const homes = { companyX: join(dir, 'company-x'), factoryY: join(dir, 'factory-y'), technicianZ: join(dir, 'technician-z') };
  const handover = join(dir, 'handover');
  mkdirSync(handover, { recursive: true });
  const open = (home: string) => Authority.open({ home, workFactor: 17 });
  const file = (name: string) => join(handover, name);

  const root = open(homes.companyX);
  const r = await root.initRoot({ commonName: 'Company-X', organization: 'Company-X', passphrase, pathLen: 2 });
  writeFileSync(file('company-x-root.pem'), r.certificatePem);
  root.lock();
  log(`  Company-X    root created            ${r.fingerprint.slice(0, 16)}…  → handover/company-x-root.pem`);

  const subordinate = async (name: string, home: string, parentHome: string, parentName: string, pathLen: number): Promise<void> => {
    const sub = open(home);
    // Each station pins the Company-X root from the hand-over before it asks: only a bundle ending in it is accepted.
    const req = await sub.createRequest({ commonName: name, organization: 'Company-X', passphrase, root: { certificate: readFileSync(file('company-x-root.pem')) } });
    const slug = name.toLowerCase();
    writeFileSync(file(`${slug}.csr.pem`), req.csrPem);
    log(`  ${name.padEnd(12)} key + request created                     → handover/${slug}.csr.pem`);
    const parent = open(parentHome);
    await parent.unlock(passphrase);
    const signed = await parent.signSubordinate(readFileSync(file(`${slug}.csr.pem`), 'utf8'), { pathLen, days: pathLen > 0 ? 3650 : 1825 });
    parent.lock();
    writeFileSync(file(`${slug}.bundle.pem`), signed.bundlePem);
    log(`  ${parentName.padEnd(12)} signed ${name} (pathLen ${pathLen})  ${signed.fingerprint.slice(0, 16)}…  → handover/${slug}.bundle.pem`);
    await sub.importBundle(readFileSync(file(`${slug}.bundle.pem`), 'utf8'));
    log(`  ${name.padEnd(12)} bundle imported, CA active`);
  };
  await subordinate('Factory-Y', homes.factoryY, homes.companyX, 'Company-X', 1);
  await subordinate('Technician-Z', homes.technicianZ, homes.factoryY, 'Factory-Y', 0);
  return { homes, handover, ledger: join(homes.technicianZ, 'ledger'), rootCertificate: file('company-x-root.pem'), devices: join(dir, 'devices') };
}

export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const passphrase = opts.passphrase ?? 'custodian-demo-passphrase';
  if (existsSync(opts.dir) && readdirSync(opts.dir).length > 0) {
    throw new CustodianError(StationCodes.WORKFLOW_DEMO_DIR_NOT_EMPTY, `the demo folder ${opts.dir} is not empty; choose a new one`, { dir: opts.dir });
  }
  mkdirSync(opts.dir, { recursive: true });
  const install: string[] = [];
  const socat = has('socat');
  const mosquitto = findMosquitto() !== null && has('mosquitto_pub') && has('mosquitto_sub');
  if (!socat) install.push('socat (apt-get install socat) — devices ran in-process instead of on ptys');
  if (!mosquitto) install.push('mosquitto and mosquitto-clients (apt-get install mosquitto mosquitto-clients) — hub connection not proven');

  log('1. Three custodians build the chain, exchanging files only:');
  const files = await buildDemoChain(opts.dir, passphrase, log);

  const transport = socat ? 'pty' : 'in-process';
  log(`2. Starting ${opts.devices} simulated device(s) on ${socat ? 'socat ptys' : 'in-process links'}…`);
  const sims: { id: string; sim: SimulatorHandle }[] = [];
  const session = await openStationSession({ home: files.homes.technicianZ, passphrase, stationId: 'technician-z-demo' });
  const devices: DemoDevice[] = [];
  try {
    for (let i = 1; i <= opts.devices; i++) {
      const id = `demo-device-${String(i).padStart(3, '0')}`;
      const sim = await startSimulator({
        stateDir: join(files.devices, id),
        transport,
        baud: opts.baud ?? 115200,
        identity: { deviceId: id, hardwareSerial: `HWDEMO${String(i).padStart(4, '0')}` },
      });
      sims.push({ id, sim });
    }
    log('3. Provisioning on the Technician-Z station (ledger: technician-z/ledger):');
    for (const { id, sim } of sims) {
      let device: DeviceClient | null = null;
      let r: ProvisioningResult;
      try {
        device = await openDevice(sim.path ?? `sim:${id}`, { baud: sim.baud, inProcess: () => (sim.path ? null : sim) });
        r = await session.provision(device, { operator: 'demo', workOrder: 'DEMO-1', ...(opts.onEvent ? { onEvent: opts.onEvent(id) } : {}) });
      } catch (e) {
        const err = e instanceof CustodianError ? e : new CustodianError('INTERNAL', String(e));
        const health = session.recorder.health();
        r = {
          result: 'failed', deviceId: id, failedStep: 'identify', error: { code: err.code, message: err.message, details: {} }, signed: false,
          record: { serialHex: null, signed: false, reused: false, recorded: false, sentToDevice: false, ...health }, durationMs: 0, steps: [],
        };
      } finally {
        await device?.close().catch(() => undefined);
      }
      devices.push({
        deviceId: id,
        port: sim.path,
        result: r.result,
        serialHex: r.result === 'passed' ? r.serialHex : null,
        error: r.result === 'failed' ? { code: r.error.code, message: r.error.message } : null,
        connected: null,
        connectionError: null,
      });
      log(r.result === 'passed' ? `  PASS ${id}  serial ${r.serialHex}  ${Math.round(r.durationMs)} ms` : `  FAIL ${id}  ${r.error.code}: ${r.error.message}`);
    }

    if (mosquitto) {
      log('4. Each provisioned device connects to Mosquitto (cafile = Company-X root, mutual TLS):');
      const hub = await startMosquittoHub({ rootCaPem: readFileSync(files.rootCertificate, 'utf8') });
      try {
        for (const d of devices) {
          if (d.result !== 'passed') continue;
          const creds = sims.find((s) => s.id === d.deviceId)!.sim.tlsCredentials();
          try {
            const proof = await proveDeviceConnection(hub, d.deviceId, { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem });
            d.connected = proof.identitySeenByHub === d.deviceId;
            log(`  CONNECTED ${d.deviceId}  hub saw identity "${proof.identitySeenByHub}" on ${proof.topic}`);
          } catch (e) {
            d.connected = false;
            d.connectionError = e instanceof Error ? e.message : String(e);
            log(`  REFUSED   ${d.deviceId}  ${d.connectionError}`);
          }
        }
      } finally {
        await hub.stop();
      }
    } else {
      log('4. Hub check skipped: mosquitto is not installed.');
    }
    const ledgerEntries = session.ledger.writable().ledger.size;
    return {
      dir: opts.dir,
      transport,
      hub: mosquitto ? 'mosquitto' : 'unavailable',
      install,
      devices,
      passed: devices.filter((d) => d.result === 'passed').length,
      connected: devices.filter((d) => d.connected === true).length,
      ledgerEntries,
      files,
      durationMs: performance.now() - t0,
    };
  } finally {
    session.close();
    await Promise.all(sims.map((s) => s.sim.stop().catch(() => undefined)));
  }
}
