/**
 * Operator-scale timeouts and true step names. A device that stops answering
 * at identify fails there within seconds under the protocol's own default
 * timeouts; a failure inside an exchange that carries two steps' requests is
 * reported at the step its request belongs to (a device's refusal), or at the
 * first step of the exchange when the reply never came (nothing in it is known
 * to have run). faults.test.ts checks the step of every fault × command.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolCapability } from '../../electron/core/device/protocol';
import { CustodianError } from '../../electron/core/errors';
import { FRAME_OVERHEAD } from '../../electron/core/device/frame';
import { connectInProcess } from '../../electron/core/device/index';
import { DEFAULT_TIMEOUTS_MS } from '../../electron/core/device/protocol';
import { wireTimeMs } from '../../electron/core/device/wire';
import { STATION_DEVICE_OPTIONS } from '../../electron/core/line/open-device';
import type { Fault } from '../../electron/core/simulator/index';
import { prepareIssuer, provisionDevice, type PreparedIssuer, type ProvisioningResult } from '../../electron/core/station/index';
import { MemoryRecorder } from '../support/memory-recorder';
import { startBench, type Bench } from '../support/station-harness';
import { makeTestChain } from '../support/station-chain';

let issuer: PreparedIssuer;
beforeAll(async () => {
  issuer = prepareIssuer((await makeTestChain()).issuer);
});
const benches: Bench[] = [];
afterEach(async () => {
  await Promise.all(benches.splice(0).map((b) => b.stop()));
});

const SINGLE: ProtocolCapability[] = ['csr', 'raw-public-key', 'challenge', 'keygen', 'lock'];

async function bench(o: { faults?: Fault[]; capabilities?: ProtocolCapability[]; maxPayload?: number; defaultTimeouts?: boolean; shortTimeoutsEverywhere?: boolean } = {}): Promise<Bench> {
  const b = await startBench({ issuer, recorder: new MemoryRecorder(), deviceId: `dev-at-${benches.length}`, ...o });
  benches.push(b);
  return b;
}

function failed(r: ProvisioningResult): Extract<ProvisioningResult, { result: 'failed' }> {
  expect(r.result).toBe('failed');
  if (r.result !== 'failed') throw new Error('passed');
  return r;
}

describe('a device that goes quiet at identify fails there within seconds (default timeouts)', () => {
  it.each([
    ['with BATCH', undefined],
    ['without BATCH', SINGLE],
  ])('%s, its identity announced at HELLO', async (_n, capabilities) => {
    const b = await bench({ faults: [{ kind: 'silent', step: 'identify' }], defaultTimeouts: true, ...(capabilities ? { capabilities } : {}) });
    const t0 = performance.now();
    const { result, events } = await b.run();
    const ms = performance.now() - t0;
    const f = failed(result);
    expect(f.failedStep).toBe('identify');
    expect(f.error.code).toBe('DEVICE_TIMEOUT');
    expect(ms).toBeLessThan(5000);
    expect(ms).toBeGreaterThanOrEqual(DEFAULT_TIMEOUTS_MS.IDENTIFY - 50);
    // Nothing was asked of the device after it: no key generation waited on.
    expect(b.sim.stats().byCommand.GENERATE_KEY ?? 0).toBe(0);
    expect(events.filter((e) => e.kind === 'step' && e.state === 'started').map((e) => e.kind === 'step' && e.step)).toEqual(['identify']);
  });

  it('also when the serve loop detected the device moments before (its identity handed over)', async () => {
    const b = await bench({ defaultTimeouts: true });
    const device = await b.connect();
    try {
      const identity = await device.identify(); // the announced one: no exchange
      b.sim.faults.inject({ kind: 'silent', step: 'identify' });
      const t0 = performance.now();
      const result = await provisionDevice({ device, identity, issuer, recorder: new MemoryRecorder(), operator: 'line' });
      expect(failed(result).failedStep).toBe('identify');
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      await device.close();
    }
  });
});

describe('the step a failure is reported at', () => {
  it('keygen fetching the new CSR: a device refusal of GET_CSR is the csr step; the key generation succeeded', async () => {
    const b = await bench({ faults: [{ kind: 'error-reply', step: 'get-csr', error: 'INTERNAL' }] });
    const { result, events } = await b.run();
    expect(failed(result).failedStep).toBe('csr');
    const steps = events.flatMap((e) => (e.kind === 'step' && e.state !== 'started' ? [`${e.step}:${e.state}`] : []));
    expect(steps).toEqual(['identify:succeeded', 'csr:succeeded', 'keygen:succeeded', 'csr:failed']);
    expect(b.sim.state().algorithm).toBe('P-256');
  });

  it('keygen exchange with no reply: the keygen step (nothing in the exchange is known to have run)', async () => {
    const b = await bench({ faults: [{ kind: 'silent', step: 'get-csr' }], shortTimeoutsEverywhere: true });
    expect(failed((await b.run()).result).failedStep).toBe('keygen');
  });

  it('without BATCH, the pre-write identity check (sent during record) is the write step, nothing written', async () => {
    const b = await bench({ capabilities: SINGLE });
    // HELLO, identify, the check after the CSR: the fourth identity is the one before the write.
    b.sim.faults.inject({ kind: 'device-id-change', afterIdentifies: 3 });
    const { result, events } = await b.run();
    const f = failed(result);
    expect(f.failedStep).toBe('write');
    expect(['DEVICE_IDENTITY_CHANGED', 'WORKFLOW_DEVICE_CHANGED']).toContain(f.error.code);
    expect(events.some((e) => e.kind === 'step' && e.step === 'record' && e.state === 'succeeded')).toBe(true);
    expect(b.sim.state().leaf).toBeNull();
    expect(f.record).toMatchObject({ signed: true, recorded: true, sentToDevice: false });
  });

  it('a failure held over for the next step is reported as it is, even when the run is cancelled meanwhile', async () => {
    const b = await bench();
    const real = await b.connect();
    const ac = new AbortController();
    // The device refuses the CSR part of the key generation's exchange while the operator stops the run.
    const device = new Proxy(real, {
      get: (t, p) => {
        if (p === 'generateKey') {
          return async () => {
            ac.abort();
            throw new CustodianError('DEVICE_ERROR_BUSY', 'device refused GET_CSR: busy', { part: 'csr' });
          };
        }
        const v = Reflect.get(t, p, t) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    try {
      const f = failed(await provisionDevice({ device, issuer, recorder: new MemoryRecorder(), operator: 'op', signal: ac.signal }));
      expect(f.failedStep).toBe('csr');
      expect(f.error.code).toBe('DEVICE_ERROR_BUSY');
    } finally {
      await real.close();
    }
  });

  describe('a 4 KiB device: the writes, the read-back and the final challenge share one frame', () => {
    it('frames: HELLO, IDENTIFY, keygen + CSR, writes + read-back, COMMIT', async () => {
      const b = await bench({ maxPayload: 4096 });
      expect((await b.run()).result.result).toBe('passed');
      expect(b.sim.stats().requests).toBe(5);
    });

    it("the device refusing a read is the verify step's failure (the writes went through)", async () => {
      const b = await bench({ maxPayload: 4096, faults: [{ kind: 'error-reply', step: 'read-certs', error: 'INTERNAL' }] });
      const { result, events } = await b.run();
      const f = failed(result);
      expect(f.failedStep).toBe('verify');
      expect(f.error.details).toMatchObject({ part: 'read-back' });
      expect(events.some((e) => e.kind === 'step' && e.step === 'write' && e.state === 'succeeded')).toBe(true);
      expect(b.sim.state().leaf).not.toBeNull();
    });

    it('no reply to that frame: the write step (the writes are not known to have run)', async () => {
      const b = await bench({ maxPayload: 4096, faults: [{ kind: 'silent', step: 'read-certs' }], shortTimeoutsEverywhere: true });
      const f = failed((await b.run()).result);
      expect(f.failedStep).toBe('write');
      expect(f.error).toMatchObject({ code: 'DEVICE_TIMEOUT', details: { part: 'write' } });
    });
  });
});

describe('writes are allowed time by their size', () => {
  it('WRITE_END gets its base plus the per-KiB allowance for the object it programs', async () => {
    const b = await bench({ capabilities: SINGLE, faults: [{ kind: 'silent', step: 'write-end' }] });
    const device = await connectInProcess(b.sim, { ...STATION_DEVICE_OPTIONS, timeouts: { WRITE_END: 100 }, writeMsPerKiB: 200 });
    let result: ProvisioningResult;
    try {
      result = await provisionDevice({ device, issuer, recorder: new MemoryRecorder(), operator: 'op', sign: b.signer.sign });
    } finally {
      await device.close();
    }
    const f = failed(result);
    expect(f.failedStep).toBe('write');
    expect(f.error.code).toBe('DEVICE_TIMEOUT');
    // The silent WRITE_END is the leaf's: 100 ms, + 200 ms per KiB of the leaf, + the wire allowance at 115200 baud.
    const leafKiB = Math.ceil(b.signer.signed[0]!.length / 1024);
    expect(f.error.details.timeoutMs).toBe(Math.ceil(100 + 200 * leafKiB + wireTimeMs(2 * FRAME_OVERHEAD + 512, 115200)));
  });
});
