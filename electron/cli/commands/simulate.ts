/**
 * `custodian simulate`: run a simulated device on a pty until Ctrl-C: a
 * Custodian-protocol device (docs/device-protocol.md, the default) or, with
 * `--driver nrf91`, a Nordic nRF91 modem speaking AT commands.
 */
import { CustodianError } from '../../core/errors';
import { startSimulator, parseFaultSpec, type SimulatorOptions } from '../../core/simulator';
import { parseNrf91FaultSpec, startNrf91Simulator, type Nrf91SimulatorOptions } from '../../core/simulator/nrf91';
import { MAX_FRAME_PAYLOAD } from '../../core/device/frame';
import { optBool, optInt, optString, reqString } from '../args';
import { CliCodes } from '../codes';
import { writeOutputFile } from '../files';
import type { CliCommand, CommandContext, CommandResult } from '../types';

/** Every --fault spec, parsed by the simulator's own parser; a bad one is a usage error naming it. */
function faultsFrom<F>(ctx: CommandContext, parse: (spec: string) => F): F[] {
  const specs = ctx.values.fault;
  return (Array.isArray(specs) ? specs : []).map((spec) => {
    try {
      return parse(String(spec));
    } catch (e) {
      throw new CustodianError(CliCodes.USAGE, `--fault ${String(spec)}: ${(e as Error).message}`, { option: 'fault', value: spec });
    }
  });
}

export interface SimulateRun {
  options: SimulatorOptions;
  /** Stop by itself after this long (scripts/tests); otherwise run until SIGINT/SIGTERM. */
  exitAfterMs?: number;
}

export function parseSimulateOptions(ctx: CommandContext): SimulateRun {
  const faults = faultsFrom(ctx, parseFaultSpec);
  const identity: NonNullable<SimulatorOptions['identity']> = {};
  const deviceId = optString(ctx, 'device-id');
  const model = optString(ctx, 'model');
  if (deviceId) identity.deviceId = deviceId;
  if (model) identity.model = model;
  const link = optString(ctx, 'link');
  const next = ctx.values['next-state'];
  const nextDevices = (Array.isArray(next) ? next : []).map((d) => ctx.resolvePath(String(d)));
  const options: SimulatorOptions = {
    stateDir: ctx.resolvePath(reqString(ctx, 'state')),
    transport: 'pty',
    baud: optInt(ctx, 'baud', { min: 300, max: 12_000_000 }) ?? 115_200,
    keygenDelayMs: optInt(ctx, 'keygen-delay', { min: 0, max: 600_000 }) ?? 0,
    maxPayload: optInt(ctx, 'max-payload', { min: 64, max: MAX_FRAME_PAYLOAD }) ?? 512,
    faults,
    identity,
    ...(link ? { ptyLink: ctx.resolvePath(link) } : {}),
    ...(nextDevices.length ? { nextDevices } : {}),
  };
  const exitAfter = optInt(ctx, 'exit-after', { min: 1 });
  return { options, ...(exitAfter !== undefined ? { exitAfterMs: exitAfter * 1000 } : {}) };
}

export type SimulateDriver = 'custodian' | 'nrf91';

/** Options only the nRF91 modem simulator takes. */
const NRF91_ONLY = ['firmware', 'imei', 'shell', 'null-params-csr', 'urc-every', 'urc-seed', 'cfun', 'storage-bytes', 'identity-keys-out'] as const;
/** Options only the Custodian-protocol simulator takes. */
const CUSTODIAN_ONLY = ['next-state', 'max-payload', 'device-id'] as const;

export function simulateDriver(ctx: CommandContext): SimulateDriver {
  const driver = optString(ctx, 'driver') ?? 'custodian';
  if (driver !== 'custodian' && driver !== 'nrf91') {
    throw new CustodianError(CliCodes.USAGE, `--driver must be custodian or nrf91, got "${driver}"`, { option: 'driver', value: driver });
  }
  const foreign = driver === 'nrf91' ? CUSTODIAN_ONLY : NRF91_ONLY;
  for (const name of foreign) {
    if (ctx.values[name] !== undefined && ctx.values[name] !== false) {
      throw new CustodianError(CliCodes.USAGE, `--${name} does not apply to --driver ${driver}`, { option: name, driver });
    }
  }
  return driver;
}

