/**
 * Every tampering named in the issue is caught twice: by the station (exit 7,
 * LEDGER_TAMPERED) and by the brand owner's offline `custodian audit` of an
 * exported bundle (exit 7). The station catches it either when it opens its
 * ledger (`custodian ledger status`: the index, its first and last entry and
 * the entries after it against the checkpoints) or, for an edit inside the
 * indexed entries that leaves the index as it was, by the full verification
 * (`custodian ledger verify`, the app's background check); each case says which.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, loadLedgerKeyForTests, signCheckpoint, MerkleTree, leafHash } from './tamper-support';
import { makeHierarchy, tempDir, type TestCa } from './helpers';
import { audit, cli, cloneStation, exportBundle, lines, makeStation, writeLines, writeRoot, type Station } from './station-fixture';

let ca: { root: TestCa; factory: TestCa; custodian: TestCa };
let pristine: Station;
let rootPem: string;

beforeAll(async () => {
  ca = await makeHierarchy();
  pristine = await makeStation('a', ca.custodian, ca.factory, ['dev-001', 'dev-002', 'dev-003', 'dev-004']);
  rootPem = writeRoot(ca.root);
});

/**
 * The station opening its ledger for writing (as the app does), and `custodian
 * ledger status`; both must agree. If open passes, `custodian ledger verify`.
 * `caughtBy` says which caught it (null: neither).
 */
async function stationOpen(s: Station) {
  let openCode: string | undefined;
  try { Ledger.open({ dir: s.ledgerDir, readOnly: false }).close(); } catch (e) { openCode = (e as { code?: string }).code ?? 'UNEXPECTED'; }
  const r = await cli(['--home', s.home, 'ledger', 'status', '--json']);
  const code = (r.json as { error?: { code: string } }).error?.code;
  expect(code).toBe(openCode);
  if (code) return { status: r.status, code, caughtBy: 'open' };
  const v = await cli(['--home', s.home, 'ledger', 'verify', '--json']);
  const vcode = (v.json as { error?: { code: string } }).error?.code;
  return { status: v.status, code: vcode, caughtBy: vcode ? 'verify' : null };
}

const atOpen = { status: 7, code: 'LEDGER_TAMPERED', caughtBy: 'open' };
const byVerify = { status: 7, code: 'LEDGER_TAMPERED', caughtBy: 'verify' };
const clean = { status: 0, code: undefined, caughtBy: null };

/** Apply the same edit to a fresh station copy and to a fresh clean bundle of it. */
async function tamperBoth(edit: (entriesPath: string) => void) {
  const s = cloneStation(pristine); // never opened before the edit: tampered exactly as the station left it
  const bundle = await exportBundle(cloneStation(pristine));
  edit(join(s.ledgerDir, 'entries.jsonl'));
  edit(join(bundle, 'entries.jsonl'));
  return { station: await stationOpen(s), audit: await audit([bundle], rootPem) };
}

describe('untampered', () => {
  it('opens and audits clean, so every failure below is caused by the tampering', async () => {
    const s = cloneStation(pristine);
    expect(await stationOpen(s)).toEqual(clean);
    const { status, report } = await audit([await exportBundle(s)], rootPem);
    expect(report.findings).toEqual([]);
    expect(status).toBe(0);
    expect(report.stations[0]).toMatchObject({ issued: 4, entries: 14 });
  });
});

describe('tampered entries', () => {
  it('a byte flipped in any entry: in the first or last by open (it reads their bytes), in any other by verify', async () => {
    const n = lines(join(pristine.ledgerDir, 'entries.jsonl')).length;
    for (let i = 0; i < n; i++) {
      const r = await tamperBoth((p) => {
        const ls = lines(p);
        const b = Buffer.from(ls[i]!);
        const at = Math.floor(b.length / 2);
        b[at] = b[at]! ^ 0x01;
        ls[i] = b.toString('latin1');
        writeLines(p, ls);
      });
      expect(r.station, `entry ${i}`).toEqual(i === 0 || i === n - 1 ? atOpen : byVerify);
      expect(r.audit.status, `entry ${i}`).toBe(7);
      expect(r.audit.report.findings.length).toBeGreaterThan(0);
    }
  });

  it('an entry deleted (in the middle and at the end): by open (the log is shorter than the index, which is rebuilt)', async () => {
    for (const which of [5, -1]) {
      const r = await tamperBoth((p) => { const ls = lines(p); ls.splice(which, 1); writeLines(p, ls); });
      expect(r.station).toEqual(atOpen);
      expect(r.audit.status).toBe(7);
      expect(r.audit.report.findings.map((f) => f.kind)).toContain('AUDIT_CHECKPOINT_INCONSISTENT');
    }
  });

  it('two entries swapped: by verify (same length, the index still matches the checkpoint)', async () => {
    const r = await tamperBoth((p) => {
      const ls = lines(p);
      [ls[3], ls[4]] = [ls[4]!, ls[3]!];
      writeLines(p, ls);
    });
    expect(r.station).toEqual(byVerify);
    expect(r.audit.status).toBe(7);
    expect(r.audit.report.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['AUDIT_SEQUENCE', 'AUDIT_CHECKPOINT_INCONSISTENT']));
  });
});

