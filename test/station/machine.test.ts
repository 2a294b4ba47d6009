import { describe, expect, it } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import { INITIAL_STEP, MAIN_PATH, STEP_ORDER, TRANSITIONS, transition, type WorkflowState } from '../../electron/core/station/machine';
import * as shared from '../../electron/shared/workflow';
import { PROVISION_STEPS, ProvisionStep } from '../../electron/shared/events';
import { checkPolicy, decideIssuance, DEFAULT_ISSUANCE_POLICY, type IssuancePolicy } from '../../electron/core/station/policy';

describe('state machine as data', () => {
  it('every step can fail, and only into failed', () => {
    for (const step of STEP_ORDER) expect(transition(step, 'fail')).toBe('failed');
  });

  it('signing is reachable only through a recorded intent, and writing only after the record (or a reused recorded certificate)', () => {
    const into = (target: WorkflowState) =>
      STEP_ORDER.flatMap((from) => Object.entries(TRANSITIONS[from]).filter(([, to]) => to === target).map(([on]) => `${from}:${on}`));
    expect(into('sign')).toEqual(['intent:ok']);
    expect(into('record')).toEqual(['sign:ok']);
    expect(into('write').sort()).toEqual(['check:reuse', 'record:ok']);
    expect(into('passed')).toEqual(['done:ok']);
  });

  it('the happy path from identify ends in passed', () => {
    let s: WorkflowState = INITIAL_STEP;
    const seen: WorkflowState[] = [s];
    const script = ['ok', 'no-key', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'] as const;
    for (const o of script) seen.push((s = transition(s, o)));
    expect(seen).toEqual(['identify', 'csr', 'keygen', 'csr', 'check', 'intent', 'sign', 'record', 'write', 'verify', 'commit', 'done', 'passed']);
  });

  it('is the one table the UI reads: shared/workflow.ts, re-exported, not copied', () => {
    expect(TRANSITIONS).toBe(shared.TRANSITIONS);
    expect(STEP_ORDER).toBe(shared.STEP_ORDER);
  });

  it('derives the order a run meets the steps from the table: the ok path, keygen where csr branches to it', () => {
    expect(MAIN_PATH).toEqual(['identify', 'csr', 'check', 'intent', 'sign', 'record', 'write', 'verify', 'commit', 'done']);
    expect(STEP_ORDER).toEqual(['identify', 'csr', 'keygen', 'check', 'intent', 'sign', 'record', 'write', 'verify', 'commit', 'done']);
    expect([...STEP_ORDER].sort()).toEqual(Object.keys(TRANSITIONS).sort()); // every step once
    // The UI's steps (station.progress) are connect, then exactly these, in this order.
    expect(PROVISION_STEPS).toEqual(['connect', ...STEP_ORDER]);
    expect(ProvisionStep.options).toEqual(['connect', ...STEP_ORDER]);
  });

  it('refuses transitions that are not in the table, and anything out of a terminal state', () => {
    for (const [from, on] of [['identify', 'recognised'], ['sign', 'reuse'], ['passed', 'ok'], ['failed', 'ok']] as const) {
      let err: unknown;
      try { transition(from, on); } catch (e) { err = e; }
      expect(isCustodianError(err, 'WORKFLOW_ILLEGAL_TRANSITION')).toBe(true);
    }
  });
});

describe('issuance policy', () => {
  const facts = { deviceId: 'd1', keyAlgorithm: 'P-256', spkiSha256: 'a'.repeat(64), issuerFingerprint: 'f'.repeat(64), sameKey: [], now: new Date() };
  const prior = { deviceId: 'd1', serialHex: '40aa', issuerFingerprint: 'f'.repeat(64), spkiSha256: 'b'.repeat(64), certificateDer: new Uint8Array(1), issuedAt: '' };

  it('rejects an inconsistent policy', () => {
    expect(() => checkPolicy({ ...DEFAULT_ISSUANCE_POLICY, validityDays: 0 })).toThrow(/validityDays/);
    expect(() => checkPolicy({ ...DEFAULT_ISSUANCE_POLICY, allowedKeyTypes: ['P-384'] })).toThrow(/keygen algorithm/);
    // A policy read from a file may name a type pki's key policy does not have.
    const foreign = ['P-256', 'RSA-8192'] as unknown as IssuancePolicy['allowedKeyTypes'];
    expect(() => checkPolicy({ ...DEFAULT_ISSUANCE_POLICY, allowedKeyTypes: foreign })).toThrow(/names RSA-8192, not among the device key types/);
  });

  it('signs a first certificate, requires a reason for another key, reuses the same key', () => {
    expect(decideIssuance(DEFAULT_ISSUANCE_POLICY, { ...facts, prior: [] }, () => true)).toEqual({ kind: 'sign', reissue: false });
    expect(() => decideIssuance(DEFAULT_ISSUANCE_POLICY, { ...facts, prior: [prior] }, () => true)).toThrow(/reason/);
    expect(decideIssuance(DEFAULT_ISSUANCE_POLICY, { ...facts, prior: [prior], reissueReason: ' RMA ' }, () => true)).toEqual({ kind: 'sign', reissue: true, reissueReason: 'RMA' });
    const same = { ...prior, spkiSha256: facts.spkiSha256 };
    expect(decideIssuance(DEFAULT_ISSUANCE_POLICY, { ...facts, prior: [same] }, () => true).kind).toBe('reuse');
    // An expired or foreign recorded certificate is not reused: that is a re-issue.
    expect(() => decideIssuance(DEFAULT_ISSUANCE_POLICY, { ...facts, prior: [same] }, () => false)).toThrow(/reason/);
  });

  it('refuses a key already certified for another device ID, whatever the reason; the same ID with its own key is reused', () => {
    const other = { ...prior, deviceId: 'd0', serialHex: '40bb', spkiSha256: facts.spkiSha256 };
    for (const f of [{ ...facts, prior: [], sameKey: [other] }, { ...facts, prior: [prior], sameKey: [other], reissueReason: 'RMA swap' }]) {
      let err: unknown;
      try { decideIssuance(DEFAULT_ISSUANCE_POLICY, f, () => true); } catch (e) { err = e; }
      expect(isCustodianError(err, 'POLICY_KEY_ALREADY_CERTIFIED')).toBe(true);
      expect((err as Error).message).toMatch(/already certified for device d0 \(serial 40bb\).*cloned secure element/);
      expect((err as { details: unknown }).details).toMatchObject({ deviceId: 'd1', certifiedFor: [{ deviceId: 'd0', serialHex: '40bb' }] });
    }
    const same = { ...prior, spkiSha256: facts.spkiSha256 };
    expect(decideIssuance(DEFAULT_ISSUANCE_POLICY, { ...facts, prior: [same], sameKey: [same] }, () => true).kind).toBe('reuse');
  });

  it('refuses a key type outside the allowed list', () => {
    let err: unknown;
    try { decideIssuance({ ...DEFAULT_ISSUANCE_POLICY, allowedKeyTypes: ['P-384'] }, { ...facts, prior: [] }, () => true); } catch (e) { err = e; }
    expect(isCustodianError(err, 'POLICY_KEY_TYPE_NOT_ALLOWED')).toBe(true);
  });
});
