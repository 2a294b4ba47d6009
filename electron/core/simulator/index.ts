/**
 * Device simulator: a virtual device speaking docs/device-protocol.md over a
 * real pty pair (socat) or an in-process pipe. See startSimulator().
 */
import type { ProtocolCapability } from '../device/protocol';
import { MAX_FRAME_PAYLOAD } from '../device/frame';
import { splitDer } from '../device/protocol';
import { SerialPortTransport } from '../device/serial-transport';
import { createPipePair, type Transport } from '../device/transport';
import { CustodianError } from '../errors';
import { DeviceFirmware, type SimulatorStats } from './device';
import { FaultPlan, type Fault } from './faults';
import { toPem } from '../pki/pem';
import { placePtyPair, type PtyPair } from './pty';
import { DeviceStore, type SimIdentity, type SimKeyAlgorithm } from './state';

export { FaultPlan, parseFaultSpec, FAULT_KINDS, STEPS, type Fault, type FaultKind, type Step, type FiredFault } from './faults';
export type { SimulatorStats } from './device';
export type { SimIdentity, SimKeyAlgorithm } from './state';

export interface SimulatorOptions {
  /** Non-volatile memory of the device (created if missing; reused across runs). */
  stateDir: string;
  /** Default 'in-process'. 'pty' needs socat. */
  transport?: 'pty' | 'in-process';
  /** Emulated line rate (8N1). Default 115200. */
  baud?: number;
  /** Delay replies by the bytes' wire time. Default true. */
  emulateWireTime?: boolean;
  /** Extra time GENERATE_KEY takes, as a secure element would. Default 0. */
  keygenDelayMs?: number;
  /** Largest payload the device accepts/sends; advertised at HELLO. 64..4096, default 512. */
  maxPayload?: number;
  faults?: Fault[];
  /** Identity for a fresh state directory (ignored when state.json exists). */
  identity?: Partial<SimIdentity>;
  /**
   * A production line behind one adapter: state directories of further
   * devices. When the current device has replied OK to COMMIT, the next one
   * takes its place on the same link (the station's port stays open), with its
   * own boot ID, state and statistics (see `served()`). Faults apply to the
   * first device only.
   */
  nextDevices?: string[];
  capabilities?: ProtocolCapability[];
  /** Append the IDENTIFY response to the HELLO response (§4.1). Default true; false is firmware that predates it. */
  announceIdentity?: boolean;
  /** pty mode: directory for the link paths `tty-station` / `tty-device` (default: a new temp dir). */
  ptyDir?: string;
  /** pty mode: exact station-side link path (the device side is `<ptyLink>.device`). Overrides ptyDir. */
  ptyLink?: string;
  /** After a disconnect fault, the link comes back after this long. Default 100 ms. */
  reconnectDelayMs?: number;
  socatPath?: string;
  /** Injected delay function (see DeviceFirmwareOptions.sleep); default setTimeout. */
  sleep?: (ms: number, why: 'wire-in' | 'wire-out' | 'keygen' | 'slow-reply') => Promise<void>;
}

export interface SimulatorState {
  identity: SimIdentity;
  algorithm: SimKeyAlgorithm | null;
  locked: boolean;
  leaf: Uint8Array | null;
  chain: Uint8Array;
  /** The trust anchors the device stores (concatenated DER, empty when none). */
  trustAnchors: Uint8Array;
  spki: Uint8Array | null;
  bootId: number;
}

export interface TlsCredentials {
  /** The device private key (PKCS#8 PEM). Only for tests/demo of the *device's own* MQTT connection. */
  keyPem: string;
  certPem: string;
  chainPem: string[];
  /** Leaf followed by chain, as a TLS client presents it. */
  fullChainPem: string;
  /**
   * The trust anchors the station installed (PEM, concatenated): what the
   * device verifies the hub's server certificate with. Empty when it holds none.
   */
  caPem: string;
}

export interface SimulatorHandle {
  readonly mode: 'pty' | 'in-process';
  /** pty mode: the path the station opens. null in-process. */
  readonly path: string | null;
  readonly stateDir: string;
  readonly baud: number;
  /** in-process: a fresh station-side link (closes the previous one). pty mode: throws. */
  connect(): Transport;
  /** Resolves when the link is up again after a disconnect fault (pty mode). */
  linkReady(): Promise<void>;
  readonly faults: FaultPlan;
  /** Statistics of the device currently on the link. */
  stats(): SimulatorStats;
  /** Every device that has been on the link so far (one unless `nextDevices`), in order, with its own statistics. */
  served(): Array<{ identity: SimIdentity; stats: SimulatorStats }>;
  state(): SimulatorState;
  readonly disconnects: number;
  tlsCredentials(): TlsCredentials;
  stop(): Promise<void>;
}


const ALL_CAPS: ProtocolCapability[] = ['csr', 'raw-public-key', 'challenge', 'keygen', 'lock', 'batch', 'trust-anchors'];

