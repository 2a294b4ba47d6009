/**
 * The audit never crashes: whatever is wrong with a bundle's files, `custodian
 * audit` ends in exit 0 (a clean report) or exit 7 (AUDIT_FAILED with its
 * findings), never exit 1. Each class of malformed entry has its own case; a
 * seeded fast-check run then applies random mutations (byte flips,
 * truncation, lines deleted, duplicated or swapped, fields given another
 * type or removed, lines replaced by other JSON) to a bundle the real ledger wrote.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, LedgerRecorder, openStationLedger } from '../../electron/core/ledger';
import { runInProcess } from '../cli/helpers';
import { makeHierarchy, makeLeaf, tempDir } from './helpers';
import { exportBundle, lines, makeStation, writeLines, writeRoot } from './station-fixture';

/** The catch-all kind the audit reports when a bundle defeats its specific checks: the fuzz must never reach it. */
const CATCH_ALL = 'AUDIT_UNCHECKED';
const FILES = ['entries.jsonl', 'checkpoint', 'checkpoints.jsonl', 'ledger.vkey', 'chain.pem'] as const;

let pristine: string;
let rootPem: string;
let original: Record<string, Buffer>;

interface Finding { kind: string; severity: string; message: string; index?: number }
interface Outcome { status: number; code?: string; findings: Finding[]; stderr: string }

async function runAudit(bundle: string, extra: string[] = []): Promise<Outcome> {
  const r = await runInProcess(['audit', bundle, '--root', rootPem, ...extra, '--json']);
  let j: { error?: { code: string; details?: { report?: { findings: Finding[] } } }; findings?: Finding[] } = {};
  try { j = JSON.parse(r.stdout) as typeof j; } catch { /* not JSON: the assertions below report it */ }
  return { status: r.status, ...(j.error ? { code: j.error.code } : {}), findings: j.error?.details?.report?.findings ?? j.findings ?? [], stderr: r.stderr + r.stdout.slice(0, 2000) };
}

