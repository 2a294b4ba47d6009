/**
 * nRF91 modem simulator: a virtual Nordic nRF91 answering the AT commands the
 * station's nrf91 driver sends (electron/core/device/nrf91), over a real pty
 * pair (socat) or an in-process pipe. See startNrf91Simulator().
 */
import { certificatesFromPem, CredentialType, SEC_TAG_MAX } from '../../device/nrf91/cmng';
import { SerialPortTransport } from '../../device/serial-transport';
import { createPipePair, type Transport } from '../../device/transport';
import { CustodianError } from '../../errors';
import { toPem } from '../../pki/pem';
import { placePtyPair, type PtyPair } from '../pty';
import { ModemCommands } from './commands';
import { Nrf91FaultPlan, type Nrf91Fault } from './faults';
import { ModemHost, type Nrf91SleepReason, type Nrf91Stats } from './modem';
import { ModemStore, type ModemIdentity, type StoredCredential } from './store';
import type { UrcOptions } from './urcs';

export { Nrf91FaultPlan, parseNrf91FaultSpec, NRF91_FAULT_KINDS, NRF91_STEPS, type Nrf91Fault, type Nrf91FaultKind, type Nrf91FiredFault, type Nrf91Step } from './faults';
export type { Nrf91Stats, Nrf91SleepReason } from './modem';
export type { ModemIdentity, StoredCredential } from './store';
export type { UrcOptions } from './urcs';

/** The nRF Connect SDK shell prompt, with its VT100 colour. */
export const NRF91_SHELL_PROMPT = '\x1b[1;32muart:~$ \x1b[m';
/** The AT host keeps at most this many characters of one command (sdk-nrf at_host). */
export const NRF91_MAX_COMMAND_CHARS = 4095;

export interface Nrf91SimulatorOptions {
  /** Non-volatile memory of the modem (created if missing; reused across runs). */
  stateDir: string;
  /** Default 'in-process'. 'pty' needs socat. */
  transport?: 'pty' | 'in-process';
  /** Identity for a fresh state directory (ignored when state.json exists): imei, firmware (default `mfw_nrf9160_1.3.5`), model, uuid. */
  identity?: Partial<ModemIdentity>;
  /** CSR signatureAlgorithm written with explicit NULL parameters, as some modem firmware does. Default false. */
  nullParamsCsr?: boolean;
  /** nRF Connect SDK shell: commands arrive as `at <cmd>`, are echoed, and a prompt follows each answer. Default false. */
  shell?: boolean;
  /** Emulated line rate (8N1). Default 115200. */
  baud?: number;
  /** Delay replies by the bytes' wire time. Default true. */
  emulateWireTime?: boolean;
  /** Extra time AT%KEYGEN takes. Default 0. */
  keygenDelayMs?: number;
  /** CFUN mode at power-on. Default 1 (the application started LTE). */
  initialCfun?: number;
  /** Credential storage: total bytes (default 32768) and bytes per item (default 4096); beyond either, +CME ERROR: 515. */
  storageBytes?: number;
  itemBytes?: number;
  /** Writing a (sec_tag, type) that exists: 'refuse' with 519 (default) or 'overwrite'. */
  existingItem?: 'overwrite' | 'refuse';
  /** Longest command line the AT host keeps. Default 4095. */
  maxCommandChars?: number;
  /** Random `+CEREG`/`%CESQ` URCs; off when absent. */
  urcs?: UrcOptions;
  faults?: Nrf91Fault[];
  /** pty mode: directory for the link paths `tty-station` / `tty-device` (default: a new temp dir). */
  ptyDir?: string;
  /** pty mode: exact station-side link path (the modem side is `<ptyLink>.device`). Overrides ptyDir. */
  ptyLink?: string;
  /** After a disconnect fault, the link comes back after this long. Default 100 ms. */
  reconnectDelayMs?: number;
  socatPath?: string;
  /** Injected delay function; default setTimeout. */
  sleep?: (ms: number, why: Nrf91SleepReason) => Promise<void>;
}

export interface Nrf91SimulatorState extends ModemIdentity {
  cfun: number;
  cmee: number;
  credentials: StoredCredential[];
  /** The AT host lost a command's closing quote to an overflow and waits for it. */
  wedged: boolean;
}

export interface Nrf91TlsCredentials {
  /** The private key KEYGEN made (PKCS#8 PEM): only for a test of the device's own TLS connection. */
  keyPem: string;
  certPem: string;
  chainPem: string[];
  /** The type 1 content: leaf followed by chain. */
  fullChainPem: string;
  /** The type 0 content (the hub's root CAs), or null. */
  caPem: string | null;
}

export interface Nrf91SimulatorHandle {
  readonly mode: 'pty' | 'in-process';
  /** pty mode: the path the station opens. null in-process. */
  readonly path: string | null;
  readonly stateDir: string;
  readonly baud: number;
  readonly faults: Nrf91FaultPlan;
  readonly disconnects: number;
  /** in-process: a fresh station-side link (closes the previous one; the modem keeps its state, as when a port is reopened). pty mode: throws. */
  connect(): Transport;
  /** Reset the modem (volatile state lost: CFUN back to its power-on mode, CMEE off, the AT host's line buffer empty); the link stays. */
  powerCycle(): void;
  /** Resolves when the link is up again after a disconnect fault (pty mode). */
  linkReady(): Promise<void>;
  stats(): Nrf91Stats;
  state(): Nrf91SimulatorState;
  tlsCredentials(secTag: number): Nrf91TlsCredentials;
  /** The device identity public key (SPKI DER) that signs the KEYGEN attestations. */
  identityPublicKeySpki(): Uint8Array;
  /** This modem's entry of a brand owner's identity-keys file: { uuid: SPKI PEM }. */
  identityKeysFile(): Record<string, string>;
  stop(): Promise<void>;
}

const realSleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());


export async function startNrf91Simulator(opts: Nrf91SimulatorOptions): Promise<Nrf91SimulatorHandle> {
  const mode = opts.transport ?? 'in-process';
  const baud = opts.baud ?? 115_200;
  if (!(baud > 0)) throw new RangeError(`baud must be > 0, got ${baud}`);
  const initialCfun = opts.initialCfun ?? 1;
  const store = await ModemStore.open(opts.stateDir, opts.identity);
  const faults = new Nrf91FaultPlan(opts.faults ?? []);
  const reconnectDelayMs = opts.reconnectDelayMs ?? 100;
  const sleep = opts.sleep ?? realSleep;
  let disconnects = 0;
  let stopped = false;
  let link: Transport | null = null;
  let ready: Promise<void> = Promise.resolve();
  let pty: PtyPair | null = null;

  const commands = new ModemCommands({
    store,
    faults,
    initialCfun,
    nullParamsCsr: opts.nullParamsCsr ?? false,
    existingItem: opts.existingItem ?? 'refuse',
    storageBytes: opts.storageBytes ?? 32_768,
    itemBytes: opts.itemBytes ?? 4096,
    keygenDelayMs: opts.keygenDelayMs ?? 0,
    sleep: (ms) => {
      host.stats.deviceDelayMs += ms;
      return sleep(ms, 'keygen');
    },
  });
  const host: ModemHost = new ModemHost({
    commands,
    faults,
    shell: opts.shell ?? false,
    prompt: NRF91_SHELL_PROMPT,
    baud,
    emulateWireTime: opts.emulateWireTime ?? true,
    maxCommandChars: opts.maxCommandChars ?? NRF91_MAX_COMMAND_CHARS,
    urcs: opts.urcs ?? null,
    sleep,
    disconnect: () => {
      disconnects++;
      host.powerCycle();
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

  const openPtyLink = async (): Promise<void> => {
    await pty!.start();
    const t = await SerialPortTransport.open(pty!.paths.device, { baudRate: baud });
    link = t;
    host.attach(t);
  };

  let path: string | null = null;
  if (mode === 'pty') {
    pty = await placePtyPair(opts, 'custodian-nrf91-');
    path = pty.paths.station;
    try {
      await openPtyLink();
    } catch (e) {
      await pty.stop();
      throw e instanceof CustodianError ? e : new CustodianError('DEVICE_SIMULATOR_FAILED', `simulator could not open its pty: ${String(e)}`);
    }
  }

  const spkiPem = (): string => toPem(store.identityPublicKeySpki(), 'PUBLIC KEY');

  return {
    mode,
    path,
    stateDir: opts.stateDir,
    baud,
    faults,
    get disconnects() {
      return disconnects;
    },
    connect(): Transport {
      if (mode !== 'in-process') throw new CustodianError('DEVICE_SIMULATOR_FAILED', 'connect() is for in-process simulators; open `path` instead');
      if (stopped) throw new CustodianError('DEVICE_DISCONNECTED', 'simulator stopped');
      void link?.close();
      const [station, device] = createPipePair(['station', 'nrf91']);
      link = device;
      host.attach(device);
      return station;
    },
    powerCycle: () => host.powerCycle(),
    linkReady: () => ready,
    stats: () => structuredClone(host.stats),
    state: () => ({
      ...store.identity,
      cfun: commands.cfun,
      cmee: commands.cmee,
      credentials: store.list().map((c) => ({ ...c })),
      wedged: host.wedged,
    }),
    tlsCredentials(secTag: number): Nrf91TlsCredentials {
      if (!Number.isInteger(secTag) || secTag < 0 || secTag > SEC_TAG_MAX) throw new RangeError(`bad sec_tag ${secTag}`);
      const key = store.get(secTag, CredentialType.CLIENT_KEY);
      const client = store.get(secTag, CredentialType.CLIENT_CERT);
      if (!key || !client) throw new CustodianError('DEVICE_ERROR_BAD_STATE', `simulated modem has no key or client certificate in sec_tag ${secTag}`);
      const certs = certificatesFromPem(client.content).map((d) => toPem(d, 'CERTIFICATE'));
      return {
        keyPem: key.content,
        certPem: certs[0]!,
        chainPem: certs.slice(1),
        fullChainPem: client.content,
        caPem: store.get(secTag, CredentialType.ROOT_CA)?.content ?? null,
      };
    },
    identityPublicKeySpki: () => store.identityPublicKeySpki(),
    identityKeysFile: () => ({ [store.identity.uuid]: spkiPem() }),
    async stop(): Promise<void> {
      stopped = true;
      await ready.catch(() => undefined);
      host.detach();
      await link?.close().catch(() => undefined);
      link = null;
      await pty?.stop();
    },
  };
}
