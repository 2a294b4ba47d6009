/**
 * The checkpoint key: a ledger whose key is locked keeps every entry and signs
 * the deferred checkpoint at unlock; a key-rotation record moves the ledger to
 * a new key, vouched for by the old one, and the audit checks each checkpoint
 * under the key in force at its size. A rotation the old key never covered is
 * a finding.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AuditFindings, KEY_FILE, KeySchedule, Ledger, LedgerCodes, ed25519Signer, generateEd25519, openStationLedger,
  parseCheckpointBody, parseNote, privateKeyFromPkcs8, signCheckpoint, type NoteSigner,
} from '../../electron/core/ledger';
import { makeHierarchy, makeLeaf, tempDir, type TestCa } from './helpers';
import { audit, exportBundle, makeStation, writeRoot } from './station-fixture';

let ca: { root: TestCa; factory: TestCa; custodian: TestCa };
let rootPem: string;

beforeAll(async () => {
  ca = await makeHierarchy();
  rootPem = writeRoot(ca.root);
});

const signerFor = (origin: string): NoteSigner => ed25519Signer(origin, generateEd25519().privateKey);
const sizeOf = (note: string): number => parseCheckpointBody(parseNote(note).text).size;

describe('a locked checkpoint key', () => {
  it('keeps appending while locked and covers every entry at unlock; no plain key file is written', async () => {
    const dir = join(tempDir(), 'ledger');
    const signer = signerFor('custodian.station/locked');
    Ledger.create({ dir, stationId: 'locked', origin: signer.name, signer }).close();
    expect(existsSync(join(dir, KEY_FILE))).toBe(false);

    const l = Ledger.open({ dir, idleCheckpointMs: 0 });
    expect(l.keyLocked).toBe(true);
    const before = l.checkpoint.size;
    const r = l.append('authority-unlock-failed', { fingerprint: 'f'.repeat(64), operator: 'eve', code: 'VAULT_WRONG_PASSPHRASE', attempt: 1, delayMs: 0 });
    expect(r.checkpoint).toBeUndefined();
    const d = await l.appendDurable('session', { operator: 'eve', action: 'login' });
    expect(d.checkpoint).toBeUndefined();
    expect(() => l.signCheckpoint()).toThrow(expect.objectContaining({ code: LedgerCodes.KEY_LOCKED }));
    l.close(); // while locked: the tail waits for the next unlock

    const l2 = Ledger.open({ dir, idleCheckpointMs: 0 });
    expect(l2.size).toBe(before + 2);
    expect(l2.checkpoint.size).toBe(before);
    expect(() => l2.unlockKey(signerFor(signer.name))).toThrow(expect.objectContaining({ code: LedgerCodes.KEY_INVALID }));
    const note = l2.unlockKey(signer);
    expect(sizeOf(note!)).toBe(l2.size);
    expect(l2.uncovered).toBe(0);
    // Unlocked, the policy signs again at once.
    expect(l2.append('session', { operator: 'eve', action: 'logout' }).checkpoint).toBeDefined();
    l2.lockKey();
    expect(l2.append('session', { operator: 'eve', action: 'login' }).checkpoint).toBeUndefined();
    l2.unlockKey(signer);
    l2.close();
    expect(Ledger.open({ dir, readOnly: true }).uncovered).toBe(0);
  });
});

describe('key rotation', () => {
  it('verifies history before the rotation under the old key and after it under the new; export and audit are clean', async () => {
    const s = await makeStation('rot', ca.custodian, ca.factory, ['dev-1']);
    const { ledger, recorder } = openStationLedger({ dir: s.ledgerDir, stationId: 'rot' });
    const oldVkey = ledger.vkey;
    const next = signerFor(ledger.origin);
    const r = ledger.rotateKey(next, { location: 'sealed', operator: 'op-1' });
    expect(ledger.vkey).toBe(next.vkey);
    expect(ledger.vkeys).toEqual([oldVkey, next.vkey]);
    expect(readFileSync(join(s.ledgerDir, 'ledger.vkey'), 'utf8').trim()).toBe(next.vkey);
    const leaf = await makeLeaf(ca.custodian, 'dev-2');
    const h = await recorder.recordIntent(leaf.intent);
    await recorder.recordIssued(h, leaf.der);
    await recorder.recordOutcome(h, { result: 'passed' });
    ledger.close();

    const schedule = new KeySchedule(oldVkey);
    schedule.rotate(r.index, next.vkey);
    const history = Ledger.open({ dir: s.ledgerDir, readOnly: true }).history();
    const [oldP, newP] = schedule.periods as [typeof schedule.periods[0], typeof schedule.periods[0]];
    for (const note of history) {
      const size = sizeOf(note);
      if (size <= r.index) expect(schedule.signedBy(note, oldP, size), `size ${size}`).toBe(true);
      if (size > r.index + 1) expect(schedule.signedBy(note, newP, size), `size ${size}`).toBe(true);
      expect(() => schedule.open(note)).not.toThrow();
    }
    // Both keys sign the rotation's own size: the old one vouches for it, the new one takes over.
    expect(history.filter((n) => sizeOf(n) === r.index + 1).map((n) => schedule.signedBy(n, oldP, r.index + 1) ? 'old' : 'new')).toEqual(['old', 'new']);

    // The plain key left behind is not in force any more: the ledger opens locked.
    const reopened = Ledger.open({ dir: s.ledgerDir });
    expect(reopened.keyLocked).toBe(true);
    reopened.unlockKey(next);
    reopened.close();

    const bundle = await exportBundle(s);
    expect(readFileSync(join(bundle, 'ledger.vkeys'), 'utf8').trim().split('\n')).toEqual([oldVkey, next.vkey]);
    const a = await audit([bundle], rootPem);
    expect(a.report.findings).toEqual([]);
    expect(a.status).toBe(0);
  });

  it('finds a rotation that no checkpoint of the previous key covers', async () => {
    const s = await makeStation('forged', ca.custodian, ca.factory, ['dev-1']);
    const ledger = Ledger.open({ dir: s.ledgerDir, idleCheckpointMs: 0 });
    const previous = ledger.vkey;
    const forged = signerFor(ledger.origin);
    // Written while the old key is withheld, then signed by the new key only.
    ledger.lockKey();
    ledger.append('key-rotation', { vkey: forged.vkey, previous, location: 'sealed', operator: 'mallory' });
    ledger.close();
    const l2 = Ledger.open({ dir: s.ledgerDir });
    expect(l2.vkey).toBe(forged.vkey);
    l2.unlockKey(forged);
    l2.close();
    const a = await audit([await exportBundle(s)], rootPem);
    expect(a.status).toBe(7);
    expect(a.report.findings).toEqual([expect.objectContaining({ kind: AuditFindings.KEY_ROTATION_UNCOVERED })]);
  });

  it('finds a checkpoint the old key signed after the rotation', async () => {
    const s = await makeStation('stale', ca.custodian, ca.factory, ['dev-1']);
    const oldSigner = ed25519Signer('custodian.station/stale', privateKeyFromPkcs8(readFileSync(join(s.ledgerDir, KEY_FILE))));
    const ledger = Ledger.open({ dir: s.ledgerDir, idleCheckpointMs: 0 });
    ledger.rotateKey(signerFor(ledger.origin), { location: 'sealed', operator: 'op-1' });
    ledger.append('session', { operator: 'op-1', action: 'logout' });
    const stale = signCheckpoint({ origin: ledger.origin, size: ledger.size, root: ledger.tree.root(), extensions: [] }, oldSigner);
    ledger.close();
    const bundle = await exportBundle(s);
    appendFileSync(join(bundle, 'checkpoints.jsonl'), `${JSON.stringify(stale)}\n`);
    const a = await audit([bundle], rootPem);
    expect(a.report.findings).toEqual([expect.objectContaining({ kind: AuditFindings.CHECKPOINT_SIGNATURE })]);
  });
});