/**
 * The station rewrites its own history with its own ledger key: it cuts the
 * tail (hiding devices 3 and 4) and signs a fresh, self-consistent history.
 */
function rewriteHistory(s: Station, keep: number, opts: { scrubHistory: boolean; scrubCosigned: boolean }) {
  const dir = s.ledgerDir;
  const ls = lines(join(dir, 'entries.jsonl')).slice(0, keep);
  writeLines(join(dir, 'entries.jsonl'), ls);
  const signer = loadLedgerKeyForTests(dir);
  const tree = new MerkleTree();
  const history: string[] = [];
  for (const l of ls) {
    tree.appendLeafHash(leafHash(Buffer.from(l)));
    history.push(signCheckpoint({ origin: signer.name, size: tree.size, root: tree.root(), extensions: [] }, signer));
  }
  writeFileSync(join(dir, 'checkpoint'), history[history.length - 1]!);
  if (opts.scrubHistory) writeLines(join(dir, 'checkpoints.jsonl'), history.map((h) => JSON.stringify(h)));
  if (opts.scrubCosigned) rmSync(join(dir, 'cosigned.jsonl'), { force: true });
}

describe('history rewritten by the station itself (tail truncated, checkpoint re-signed smaller)', () => {
  it('is caught on open from the checkpoint history, and by the audit from the auditor\'s trusted checkpoint', async () => {
    // First collection: the auditor accepts the bundle and keeps its checkpoint.
    const s = cloneStation(pristine);
    const trusted = join(tempDir('trusted-'), 'trusted.jsonl');
    const first = await audit([await exportBundle(s)], rootPem, ['--save-checkpoints', trusted]);
    expect(first.status).toBe(0);

    // Naive rewrite: the old checkpoint history still shows the larger tree.
    const naive = cloneStation(s);
    rewriteHistory(naive, 8, { scrubHistory: false, scrubCosigned: true });
    expect(await stationOpen(naive)).toEqual(atOpen);

    // Thorough rewrite: history re-signed too. The bundle alone is self-consistent…
    rewriteHistory(s, 8, { scrubHistory: true, scrubCosigned: true });
    expect(await stationOpen(s)).toEqual(clean);
    const second = await exportBundle(s);
    expect((await audit([second], rootPem)).status).toBe(0);
    // …but not with the checkpoint the auditor accepted at the first collection.
    const caught = await audit([second], rootPem, ['--trusted-checkpoints', trusted]);
    expect(caught.status).toBe(7);
    expect(caught.report.findings.map((f) => f.kind)).toContain('AUDIT_TRUSTED_CHECKPOINT_INCONSISTENT');
  });

  it('a cosigned checkpoint handed back to the station makes the rewrite provable on open and in the audit', async () => {
    const s = cloneStation(pristine);
    const keyDir = join(tempDir('auditor-'), 'key');
    const kg = await cli(['audit', 'keygen', '--key', keyDir, '--name', 'audit.company-x.example/2026', '--json']);
    expect(kg.status).toBe(0);
    const cosignerVkey = (kg.json as { vkey: string }).vkey;
    const cosignedFile = join(tempDir('cosigned-'), 'checkpoint.cosigned');
    const cs = await cli(['audit', 'cosign', await exportBundle(s), '--root', rootPem, '--key', keyDir, '--out', cosignedFile, '--json']);
    expect(cs.status).toBe(0);
    const add = await cli(['--home', s.home, 'ledger', 'add-cosigned', cosignedFile, '--cosigner', cosignerVkey, '--json']);
    expect(add.status).toBe(0);

    // The station rewrites entries and history but keeps its stored cosigned checkpoint: open refuses.
    const keeps = cloneStation(s);
    rewriteHistory(keeps, 8, { scrubHistory: true, scrubCosigned: false });
    expect(await stationOpen(keeps)).toEqual(atOpen);

    // It scrubs that too: the audit given the cosigned checkpoint still flags it.
    rewriteHistory(s, 8, { scrubHistory: true, scrubCosigned: true });
    const bundle = await exportBundle(s);
    const caught = await audit([bundle], rootPem, ['--trusted-checkpoints', cosignedFile, '--cosigner', cosignerVkey]);
    expect(caught.status).toBe(7);
    expect(caught.report.findings.map((f) => f.kind)).toContain('AUDIT_TRUSTED_CHECKPOINT_INCONSISTENT');
  });

  it('a same-size rewrite (one entry altered, everything re-signed) is caught by the trusted checkpoint', async () => {
    const s = cloneStation(pristine);
    const trusted = join(tempDir('trusted-'), 'trusted.jsonl');
    expect((await audit([await exportBundle(s)], rootPem, ['--save-checkpoints', trusted])).status).toBe(0);
    const p = join(s.ledgerDir, 'entries.jsonl');
    const ls = lines(p);
    ls[13] = ls[13]!.replace('"result":"passed"', '"result":"failed"');
    writeLines(p, ls);
    rewriteHistory(s, ls.length, { scrubHistory: true, scrubCosigned: true });
    const r = await audit([await exportBundle(s)], rootPem, ['--trusted-checkpoints', trusted]);
    expect(r.status).toBe(7);
    expect(r.report.findings.map((f) => f.kind)).toContain('AUDIT_TRUSTED_CHECKPOINT_INCONSISTENT');
  });
});

