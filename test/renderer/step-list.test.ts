// @vitest-environment happy-dom
/**
 * The Station's step list against what the workflow really emits: the
 * station.progress sequences recorded from the real core workflow on simulated
 * devices (recorded-progress.json, kept true by test/station/recorded-progress.test.ts),
 * replayed into the mounted StationView. Every row's label, order and state is
 * checked as the operator reads it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { nextTick } from 'vue';
import { z } from 'zod';
import StationView from '../../renderer/src/views/StationView.vue';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';
import { StationProgress } from '../../electron/shared/events';
import { AUTO_DRIVER, CUSTODIAN_PROOFS, FP, NOW, install, makeFake, refuse } from './fakeCustodian';
import type { Fake, Handlers } from './fakeCustodian';
import recordedJson from './recorded-progress.json';

const Recording = z.object({
  outcome: z.discriminatedUnion('result', [
    z.object({ result: z.literal('passed'), deviceId: z.string(), serialHex: z.string() }),
    z.object({ result: z.literal('failed'), code: z.string(), message: z.string() }),
  ]),
  progress: z.array(StationProgress),
});
type Recording = z.output<typeof Recording>;
const RECORDED = z.record(z.string(), Recording).parse(recordedJson);
function recorded(name: string): Recording {
  const r = RECORDED[name];
  if (!r) throw new Error(`no recording named "${name}" in recorded-progress.json`);
  return r;
}

/** The rows as the operator reads them, top to bottom. */
const LABELS = [
  'Connect to the device',
  'Identify the device',
  'Read the request and verify key possession',
  'Device generates its key',
  'Check policy (repeat visit, re-issue)',
  'Record the intent in the ledger',
  'Sign the certificate',
  'Record the certificate in the ledger',
  'Write certificate and chain to the device',
  'Read back and answer the challenge',
  'Lock the device credentials',
  'Pass',
] as const;
const IDS = ['connect', 'identify', 'csr', 'keygen', 'check', 'intent', 'sign', 'record', 'write', 'verify', 'commit', 'done'];

type Word = 'waiting' | 'working' | 'done' | 'failed' | 'skipped' | 'not run';
/** One word per row, in LABELS order; a row's detail (if any) as `word (detail)`. */
function expected(...words: (Word | `${Word} (${string})`)[]): string[] {
  expect(words).toHaveLength(LABELS.length);
  return LABELS.map((label, i) => `${label}: ${words[i]}`);
}

function rows(w: VueWrapper): string[] {
  return w.findAll('[data-testid="step-list"] li').map((li) => {
    const detail = li.find('.detail');
    return `${li.get('.label').text()}: ${li.get('.state').text()}${detail.exists() ? ` (${detail.text()})` : ''}`;
  });
}
const ids = (w: VueWrapper) => w.findAll('[data-testid="step-list"] li').map((li) => li.attributes('data-step'));

const PORT = '/dev/pts/3';
const counters = { shiftStartedAt: NOW, issued: 0, reissued: 0, failed: 0 };
function handlers(provision: Handlers['station.provision']): Handlers {
  return {
    'station.listPorts': () => ({ ports: [{ path: PORT, vendorId: null, productId: null, manufacturer: null, serialNumber: null, simulated: true, busy: false, ...AUTO_DRIVER }] }),
    'station.status': () => ({ autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: null }),
    'settings.get': () => ({ ...DEFAULT_SETTINGS, sounds: false }),
    'simulator.status': () => ({ enabled: true, devices: [] }),
    'station.provision': provision,
  };
}

let uninstall: () => void = () => {};
let w: VueWrapper | undefined;
beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  w?.unmount();
  w = undefined;
  uninstall();
  document.body.innerHTML = '';
});

/**
 * Mount the Station; Provision replays `rec` (the rows after each event are
 * kept, keyed `step:state#n` for the n-th such event) and answers as the run did.
 */
