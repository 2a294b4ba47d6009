import { describe, expect, it } from 'vitest';
import { frameRecord, type RecordBodies, type RecordType } from '../../electron/core/ledger';
import { decodeBody, decodeForIndex } from '../../electron/core/ledger/index-fields';

/** The record line as docs/ledger-format.md §2 defines it: t, n, at, the body's defined fields in order, cert last. */
function reference(t: string, n: number, at: string, body: object): string {
  const rec: Record<string, unknown> = { t, n, at };
  for (const [k, v] of Object.entries(body)) if (v !== undefined && k !== 'cert') rec[k] = v;
  const cert = (body as { cert?: string }).cert;
  if (cert !== undefined) rec.cert = cert;
  return JSON.stringify(rec);
}

const lineOf = (framed: Buffer): string => {
  expect(framed[0]).toBe(0);
  expect(framed[framed.length - 1]).toBe(0x0a);
  return framed.subarray(1, framed.length - 1).toString('utf8');
};

const HEX = 'ab'.repeat(32);
const intent: RecordBodies['intent'] = {
  deviceId: 'dev-"quoted"\\é', subject: 'CN=dev,O=Ünïcode \u2028 \ud83d\ude00', serialHex: '4f1c', spkiSha256: HEX, csrSha256: HEX, issuerFingerprint: HEX,
  profile: 'device-leaf', notBefore: '2026-03-02T10:15:00.000Z', notAfter: '2036-03-02T10:15:00.000Z', operator: 'op', workOrder: 'WO-1',
};

class Body { constructor(readonly intent: number, readonly result: string) {} }
class SerialisesItself extends Body { toJSON(): unknown { return { replaced: true }; } }

const cases: Array<[string, RecordType, object]> = [
  ['intent', 'intent', intent],
  ['intent without optional fields', 'intent', { ...intent, csrSha256: undefined, workOrder: undefined }],
  ['done', 'done', { intent: 1, deviceId: 'dev', serialHex: '4f1c', issuerFingerprint: HEX, certSha256: HEX, cert: 'MIIB+/=' }],
  ['outcome passed', 'outcome', { intent: 1, result: 'passed' }],
  ['outcome failed', 'outcome', { intent: 1, result: 'failed', code: 'X', message: 'line\nbreak "q"' }],
  ['cert not last', 'reconcile', { intent: 1, resolution: 'issued', cert: 'MIIB', operator: 'op', reason: 'r', serialHex: '01' }],
  ['undefined cert', 'reconcile', { intent: 1, resolution: 'abandoned', operator: 'op', reason: 'r', cert: undefined }],
  ['key t in body', 'config', { key: 'k', t: 'x', value: 1, operator: 'op' }],
  ['key n and at in body', 'config', { key: 'k', n: 9, at: 'then', value: 1, operator: 'op' }],
  ['integer-like key', 'config', { key: 'k', value: 1, operator: 'op', 7: 'seven' }],
  ['own toJSON', 'config', { key: 'k', value: 1, operator: 'op', toJSON: () => ({ other: true }) }],
  ['nested toJSON', 'config', { key: 'k', value: new Date(0), previous: { a: [1, null, 'x'] }, operator: 'op' }],
  ['class instance', 'outcome', new Body(3, 'passed')],
  ['class instance with toJSON', 'outcome', new SerialisesItself(3, 'passed')],
  ['null prototype', 'session', Object.assign(Object.create(null) as object, { operator: 'op', action: 'login' })],
  ['empty body', 'config', {}],
];

describe('frameRecord', () => {
  it.each(cases)('stores the line the format defines: %s', (_name, t, body) => {
    const at = '2026-03-02T10:15:00.000Z';
    expect(lineOf(frameRecord(t, 42, at, body as never))).toBe(reference(t, 42, at, body));
  });
});

describe('decodeBody', () => {
  it.each(cases.filter(([name]) => !/key|toJSON|instance|empty/.test(name)))('indexes an appended record as the next open reads it back: %s', (_name, t, body) => {
    const framed = frameRecord(t, 42, '2026-03-02T10:15:00.000Z', body as never);
    expect(decodeBody(t, 42, body)).toEqual(decodeForIndex(framed, 1, framed.length - 1));
  });

  it('leaves a mistyped field unset, so validateNext refuses the record', () => {
    expect(decodeBody('intent', 5, { ...intent, deviceId: 7 }).deviceId).toBeUndefined();
    expect(decodeBody('outcome', 5, { intent: '1', result: 'passed' }).intent).toBeNaN();
  });
});