function copyBundle(): string {
  const dir = join(tempDir('fuzz-'), 'bundle');
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

/** The verdict every input must reach: 0 with a passing report, or 7 with AUDIT_FAILED and at least one error finding. */
function expectVerdict(o: Outcome, what: string): void {
  expect([0, 7], `${what}: ${o.stderr}`).toContain(o.status);
  if (o.status === 7) {
    expect(o.code, what).toBe('AUDIT_FAILED');
    expect(o.findings.filter((f) => f.severity === 'error').length, what).toBeGreaterThan(0);
  }
  expect(o.findings.map((f) => f.kind), what).not.toContain(CATCH_ALL);
}

beforeAll(async () => {
  const ca = await makeHierarchy();
  rootPem = writeRoot(ca.root);
  const s = await makeStation('fz', ca.custodian, ca.factory, ['dev-1', 'dev-2']);
  {
    // More record types: a signing failure, a device failure, a reconciled intent and a verification certificate.
    const { ledger, recorder } = openStationLedger({ dir: s.ledgerDir, stationId: 'fz' });
    const f = await makeLeaf(ca.custodian, 'dev-3');
    await recorder.recordFailed(await recorder.recordIntent(f.intent), { code: 'INTERNAL', message: 'signer fault' });
    const g = await makeLeaf(ca.custodian, 'dev-4');
    const h = await recorder.recordIntent(g.intent);
    await recorder.recordIssued(h, g.der);
    await recorder.recordOutcome(h, { result: 'failed', code: 'DEVICE_TIMEOUT', message: 'no answer' });
    const lost = await makeLeaf(ca.custodian, 'dev-5');
    await recorder.recordIntent(lost.intent);
    ledger.close();
    const l2 = Ledger.open({ dir: s.ledgerDir });
    const r2 = new LedgerRecorder(l2);
    await r2.reconcile(r2.unreconciled()[0]!.index, { resolution: 'issued', operator: 'op-1', reason: 'found on the device', certificateDer: lost.der });
    const pop = await makeLeaf(ca.custodian, 'verification-XYZ');
    await r2.recordVerificationCertificate(pop.der, { purpose: 'hub-proof-of-possession', issuerFingerprint: ca.custodian.fingerprint, operator: 'op-1' });
    l2.close();
  }
  pristine = await exportBundle(s);
  original = Object.fromEntries(FILES.map((f) => [f, readFileSync(join(pristine, f))]));
});

describe('audit of malformed entries', () => {
  it('the pristine bundle audits clean (so each failure below is caused by its edit)', async () => {
    const o = await runAudit(copyBundle(), ['--strict']);
    expect(o.findings).toEqual([]);
    expect(o.status).toBe(0);
  });

  /** Each edit, and the entry whose ENTRY_MALFORMED finding it must produce. */
  const edits: [string, (ls: string[]) => string[], number | 'reconcile' | 'verification-cert'][] = [
    ['a line that is not JSON', (ls) => { ls[3] = '{"t":"done","n":3,'; return ls; }, 3],
    ['a line that is a JSON number', (ls) => { ls[3] = '42'; return ls; }, 3],
    ['a line that is a JSON string', (ls) => { ls[3] = '"done"'; return ls; }, 3],
    ['a line that is null', (ls) => { ls[3] = 'null'; return ls; }, 3],
    ['a line that is an array', (ls) => { ls[3] = '[{"t":"done"}]'; return ls; }, 3],
    ['an empty line', (ls) => { ls[3] = ''; return ls; }, 3],
    ['a done record whose cert is a number', (ls) => { ls[3] = retype(ls[3]!, 'cert', 7); return ls; }, 3],
    ['a done record whose intent is a string', (ls) => { ls[3] = retype(ls[3]!, 'intent', '2'); return ls; }, 3],
    ['a done record without its cert', (ls) => { ls[3] = retype(ls[3]!, 'cert', undefined); return ls; }, 3],
    ['an intent whose subject is an object', (ls) => { ls[2] = retype(ls[2]!, 'subject', { CN: 'dev-1' }); return ls; }, 2],
    ['an intent without a device ID', (ls) => { ls[2] = retype(ls[2]!, 'deviceId', undefined); return ls; }, 2],
    ['a record whose time is a number', (ls) => { ls[3] = retype(ls[3]!, 'at', 1); return ls; }, 3],
    ['a record whose index is a string', (ls) => { ls[3] = retype(ls[3]!, 'n', '3'); return ls; }, 3],
    ['a record with an unknown type', (ls) => { ls[4] = retype(ls[4]!, 't', 'teleport'); return ls; }, 4],
    ['a genesis whose vkey is an array', (ls) => { ls[0] = retype(ls[0]!, 'vkey', ['x']); return ls; }, 0],
    ['a reconcile whose cert is an object', (ls) => { const i = ls.findIndex((l) => l.includes('"t":"reconcile"')); ls[i] = retype(ls[i]!, 'cert', {}); return ls; }, 'reconcile'],
    ['a verification certificate whose subject is null', (ls) => { const i = ls.findIndex((l) => l.includes('"t":"verification-cert"')); ls[i] = retype(ls[i]!, 'subject', null); return ls; }, 'verification-cert'],
    ['an outcome whose result is true', (ls) => { ls[4] = retype(ls[4]!, 'result', true); return ls; }, 4],
    ['a done record pointing at a record that is not an intent', (ls) => { ls[3] = retype(ls[3]!, 'intent', 1); return ls; }, 3],
    ['every line deleted', () => [], 0],
  ];
  for (const [name, edit, at] of edits) {
    it(`${name}: AUDIT_FAILED with a finding`, async () => {
      const dir = copyBundle();
      const p = join(dir, 'entries.jsonl');
      const before = lines(p);
      const index = typeof at === 'number' ? at : before.findIndex((l) => l.includes(`"t":"${at}"`));
      writeLines(p, edit(before));
      const o = await runAudit(dir);
      expectVerdict(o, name);
      expect(o.status, name).toBe(7);
      expect(o.findings, name).toContainEqual(expect.objectContaining({ kind: 'AUDIT_ENTRY_MALFORMED', index }));
    });
  }

  it('a truncated entries file (cut inside a line) and an empty one', async () => {
    for (const cut of [original['entries.jsonl']!.length - 17, 5, 0]) {
      const dir = copyBundle();
      writeFileSync(join(dir, 'entries.jsonl'), original['entries.jsonl']!.subarray(0, cut));
      const o = await runAudit(dir);
      expectVerdict(o, `cut at ${cut}`);
      expect(o.status).toBe(7);
      expect(o.findings.map((f) => f.kind)).toContain('AUDIT_ENTRY_MALFORMED');
    }
  });

  it('a line longer than any entry the ledger writes is reported without being parsed', async () => {
    const dir = copyBundle();
    const p = join(dir, 'entries.jsonl');
    const ls = lines(p);
    ls[3] = `{"t":"done","n":3,"at":"2026-01-01T00:00:00Z","pad":"${'x'.repeat(17 << 20)}"}`;
    writeLines(p, ls);
    const o = await runAudit(dir);
    expectVerdict(o, 'huge line');
    expect(o.findings).toContainEqual(expect.objectContaining({ kind: 'AUDIT_ENTRY_MALFORMED', index: 3, message: expect.stringMatching(/longer than/) }));
  });

  it('a malformed line in the checkpoint history is a finding, not an unreadable bundle', async () => {
    const dir = copyBundle();
    const p = join(dir, 'checkpoints.jsonl');
    const ls = lines(p);
    ls.splice(1, 0, '{not json', '17');
    writeLines(p, ls);
    const o = await runAudit(dir);
    expectVerdict(o, 'history');
    expect(o.status).toBe(7);
    expect(o.findings.filter((f) => /checkpoints\.jsonl line [23]/.test(f.message))).toHaveLength(2);
  });
});

/** Set (or, with undefined, delete) one field of a JSON line, keeping the others in place. */
function retype(line: string, key: string, value: unknown): string {
  const r = JSON.parse(line) as Record<string, unknown>;
  if (value === undefined) delete r[key];
  else r[key] = value;
  return JSON.stringify(r);
}

type Mutation =
  | { kind: 'flip'; file: number; at: number; xor: number }
  | { kind: 'truncate'; file: number; at: number }
  | { kind: 'delete' | 'duplicate'; line: number }
  | { kind: 'swap'; line: number; other: number }
  | { kind: 'field'; line: number; key: number; value: unknown }
  | { kind: 'replace'; line: number; text: string };

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), file: fc.nat(FILES.length - 1), at: fraction, xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), file: fc.nat(FILES.length - 1), at: fraction }),
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), line: fraction }),
  fc.record({ kind: fc.constant('swap' as const), line: fraction, other: fraction }),
  fc.record({
    kind: fc.constant('field' as const), line: fraction, key: fc.nat(20),
    value: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.integer(), fc.constant(-1)),
  }),
  fc.record({ kind: fc.constant('replace' as const), line: fraction, text: fc.oneof(fc.json({ maxDepth: 2 }), fc.string()) }),
);

