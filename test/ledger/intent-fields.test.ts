/**
 * parseIntentFields checks an intent by hand before (instead of) zod; it must
 * give exactly IntentFields.safeParse's answer: the same success, the same
 * body (and so the same stored bytes), the same issues.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IntentFields, encodeRecord, parseIntentFields } from '../../electron/core/ledger';

const valid = {
  deviceId: 'dev-001', subject: 'CN=dev-001', serialHex: '4f1c', spkiSha256: 'a'.repeat(64), csrSha256: 'b'.repeat(64),
  issuerFingerprint: 'c'.repeat(64), profile: 'device-leaf', notBefore: '2026-03-02T10:15:00.000Z', notAfter: '2036-03-02T10:15:00.000Z',
  operator: 'op-1', workOrder: 'WO-17', reissueReason: 'replaced board',
};
type Key = keyof typeof valid;
const KEYS = Object.keys(valid) as Key[];

/** Values near every rule's edges: empty, the length limits, wrong case, wrong type, unparseable time. */
const edgeValue = fc.oneof(
  fc.constantFrom('', 'x', 'x'.repeat(128), 'x'.repeat(129), 'x'.repeat(1024), 'x'.repeat(1025), 'f'.repeat(40), 'f'.repeat(41),
    'a'.repeat(64), 'A'.repeat(64), 'a'.repeat(63), '0', 'DEAD', 'not a time', '2026-13-40', undefined, null, 7, {}, ['a']),
  fc.string(),
);

const mutated = fc.record({
  drop: fc.subarray(KEYS),
  set: fc.dictionary(fc.constantFrom(...KEYS), edgeValue),
  extra: fc.option(fc.constantFrom('t', 'n', 'cert', 'constructor', 'extra'), { nil: undefined }),
  reorder: fc.boolean(),
}).map(({ drop, set, extra, reorder }) => {
  const o: Record<string, unknown> = { ...valid, ...set };
  for (const k of drop) delete o[k];
  if (extra) o[extra] = 'x';
  return reorder ? Object.fromEntries(Object.entries(o).reverse()) : o;
});

function sameAnswer(input: unknown): void {
  const zod = IntentFields.safeParse(input);
  const ours = parseIntentFields(input);
  expect(ours.success).toBe(zod.success);
  if (zod.success && ours.success) {
    expect(ours.data).toEqual(zod.data);
    // Same bytes on disk: key order follows the schema, whatever the caller's order.
    expect(encodeRecord('intent', 1, valid.notBefore, ours.data).equals(encodeRecord('intent', 1, valid.notBefore, zod.data))).toBe(true);
  } else {
    expect(ours.error?.issues).toEqual(zod.error?.issues);
  }
}

describe('parseIntentFields', () => {
  it('gives zod\'s answer for the workflow\'s intents, with and without the optional fields', () => {
    sameAnswer(valid);
    const { csrSha256: _c, workOrder: _w, reissueReason: _r, ...required } = valid;
    sameAnswer(required);
    sameAnswer({ ...required, workOrder: undefined });
    expect(parseIntentFields(valid).success).toBe(true);
  });

  it('gives zod\'s answer for non-objects and odd objects', () => {
    for (const v of [null, undefined, 1, 'intent', [], [valid], new Date(), Object.create(valid) as unknown, Object.assign(Object.create(null) as object, valid)]) sameAnswer(v);
  });

  it('gives zod\'s answer for intents with fields dropped, set to edge values, added or reordered', () => {
    fc.assert(fc.property(mutated, (input) => sameAnswer(input)), { numRuns: 2000 });
  });
});
