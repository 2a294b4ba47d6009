import { describe, expect, it, vi } from 'vitest';
import {
  ApiCodes, EVENTS, EVENT_NAMES, ERROR_MESSAGES, METHODS, METHOD_NAMES, describeError, type MethodName,
} from '../../electron/shared/api';
import { CustodianError } from '../../electron/core/errors';
import { dispatch, type StationApiImpl } from '../../electron/core/service/dispatch';
import { SAMPLE_RESULTS, TOKEN_KEY_ARGS, laceWithKeys, setPath, stringPaths, throwawayKey, validArg } from '../support/api-samples';

function implReturning(results: (m: MethodName) => unknown): { impl: StationApiImpl; calls: MethodName[] } {
  const calls: MethodName[] = [];
  const impl = Object.fromEntries(METHOD_NAMES.map((m) => [m, vi.fn(async () => { calls.push(m); return results(m); })])) as unknown as StationApiImpl;
  return { impl, calls };
}

describe('method table', () => {
  it('lists exactly the methods and events that have schemas', () => {
    expect(Object.keys(METHODS).sort()).toEqual([...METHOD_NAMES].sort());
    expect(Object.keys(EVENTS).sort()).toEqual([...EVENT_NAMES].sort());
    expect(new Set(METHOD_NAMES).size).toBe(METHOD_NAMES.length);
  });

  it('every sample result satisfies its schema (the samples are meaningful)', () => {
    for (const m of METHOD_NAMES) {
      const r = METHODS[m].output.safeParse(SAMPLE_RESULTS[m]);
      expect(r.success, `${m}: ${r.success ? '' : JSON.stringify(r.error.issues)}`).toBe(true);
    }
  });
});