export interface Nrf91SimulateRun {
  options: Nrf91SimulatorOptions;
  exitAfterMs?: number;
  /** Where to write the modem's identity-keys entry ({ uuid: SPKI PEM }), as a brand owner's file. */
  identityKeysOut?: string;
}

export function parseNrf91SimulateOptions(ctx: CommandContext): Nrf91SimulateRun {
  const faults = faultsFrom(ctx, parseNrf91FaultSpec);
  const identity: NonNullable<Nrf91SimulatorOptions['identity']> = {};
  const firmware = optString(ctx, 'firmware');
  if (firmware !== undefined) {
    if (!/^mfw_nrf91[0-9a-z]*_[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}([-_.][0-9A-Za-z._-]{1,32})?$/.test(firmware)) {
      throw new CustodianError(CliCodes.USAGE, `--firmware must be a Nordic modem firmware name such as mfw_nrf9160_1.3.5, got "${firmware}"`, { option: 'firmware', value: firmware });
    }
    identity.firmware = firmware;
  }
  const imei = optString(ctx, 'imei');
  if (imei !== undefined) {
    if (!/^[0-9]{15}$/.test(imei)) throw new CustodianError(CliCodes.USAGE, '--imei must be 15 digits', { option: 'imei', value: imei });
    identity.imei = imei;
  }
  const model = optString(ctx, 'model');
  if (model) identity.model = model;
  const link = optString(ctx, 'link');
  const urcEvery = optInt(ctx, 'urc-every', { min: 1, max: 3_600_000 });
  const urcSeed = optInt(ctx, 'urc-seed', { min: 0, max: 0xffffffff });
  const cfun = optInt(ctx, 'cfun', { min: 0, max: 44 });
  const storageBytes = optInt(ctx, 'storage-bytes', { min: 1, max: 1 << 20 });
  const options: Nrf91SimulatorOptions = {
    stateDir: ctx.resolvePath(reqString(ctx, 'state')),
    transport: 'pty',
    baud: optInt(ctx, 'baud', { min: 300, max: 12_000_000 }) ?? 115_200,
    keygenDelayMs: optInt(ctx, 'keygen-delay', { min: 0, max: 600_000 }) ?? 0,
    shell: optBool(ctx, 'shell'),
    nullParamsCsr: optBool(ctx, 'null-params-csr'),
    faults,
    identity,
    ...(cfun !== undefined ? { initialCfun: cfun } : {}),
    ...(storageBytes !== undefined ? { storageBytes } : {}),
    ...(urcEvery !== undefined ? { urcs: { everyMs: urcEvery, ...(urcSeed !== undefined ? { seed: urcSeed } : {}) } } : {}),
    ...(link ? { ptyLink: ctx.resolvePath(link) } : {}),
  };
  const exitAfter = optInt(ctx, 'exit-after', { min: 1 });
  const keysOut = optString(ctx, 'identity-keys-out');
  return { options, ...(exitAfter !== undefined ? { exitAfterMs: exitAfter * 1000 } : {}), ...(keysOut ? { identityKeysOut: keysOut } : {}) };
}