function apply(dir: string, m: Mutation): void {
  if (m.kind === 'flip' || m.kind === 'truncate') {
    const p = join(dir, FILES[m.file]!);
    const b = Buffer.from(readFileSync(p));
    const at = Math.floor(m.at * b.length);
    if (m.kind === 'flip') { if (b.length) b[at] = b[at]! ^ m.xor; writeFileSync(p, b); } else writeFileSync(p, b.subarray(0, at));
    return;
  }
  const p = join(dir, 'entries.jsonl');
  const ls = lines(p);
  if (!ls.length) return;
  const i = Math.floor(m.line * ls.length);
  switch (m.kind) {
    case 'delete': ls.splice(i, 1); break;
    case 'duplicate': ls.splice(i, 0, ls[i]!); break;
    case 'swap': { const j = Math.floor(m.other * ls.length); [ls[i], ls[j]] = [ls[j]!, ls[i]!]; break; }
    case 'replace': ls[i] = m.text.replace(/\n/g, ' '); break;
    case 'field': {
      let r: unknown;
      try { r = JSON.parse(ls[i]!); } catch { return; }
      if (!r || typeof r !== 'object' || Array.isArray(r)) return;
      const keys = Object.keys(r);
      const key = keys[m.key % keys.length]!;
      ls[i] = retype(ls[i]!, key, m.value);
      break;
    }
  }
  writeLines(p, ls);
}

function changed(dir: string, file: string): boolean {
  return !readFileSync(join(dir, file)).equals(original[file]!);
}

describe('audit fuzz', () => {
  it('random mutations of a real bundle always end in exit 0 or AUDIT_FAILED (exit 7) with findings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (ms, strict) => {
        const dir = copyBundle();
        for (const m of ms) apply(dir, m);
        const o = await runAudit(dir, strict ? ['--strict'] : []);
        expectVerdict(o, JSON.stringify(ms).slice(0, 300));
        // A changed entries file or latest checkpoint can never pass.
        if (changed(dir, 'entries.jsonl') || changed(dir, 'checkpoint')) expect(o.status, JSON.stringify(ms).slice(0, 300)).toBe(7);
      }),
      { numRuns: 150, seed: 17, endOnFailure: true },
    );
  });
});