describe('dispatcher', () => {
  it('refuses an invalid argument for every method without reaching the service', async () => {
    const { impl, calls } = implReturning((m) => SAMPLE_RESULTS[m]);
    for (const m of METHOD_NAMES) {
      const r = await dispatch(impl, m, 42);
      expect(r.ok, m).toBe(false);
      if (!r.ok) expect(r.error.code).toBe(ApiCodes.INVALID_ARGUMENT);
    }
    expect(calls).toEqual([]);
  });

  it('refuses unknown fields in arguments (strict) and unknown method names', async () => {
    const { impl, calls } = implReturning((m) => SAMPLE_RESULTS[m]);
    const r1 = await dispatch(impl, 'authority.unlock', { passphrase: 'x', path: '/etc/passwd' });
    expect(r1.ok || r1.error.code).toBe(ApiCodes.INVALID_ARGUMENT);
    const r2 = await dispatch(impl, 'authority.__proto__', undefined);
    expect(r2.ok || r2.error.code).toBe(ApiCodes.UNKNOWN_METHOD);
    const r3 = await dispatch(impl, 'toString', undefined);
    expect(r3.ok || r3.error.code).toBe(ApiCodes.UNKNOWN_METHOD);
    expect(calls).toEqual([]);
  });

  it('never echoes a rejected passphrase in the error', async () => {
    const { impl } = implReturning((m) => SAMPLE_RESULTS[m]);
    const secret = 'S3cret-passphrase-'.repeat(100); // too long → rejected
    const r = await dispatch(impl, 'authority.unlock', { passphrase: secret });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('S3cret');
  });

  it('takes a token (URI + PIN) for a new CA key, refuses a bad one without echoing its PIN, and never both a token and a passphrase', async () => {
    const { impl, calls } = implReturning((m) => SAMPLE_RESULTS[m]);
    for (const [m, arg] of Object.entries(TOKEN_KEY_ARGS) as [keyof typeof TOKEN_KEY_ARGS, (typeof TOKEN_KEY_ARGS)[keyof typeof TOKEN_KEY_ARGS]][]) {
      expect((await dispatch(impl, m, arg)).ok, m).toBe(true);
      const secret = 'P1n-secret-'.repeat(20); // too long → rejected
      const tooLong = await dispatch(impl, m, { ...arg, token: { ...arg.token, pin: secret } });
      expect(tooLong.ok || tooLong.error.code).toBe(ApiCodes.INVALID_ARGUMENT);
      expect(JSON.stringify(tooLong)).not.toContain('P1n-secret');
      const notUri = await dispatch(impl, m, { ...arg, token: { ...arg.token, uri: '/usr/lib/softhsm/libsofthsm2.so' } });
      expect(notUri.ok || notUri.error.code).toBe(ApiCodes.INVALID_ARGUMENT);
      const both = await dispatch(impl, m, { ...arg, passphrase: 'a long enough passphrase' });
      expect(both.ok || both.error.code).toBe(ApiCodes.INVALID_ARGUMENT);
      expect(JSON.stringify(both)).not.toContain(arg.token.pin);
    }
    expect(calls).toEqual(['authority.initRoot', 'authority.createRequest']);
  });

  it('strips key-like fields from every method result', async () => {
    const key = throwawayKey();
    const { impl } = implReturning((m) => laceWithKeys(SAMPLE_RESULTS[m], key.privatePem));
    for (const m of METHOD_NAMES) {
      const r = await dispatch(impl, m, validArg(m));
      expect(r.ok, `${m}: ${JSON.stringify(r)}`).toBe(true);
      const json = JSON.stringify(r);
      expect(json, m).not.toContain('PRIVATE KEY');
      expect(json, m).not.toContain('privateKey');
      expect(json, m).not.toContain('correct horse');
      expect(json).toBe(JSON.stringify({ ok: true, value: METHODS[m].output.parse(SAMPLE_RESULTS[m]) }));
    }
  });

  it('withholds a result that carries a PEM private key in any string field', async () => {
    const key = throwawayKey();
    let checked = 0;
    for (const m of METHOD_NAMES) {
      for (const path of stringPaths(SAMPLE_RESULTS[m])) {
        const leaked = setPath(SAMPLE_RESULTS[m], path, key.privatePem);
        const { impl } = implReturning(() => leaked);
        const r = await dispatch(impl, m, validArg(m));
        expect(r.ok, `${m} ${path.join('.')}`).toBe(false);
        if (!r.ok) expect(r.error.code).toBe(ApiCodes.INVALID_RESULT);
        expect(JSON.stringify(r)).not.toContain('PRIVATE KEY');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('maps a CustodianError to its code and an unexpected error to INTERNAL without stack or text', async () => {
    const typed = implReturning(() => { throw new CustodianError('VAULT_BAD_PASSPHRASE', 'The passphrase is not correct.', { attempts: 1 }); });
    const r1 = await dispatch(typed.impl, 'authority.status', undefined);
    expect(r1).toEqual({ ok: false, error: { code: 'VAULT_BAD_PASSPHRASE', message: 'The passphrase is not correct.', details: { attempts: 1 } } });

    const boom = implReturning(() => { throw new Error('ENOENT /home/op/.custodian/ca.key at Object.<anonymous>'); });
    const r2 = await dispatch(boom.impl, 'authority.status', undefined);
    expect(r2).toEqual({ ok: false, error: { code: 'INTERNAL', message: describeError('INTERNAL'), details: {} } });

    const leakyDetails = implReturning(() => { throw new CustodianError('AUTHORITY_X', 'x', { key: throwawayKey().privatePem }); });
    const r3 = await dispatch(leakyDetails.impl, 'authority.status', undefined);
    expect(r3.ok || r3.error.details).toEqual({});
  });
});

describe('error messages', () => {
  it('has a plain message for every API code and falls back by area', () => {
    for (const code of Object.values(ApiCodes)) expect(ERROR_MESSAGES[code], code).toBeTruthy();
    expect(describeError('CHAIN_SOMETHING_NEW')).toMatch(/chain/i);
    expect(describeError('NO_SUCH_AREA_X')).toBe(ERROR_MESSAGES.INTERNAL);
    for (const msg of Object.values(ERROR_MESSAGES)) {
      expect(msg).not.toMatch(/\bat .*\(|Error:|undefined/);
      expect(msg.endsWith('.')).toBe(true);
    }
  });
});


describe('every published core error code has a plain message', () => {
  it('maps each code of the core areas to an exact or area message (never the generic fallback)', async () => {
    const modules = await Promise.all([
      import('../../electron/core/authority/codes'), import('../../electron/core/vault/codes'), import('../../electron/core/station/codes'),
      import('../../electron/core/device/codes'), import('../../electron/core/ledger/codes'), import('../../electron/core/pki/codes'), import('../../electron/core/input-codes'),
      import('../../electron/core/token/codes'), import('../../electron/core/workorder/codes'), import('../../electron/core/lifecycle/codes'),
    ]);
    const codes = new Set<string>();
    const collect = (v: unknown): void => {
      if (typeof v === 'string' && /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(v)) codes.add(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    modules.forEach(collect);
    expect(codes.size).toBeGreaterThan(50);
    const generic = [...codes].filter((c) => describeError(c) === ERROR_MESSAGES.INTERNAL);
    expect(generic).toEqual([]);
  });
});