/** The nRF91 modem on a pty: announce, write the identity-keys file if asked, wait for `signal`, report. */
export async function runNrf91Simulate(run: Nrf91SimulateRun, ctx: CommandContext, signal: AbortSignal): Promise<CommandResult> {
  const sim = await startNrf91Simulator(run.options);
  let keysFile: string | undefined;
  try {
    if (run.identityKeysOut) {
      keysFile = writeOutputFile(ctx, run.identityKeysOut, `${JSON.stringify(sim.identityKeysFile(), null, 2)}\n`, true);
    }
  } catch (e) {
    await sim.stop();
    throw e;
  }
  const st = sim.state();
  ctx.info(`simulated nRF91 modem IMEI ${st.imei} (${st.model}, ${st.firmware}, UUID ${st.uuid}) at ${sim.baud} baud${run.options.shell ? ', shell mode' : ''}`);
  if (keysFile) ctx.info(`identity key written to ${keysFile}`);
  ctx.info(`connect the station to: ${sim.path}`);
  ctx.info('press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const stats = sim.stats();
  const state = sim.state();
  const fired = sim.faults.fired;
  await sim.stop();
  const data = {
    driver: 'nrf91',
    path: sim.path,
    stateDir: sim.stateDir,
    imei: state.imei,
    model: state.model,
    firmware: state.firmware,
    uuid: state.uuid,
    cfun: state.cfun,
    credentials: state.credentials.map((c) => ({ secTag: c.secTag, type: c.type, bytes: Buffer.byteLength(c.content, 'utf8') })),
    disconnects: sim.disconnects,
    faultsFired: fired,
    stats,
    ...(keysFile ? { identityKeysFile: keysFile } : {}),
  };
  return {
    data,
    human: [
      `simulator stopped after ${stats.commands} commands (${stats.bytesIn} B in, ${stats.bytesOut} B out, wire time ${stats.wireTimeMs.toFixed(1)} ms, ${stats.urcs} URCs)`,
      `modem ${state.imei}: ${state.credentials.length ? state.credentials.map((c) => `${c.secTag}/${c.type}`).join(', ') : 'no credentials'}`,
      ...(fired.length ? [`faults fired: ${fired.map((f) => `${f.kind}@${f.step}`).join(', ')}`] : []),
    ],
  };
}

/** Start, announce the path (stderr), wait for `signal`, stop and report the session statistics. */
export async function runSimulate(run: SimulateRun, ctx: Pick<CommandContext, 'info'>, signal: AbortSignal): Promise<CommandResult> {
  const sim = await startSimulator(run.options);
  const st = sim.state();
  ctx.info(`simulated device ${st.identity.deviceId} (${st.identity.model}, ${st.identity.hardwareSerial}) at ${sim.baud} baud`);
  ctx.info(`connect the station to: ${sim.path}`);
  ctx.info('press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const stats = sim.stats();
  const state = sim.state();
  const served = sim.served();
  const fired = sim.faults.fired;
  await sim.stop();
  const data = {
    path: sim.path,
    stateDir: sim.stateDir,
    deviceId: state.identity.deviceId,
    keyAlgorithm: state.algorithm,
    leafInstalled: state.leaf !== null,
    locked: state.locked,
    disconnects: sim.disconnects,
    faultsFired: fired,
    stats,
    ...(run.options.nextDevices ? { served } : {}),
  };
  return {
    data,
    human: [
      `simulator stopped after ${stats.requests} requests (${stats.bytesIn} B in, ${stats.bytesOut} B out, wire time ${stats.wireTimeMs.toFixed(1)} ms)`,
      `device ${data.deviceId}: key ${data.keyAlgorithm ?? 'none'}, leaf ${data.leafInstalled ? 'installed' : 'absent'}, ${data.locked ? 'locked' : 'unlocked'}`,
      ...(fired.length ? [`faults fired: ${fired.map((f) => `${f.kind}@${f.step}`).join(', ')}`] : []),
    ],
  };
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'run a simulated device on a pty (socat) for the station to provision',
  usage:
    '--state <dir> [--driver custodian|nrf91] [--next-state <dir>]… [--baud N] [--link <path>] [--fault <spec>]… [--keygen-delay MS]\n' +
    '  nrf91: [--firmware mfw_…] [--imei N] [--shell] [--null-params-csr] [--urc-every MS [--urc-seed N]] [--cfun N] [--storage-bytes N] [--identity-keys-out <file>]',
  description: [
    'The device keeps its key, identity, certificates and lock flag in --state; its private key never crosses the wire.',
    'Fault specs: kind[:step][@times][,key=value…], e.g. silent:identify@2, slow-reply:get-csr,delayMs=3000,',
    'corrupt-reply:read-certs, drop-bytes:get-csr, disconnect:write-end,phase=after, wrong-cn, bad-csr-signature,',
    'flash-write-failure, device-id-change,afterIdentifies=1, weak-key,key=rsa-1024, error-reply:commit,error=BUSY.',
    '--driver nrf91 runs a Nordic nRF91 modem (AT commands) instead; its state dir holds IMEI, firmware, UUID, identity key and',
    'credential store. Its fault steps are the AT commands (sync cmee cgsn cgmr cgmm uuid cfun-read cfun-set keygen',
    'cmng-write cmng-list cmng-read cmng-delete): silent:cgmm, disconnect:cmng-write,afterBytes=200, write-fail[,cme=520],',
    'error-reply:keygen,cme=523, corrupt-reply:cmng-read, slow-reply:keygen,delayMs=2000, wrong-cn[,cn=X],',
    'bad-attestation-signature, bad-csr-signature, imei-change,afterIdentifies=1.',
  ].join('\n'),
  options: {
    driver: { type: 'string', valueName: 'custodian|nrf91', description: 'which device to simulate (default custodian)' },
    firmware: { type: 'string', valueName: '<name>', description: 'nrf91: modem firmware for a new state directory (default mfw_nrf9160_1.3.5; 2.x answers AT%DEVICEUUID)' },
    imei: { type: 'string', valueName: 'N', description: 'nrf91: IMEI for a new state directory (default: a random Luhn-valid one)' },
    shell: { type: 'boolean', description: 'nrf91: behind an nRF Connect SDK shell (`at <cmd>`, echo, prompt)' },
    'null-params-csr': { type: 'boolean', description: 'nrf91: CSR signatureAlgorithm with explicit NULL parameters, as some modem firmware writes it' },
    'urc-every': { type: 'string', valueName: 'MS', description: 'nrf91: send +CEREG/%CESQ URCs about every MS milliseconds' },
    'urc-seed': { type: 'string', valueName: 'N', description: 'nrf91: seed for the URC timing and contents' },
    cfun: { type: 'string', valueName: 'N', description: 'nrf91: CFUN mode at power-on (default 1)' },
    'storage-bytes': { type: 'string', valueName: 'N', description: 'nrf91: credential storage size (default 32768; 4096 per item)' },
    'identity-keys-out': { type: 'string', valueName: '<file>', description: 'nrf91: write the identity-keys file ({ uuid: SPKI PEM }) the station verifies attestations with (replaced if present)' },
    state: { type: 'string', valueName: '<dir>', description: "the simulated device's state directory (created if missing)" },
    baud: { type: 'string', valueName: 'N', description: 'emulated line rate, 8N1 (default 115200)' },
    link: { type: 'string', valueName: '<path>', description: 'station-side pty link path (default: a temp dir)' },
    fault: { type: 'string', multiple: true, valueName: '<spec>', description: 'inject a fault (repeatable)' },
    'keygen-delay': { type: 'string', valueName: 'MS', description: 'extra key-generation time (default 0)' },
    'max-payload': { type: 'string', valueName: 'N', description: 'device frame payload limit, 64..4096 (default 512)' },
    'device-id': { type: 'string', valueName: '<id>', description: 'device ID for a new state directory' },
    'next-state': {
      type: 'string', multiple: true, valueName: '<dir>',
      description: 'a further device on the same link (repeatable): it takes the previous one\'s place once that one has committed, as on a line swapping devices behind one adapter',
    },
    model: { type: 'string', valueName: '<name>', description: 'model string for a new state directory' },
    'exit-after': { type: 'string', valueName: 'S', description: 'stop after S seconds instead of waiting for Ctrl-C' },
  },
  async run(ctx) {
    const driver = simulateDriver(ctx);
    const run: SimulateRun | Nrf91SimulateRun = driver === 'nrf91' ? parseNrf91SimulateOptions(ctx) : parseSimulateOptions(ctx);
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = run.exitAfterMs !== undefined ? setTimeout(stop, run.exitAfterMs) : undefined;
    // Stop when orphaned (the bench or script that spawned us died without SIGTERM): no stray socat pairs.
    const parent = process.ppid;
    const orphanWatch = setInterval(() => {
      if (process.ppid !== parent) stop();
    }, 1000);
    orphanWatch.unref();
    try {
      return driver === 'nrf91' ? await runNrf91Simulate(run as Nrf91SimulateRun, ctx, ac.signal) : await runSimulate(run as SimulateRun, ctx, ac.signal);
    } finally {
      clearInterval(orphanWatch);
      if (timer) clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};