describe('certificates the ledgers do not account for', () => {
  it('a certificate observed in the field but in no ledger', async () => {
    const { makeLeaf } = await import('./helpers');
    const rogue = await makeLeaf(ca.custodian, 'dev-rogue');
    const observed = tempDir('observed-');
    writeFileSync(join(observed, 'dev-001.der'), pristine.devices[0]!.der);
    const bundle = await exportBundle(cloneStation(pristine));
    expect((await audit([bundle], rootPem, ['--observed', observed])).status).toBe(0);
    writeFileSync(join(observed, 'rogue.der'), rogue.der);
    const r = await audit([bundle], rootPem, ['--observed', observed]);
    expect(r.status).toBe(7);
    expect(r.report.findings).toEqual([expect.objectContaining({ kind: 'AUDIT_OBSERVED_NOT_LOGGED' })]);
    expect(r.report.findings[0]!.message).toContain('dev-rogue');
  });

  it('a duplicate serial (same issuer) and a duplicate device ID across two stations', async () => {
    const a = cloneStation(pristine);
    // Station B shares the installer CA (a cloned technician laptop) and reuses a serial of A.
    const b = await makeStation('b', ca.custodian, ca.factory, ['dev-100', 'dev-002'], [pristine.devices[0]!.serialHex, undefined as unknown as string]);
    const bundles = [await exportBundle(a), await exportBundle(b)];
    expect((await audit([bundles[0]!], rootPem)).status).toBe(0);
    expect((await audit([bundles[1]!], rootPem)).status).toBe(0);
    const r = await audit(bundles, rootPem);
    expect(r.status).toBe(7);
    const kinds = r.report.findings.map((f) => f.kind);
    expect(kinds).toContain('AUDIT_DUPLICATE_SERIAL');
    expect(kinds).toContain('AUDIT_DUPLICATE_DEVICE');
  });

  it('a certificate that does not chain to the given root', async () => {
    const other = await makeHierarchy('Rogue-Technician');
    const s = await makeStation('c', other.custodian, other.factory, ['dev-200']);
    const r = await audit([await exportBundle(s)], rootPem);
    expect(r.status).toBe(7);
    expect(r.report.findings.map((f) => f.kind)).toContain('AUDIT_CHAIN_INVALID');
    // Validated by the certificate engine's validateChain, which names the cause.
    expect(r.report.findings.find((f) => f.kind === 'AUDIT_CHAIN_INVALID')!.message).toMatch(/CHAIN_[A-Z_]+/);
  });
});

describe('station open', () => {
  it('refuses a ledger whose latest checkpoint was re-signed by another key (at open)', async () => {
    const s = cloneStation(pristine);
    const cp = readFileSync(join(s.ledgerDir, 'checkpoint'), 'utf8');
    writeFileSync(join(s.ledgerDir, 'checkpoint'), cp.replace(/ [A-Za-z0-9+/]{20}/, ' AAAAAAAAAAAAAAAAAAAA'));
    writeLines(join(s.ledgerDir, 'checkpoints.jsonl'), []);
    expect(() => Ledger.open({ dir: s.ledgerDir })).toThrow(expect.objectContaining({ code: 'LEDGER_TAMPERED' }));
  });
});