async function provisionWith(rec: Recording) {
  const seen: { key: string; rows: string[] }[] = [];
  const count = new Map<string, number>();
  let fake!: Fake;
  fake = makeFake(handlers(async () => {
    for (const p of rec.progress) {
      fake.emit('station.progress', p);
      await nextTick();
      const key = `${p.step}:${p.state}`;
      count.set(key, (count.get(key) ?? 0) + 1);
      seen.push({ key: `${key}#${count.get(key)}`, rows: rows(w!) });
    }
    if (rec.outcome.result === 'failed') refuse(rec.outcome.code, rec.outcome.message);
    const runId = rec.progress[0]!.runId;
    return { runId, deviceId: rec.outcome.deviceId, serialHex: rec.outcome.serialHex, fingerprint: FP('a'), ledgerIndex: 0, reissued: false, durationMs: 5, ...CUSTODIAN_PROOFS };
  }));
  uninstall = install(fake);
  w = mount(StationView, { attachTo: document.body });
  await flushPromises();
  expect(rows(w)).toEqual(expected('waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'));
  await w.get('[data-testid="operator"]').setValue('alice');
  await w.get('[data-testid="provision"]').trigger('click');
  await flushPromises();
  const after = (key: string) => {
    const hit = seen.find((s) => s.key === key);
    if (!hit) throw new Error(`the recording has no ${key}`);
    return hit.rows;
  };
  return { w, fake, after };
}