export async function startSimulator(opts: SimulatorOptions): Promise<SimulatorHandle> {
  const mode = opts.transport ?? 'in-process';
  const baud = opts.baud ?? 115200;
  const maxPayload = opts.maxPayload ?? 512;
  if (!(baud > 0)) throw new RangeError(`baud must be > 0, got ${baud}`);
  if (!Number.isInteger(maxPayload) || maxPayload < 64 || maxPayload > MAX_FRAME_PAYLOAD) throw new RangeError(`maxPayload must be 64..${MAX_FRAME_PAYLOAD}`);
  let store = await DeviceStore.open(opts.stateDir, opts.identity);
  const queue = await Promise.all((opts.nextDevices ?? []).map((dir) => DeviceStore.open(dir)));
  const faults = new FaultPlan(opts.faults ?? []);
  const reconnectDelayMs = opts.reconnectDelayMs ?? 100;
  let disconnects = 0;
  let stopped = false;
  let link: Transport | null = null;
  let ready: Promise<void> = Promise.resolve();
  let pty: PtyPair | null = null;

  const makeFirmware = (s: DeviceStore, f: FaultPlan): DeviceFirmware => new DeviceFirmware({
    store: s,
    faults: f,
    baud,
    emulateWireTime: opts.emulateWireTime ?? true,
    keygenDelayMs: opts.keygenDelayMs ?? 0,
    maxPayload,
    capabilities: opts.capabilities ?? ALL_CAPS,
    announceIdentity: opts.announceIdentity ?? true,
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
    onReplied: (command, ok) => {
      if (command !== 'COMMIT' || !ok || !queue.length) return;
      // The next device on the line takes this one's place behind the same link.
      const next = queue.shift()!;
      const current = link;
      firmware.detach();
      done.push({ identity: store.identity, stats: structuredClone(firmware.stats) });
      store = next;
      firmware = makeFirmware(next, new FaultPlan([]));
      if (current) firmware.attach(current);
    },
    disconnect: () => {
      disconnects++;
      firmware.detach();
      firmware.powerCycle();
      const old = link;
      link = null;
      if (mode === 'in-process') {
        void old?.close();
        return;
      }
      ready = (async () => {
        await old?.close().catch(() => undefined);
        await pty!.stop();
        await new Promise((r) => setTimeout(r, reconnectDelayMs));
        if (!stopped) await openPtyLink();
      })();
    },
  });
  const done: Array<{ identity: SimIdentity; stats: SimulatorStats }> = [];
  let firmware = makeFirmware(store, faults);

  const openPtyLink = async (): Promise<void> => {
    await pty!.start();
    const t = await SerialPortTransport.open(pty!.paths.device, { baudRate: baud });
    link = t;
    firmware.attach(t);
  };

  let path: string | null = null;
  if (mode === 'pty') {
    pty = await placePtyPair(opts, 'custodian-sim-');
    path = pty.paths.station;
    try {
      await openPtyLink();
    } catch (e) {
      await pty.stop();
      throw e instanceof CustodianError ? e : new CustodianError('DEVICE_SIMULATOR_FAILED', `simulator could not open its pty: ${String(e)}`);
    }
  }

  return {
    mode,
    path,
    stateDir: opts.stateDir,
    baud,
    connect(): Transport {
      if (mode !== 'in-process') throw new CustodianError('DEVICE_SIMULATOR_FAILED', 'connect() is for in-process simulators; open `path` instead');
      if (stopped) throw new CustodianError('DEVICE_DISCONNECTED', 'simulator stopped');
      void link?.close();
      const [station, device] = createPipePair();
      link = device;
      firmware.attach(device);
      return station;
    },
    linkReady: () => ready,
    faults,
    stats: () => structuredClone(firmware.stats),
    served: () => [...done, { identity: store.identity, stats: structuredClone(firmware.stats) }].map((d) => structuredClone(d)),
    state: () => ({
      identity: store.identity,
      algorithm: store.algorithm,
      locked: store.locked,
      leaf: store.leafDer.length ? store.leafDer : null,
      chain: store.chainDer,
      trustAnchors: store.anchorsDer,
      spki: store.hasKey ? store.spki() : null,
      bootId: firmware.bootId,
    }),
    get disconnects() {
      return disconnects;
    },
    tlsCredentials(): TlsCredentials {
      if (!store.hasKey || store.leafDer.length === 0) throw new CustodianError('DEVICE_ERROR_BAD_STATE', 'simulated device has no key or leaf installed');
      const certPem = toPem(store.leafDer, 'CERTIFICATE');
      const chainPem = splitChain(store.chainDer).map((d) => toPem(d, 'CERTIFICATE'));
      const caPem = splitChain(store.anchorsDer).map((d) => toPem(d, 'CERTIFICATE')).join('');
      return { keyPem: store.privateKeyPem(), certPem, chainPem, fullChainPem: certPem + chainPem.join(''), caPem };
    },
    async stop(): Promise<void> {
      stopped = true;
      await ready.catch(() => undefined);
      firmware.detach();
      await link?.close().catch(() => undefined);
      link = null;
      await pty?.stop();
    },
  };
}

const splitChain = (der: Uint8Array): Uint8Array[] => (der.length ? splitDer(der) : []);
