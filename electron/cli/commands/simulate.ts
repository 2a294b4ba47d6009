/** `custodian simulate`: run a simulated device on a pty until Ctrl-C (docs/device-protocol.md). */
import { CustodianError } from '../../core/errors';
import { startSimulator, parseFaultSpec, type Fault, type SimulatorOptions } from '../../core/simulator';
import { MAX_FRAME_PAYLOAD } from '../../core/device/frame';
import { optInt, optString, reqString } from '../args';
import { CliCodes } from '../codes';
import type { CliCommand, CommandContext, CommandResult } from '../types';

export interface SimulateRun {
  options: SimulatorOptions;
  /** Stop by itself after this long (scripts/tests); otherwise run until SIGINT/SIGTERM. */
  exitAfterMs?: number;
}

export function parseSimulateOptions(ctx: CommandContext): SimulateRun {
  const faultSpecs = ctx.values.fault;
  const faults: Fault[] = [];
  for (const spec of Array.isArray(faultSpecs) ? faultSpecs : []) {
    try {
      faults.push(parseFaultSpec(String(spec)));
    } catch (e) {
      throw new CustodianError(CliCodes.USAGE, `--fault ${String(spec)}: ${(e as Error).message}`, { option: 'fault', value: spec });
    }
  }
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
  usage: '--state <dir> [--next-state <dir>]… [--baud N] [--link <path>] [--fault <spec>]… [--keygen-delay MS]',
  description: [
    'The device keeps its key, identity, certificates and lock flag in --state; its private key never crosses the wire.',
    'Fault specs: kind[:step][@times][,key=value…], e.g. silent:identify@2, slow-reply:get-csr,delayMs=3000,',
    'corrupt-reply:read-certs, drop-bytes:get-csr, disconnect:write-end,phase=after, wrong-cn, bad-csr-signature,',
    'flash-write-failure, device-id-change,afterIdentifies=1, weak-key,key=rsa-1024, error-reply:commit,error=BUSY.',
  ].join('\n'),
  options: {
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
    const run = parseSimulateOptions(ctx);
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
      return await runSimulate(run, ctx, ac.signal);
    } finally {
      clearInterval(orphanWatch);
      if (timer) clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};