describe('the step list follows the workflow: order from its transition table, states from its events', () => {
  it('lists connect, then the workflow\'s steps in the order a run meets them (keygen right after csr, check after both)', async () => {
    const { w } = await provisionWith(recorded('device with a key'));
    expect(ids(w)).toEqual(IDS);
    expect(w.findAll('[data-testid="step-list"] li .label').map((l) => l.text())).toEqual([...LABELS]);
  });

  it('(a) a device without a key: csr, then keygen, then csr again, then check — nothing is done before it ran', async () => {
    const rec = recorded('fresh device: no key, keygen after csr');
    const serial = rec.outcome.result === 'passed' ? rec.outcome.serialHex : '';
    const { w, after } = await provisionWith(rec);

    expect(after('csr:started#1')).toEqual(expected(
      'done', 'done', 'working', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'));
    // csr answered "no key": keygen runs next, check has not run.
    expect(after('keygen:started#1')).toEqual(expected(
      'done', 'done', 'done', 'working', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'));
    expect(after('csr:started#2')).toEqual(expected(
      'done', 'done', 'working', 'done', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'));
    expect(after('check:started#1')).toEqual(expected(
      'done', 'done', 'done', 'done', 'working', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'));
    expect(after('write:started#1')).toEqual(expected(
      'done', 'done', 'done', 'done', 'done', 'done', `done (serial ${serial})`, 'done', 'working', 'waiting', 'waiting', 'waiting'));

    expect(rows(w)).toEqual(expected(
      'done', 'done', 'done', 'done', 'done', 'done', `done (serial ${serial})`, 'done', 'done', 'done', 'done', 'done'));
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
  });

  it('a device that has a key: keygen shows as skipped once the run is past it, never as done', async () => {
    const rec = recorded('device with a key');
    const serial = rec.outcome.result === 'passed' ? rec.outcome.serialHex : '';
    const { w, after } = await provisionWith(rec);
    expect(after('csr:succeeded#1')).toEqual(expected(
      'done', 'done', 'done', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'));
    expect(after('check:started#1')).toEqual(expected(
      'done', 'done', 'done', 'skipped', 'working', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'));
    expect(rows(w)).toEqual(expected(
      'done', 'done', 'done', 'skipped', 'done', 'done', `done (serial ${serial})`, 'done', 'done', 'done', 'done', 'done'));
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
  });

  it('a repeat visit the check recognises (locked): the signing, writing and locking steps are skipped, not done', async () => {
    const { w } = await provisionWith(recorded('repeat visit: recognised and locked'));
    expect(rows(w)).toEqual(expected(
      'done', 'done', 'done', 'skipped', 'done', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'done'));
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
  });

  it('(b) a failure at csr: csr failed with its code, every later step not run', async () => {
    const rec = recorded('device with a key: bad CSR signature');
    expect(rec.outcome).toMatchObject({ result: 'failed', code: 'CSR_SIGNATURE_INVALID' });
    const { w } = await provisionWith(rec);
    expect(rows(w)).toEqual(expected(
      'done', 'done', 'failed (CSR_SIGNATURE_INVALID)', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run'));
    expect(w.get('[data-testid="result-word"]').text()).toBe('FAIL');
    expect(w.get('[data-testid="result-reason"]').text()).toBe(rec.outcome.result === 'failed' ? rec.outcome.message : '');
  });

  it('(b) a failure at csr after keygen: keygen done, csr failed, the rest not run', async () => {
    const { w } = await provisionWith(recorded('fresh device: keygen, then a bad CSR signature'));
    expect(rows(w)).toEqual(expected(
      'done', 'done', 'failed (CSR_SIGNATURE_INVALID)', 'done', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run'));
    expect(w.get('[data-testid="result-word"]').text()).toBe('FAIL');
  });

  it('a device whose key is refused: csr, keygen for a new key, csr again, then on to PASS', async () => {
    const rec = recorded('device with a refused key: csr refuses it, keygen makes a new one');
    const serial = rec.outcome.result === 'passed' ? rec.outcome.serialHex : '';
    const { w, after } = await provisionWith(rec);
    expect(after('keygen:started#1')).toEqual(expected(
      'done', 'done', 'done', 'working', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'));
    expect(rows(w)).toEqual(expected(
      'done', 'done', 'done', 'done', 'done', 'done', `done (serial ${serial})`, 'done', 'done', 'done', 'done', 'done'));
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
  });

  it('a read-back the device refuses: write done, verify failed with its code (the step it happened in)', async () => {
    const rec = recorded('read-back refused by the device: write done, verify failed');
    expect(rec.outcome).toMatchObject({ result: 'failed', code: 'DEVICE_ERROR_INTERNAL' });
    const serial = rec.progress.find((p) => p.step === 'sign' && p.state === 'succeeded')?.serialHex;
    const { w } = await provisionWith(rec);
    expect(rows(w)).toEqual(expected(
      'done', 'done', 'done', 'done', 'done', 'done', `done (serial ${serial})`, 'done', 'done', 'failed (DEVICE_ERROR_INTERNAL)', 'not run', 'not run'));
    expect(w.get('[data-testid="result-word"]').text()).toBe('FAIL');
  });

  it('follows events that arrive after the answer (the rows are never filled in from the verdict)', async () => {
    const rec = recorded('device with a key');
    const serial = rec.outcome.result === 'passed' ? rec.outcome.serialHex : '';
    let fake!: Fake;
    let late = () => {};
    fake = makeFake(handlers(() => {
      late = () => rec.progress.forEach((p) => fake.emit('station.progress', p));
      return { runId: rec.progress[0]!.runId, deviceId: 'dev-000102', serialHex: serial, fingerprint: FP('a'), ledgerIndex: 0, reissued: false, durationMs: 5, ...CUSTODIAN_PROOFS };
    }));
    uninstall = install(fake);
    w = mount(StationView, { attachTo: document.body });
    await flushPromises();
    await w.get('[data-testid="operator"]').setValue('alice');
    await w.get('[data-testid="provision"]').trigger('click');
    await flushPromises();
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
    expect(rows(w)).toEqual(expected(
      'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'));
    late();
    await nextTick();
    expect(rows(w)).toEqual(expected(
      'done', 'done', 'done', 'skipped', 'done', 'done', `done (serial ${serial})`, 'done', 'done', 'done', 'done', 'done'));
  });

  it('an auto-mode run shows the same rows and its verdict from the events alone', async () => {
    const fake = makeFake(handlers(() => refuse('API_NOT_AVAILABLE')));
    uninstall = install(fake);
    w = mount(StationView, { attachTo: document.body });
    await flushPromises();
    const auto = (rec: Recording) => rec.progress.forEach((p) => fake.emit('station.progress', { ...p, auto: true }));

    auto(recorded('device with a key: bad CSR signature'));
    await nextTick();
    expect(rows(w)).toEqual(expected(
      'done', 'done', 'failed (CSR_SIGNATURE_INVALID)', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run', 'not run'));
    expect(w.get('[data-testid="result-word"]').text()).toBe('FAIL');

    auto(recorded('repeat visit: recognised and locked'));
    await nextTick();
    expect(rows(w)).toEqual(expected(
      'done', 'done', 'done', 'skipped', 'done', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'done'));
    expect(w.get('[data-testid="result-word"]').text()).toBe('PASS');
    expect(fake.callsTo('station.provision')).toHaveLength(0);
  });
});
