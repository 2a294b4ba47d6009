/**
 * Records the station.progress sequences the renderer's step-list test replays
 * (test/renderer/recorded-progress.json), by running the REAL workflow against
 * in-process simulated devices. The renderer tests cannot run the core
 * themselves (they are type-checked without Node), so this file keeps their
 * input true: if the workflow's steps or order change, the file snapshot no
 * longer matches and this test fails; `npx vitest run <this file> -u`
 * re-records it, and the renderer test then shows what the UI makes of it.
 *
 * The mapping onto station.progress is the service's (core/service
 * adapters/workflow.ts + station-service.ts): `connect` started/succeeded from
 * whoever opens the port, then one payload per step event, stamped with the
 * service's clock (here a fixed time, so the recording is stable). Serials are
 * stable because the workflow's random source is injected.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StationProgress } from '../../electron/shared/events';
import { StationProgress as StationProgressSchema } from '../../electron/shared/events';
import { prepareIssuer, type PreparedIssuer, type ProvisioningResult, type WorkflowEvent } from '../../electron/core/station/index';
import type { RandomSource } from '../../electron/core/pki/index';
import type { Fault } from '../../electron/core/simulator/index';
import { MemoryRecorder } from '../support/memory-recorder';
import { startBench, type Bench } from '../support/station-harness';
import { makeTestChain } from '../support/station-chain';

const PORT = '/dev/pts/3';
const AT = '2026-11-23T08:00:00.000Z';

let issuer: PreparedIssuer;
beforeAll(async () => {
  issuer = prepareIssuer((await makeTestChain()).issuer);
});
const benches: Bench[] = [];
afterEach(async () => {
  await Promise.all(benches.splice(0).map((b) => b.stop()));
});

/** Deterministic bytes (serials and challenges differ from call to call, and from run to run). */
function countingRandom(seed: number): RandomSource {
  let n = seed;
  return (length) => Uint8Array.from({ length }, () => (n = (n * 1103515245 + 12345) >>> 0) >>> 24);
}

interface Recording {
  outcome: { result: 'passed'; deviceId: string; serialHex: string } | { result: 'failed'; code: string; message: string };
  progress: StationProgress[];
}

function toProgress(runId: string, events: readonly WorkflowEvent[]): StationProgress[] {
  const payload = (p: Pick<StationProgress, 'step' | 'state'> & Partial<StationProgress>): StationProgress => ({
    runId, port: PORT, step: p.step, state: p.state, at: AT,
    deviceId: p.deviceId ?? null, serialHex: p.serialHex ?? null, error: p.error ?? null, auto: false,
  });
  return [
    payload({ step: 'connect', state: 'started' }),
    payload({ step: 'connect', state: 'succeeded' }),
    ...events.flatMap((e) => (e.kind !== 'step' ? [] : [payload({
      step: e.step,
      state: e.state,
      deviceId: e.deviceId,
      serialHex: e.serialHex,
      error: e.state === 'failed' ? { code: e.error.code, message: e.error.message } : null,
    })])),
  ];
}

function recording(runId: string, r: { result: ProvisioningResult; events: WorkflowEvent[] }): Recording {
  const outcome: Recording['outcome'] = r.result.result === 'passed'
    ? { result: 'passed', deviceId: r.result.deviceId, serialHex: r.result.serialHex }
    : { result: 'failed', code: r.result.error.code, message: r.result.error.message };
  return { outcome, progress: toProgress(runId, r.events) };
}

/** JSON with one payload a line, so a re-recording reads as a diff of events. */
function formatted(recordings: Record<string, Recording>): string {
  const runs = Object.entries(recordings).map(([name, r]) =>
    `  ${JSON.stringify(name)}: {\n    "outcome": ${JSON.stringify(r.outcome)},\n    "progress": [\n${r.progress.map((p) => `      ${JSON.stringify(p)}`).join(',\n')}\n    ]\n  }`);
  return `{\n${runs.join(',\n')}\n}\n`;
}

async function bench(deviceId: string, o: { withKey?: boolean; faults?: Fault[] } = {}): Promise<Bench> {
  const b = await startBench({ issuer, recorder: new MemoryRecorder(), deviceId, ...(o.faults ? { faults: o.faults } : {}) });
  benches.push(b);
  if (o.withKey) {
    const pre = await b.connect();
    await pre.generateKey('P-256');
    await pre.close();
  }
  return b;
}

async function run(b: Bench, runId: string, seed: number): Promise<Recording> {
  return recording(runId, await b.run({ runId, random: countingRandom(seed) }));
}

describe('station.progress as the real workflow emits it', () => {
  it('matches the recordings the step-list test replays', async () => {
    const recordings: Record<string, Recording> = {};

    recordings['fresh device: no key, keygen after csr'] = await run(await bench('dev-000101'), 'run-fresh', 1);
    const withKey = await bench('dev-000102', { withKey: true });
    recordings['device with a key'] = await run(withKey, 'run-key', 2);
    recordings['repeat visit: recognised and locked'] = await run(withKey, 'run-again', 3);
    recordings['device with a key: bad CSR signature'] = await run(
      await bench('dev-000103', { withKey: true, faults: [{ kind: 'bad-csr-signature' }] }), 'run-bad-csr', 4);
    recordings['fresh device: keygen, then a bad CSR signature'] = await run(
      await bench('dev-000104', { faults: [{ kind: 'bad-csr-signature' }] }), 'run-keygen-bad-csr', 5);
    // The weak-key fault fires at the key generation before the run: the device holds an RSA-1024 key.
    recordings['device with a refused key: csr refuses it, keygen makes a new one'] = await run(
      await bench('dev-000105', { withKey: true, faults: [{ kind: 'weak-key', key: 'rsa-1024' }] }), 'run-refused-key', 6);
    recordings['read-back refused by the device: write done, verify failed'] = await run(
      await bench('dev-000106', { faults: [{ kind: 'error-reply', step: 'read-certs', error: 'INTERNAL' }] }), 'run-readback-refused', 7);

    // Every payload is one the service may send.
    for (const r of Object.values(recordings)) for (const p of r.progress) StationProgressSchema.parse(p);
    await expect(formatted(recordings)).toMatchFileSnapshot('../renderer/recorded-progress.json');
  });
});
