/**
 * Proof files and audit bundles: the tlog-proof written by `custodian ledger
 * proof` verifies against the station vkey for the certificate's done record,
 * and the bundle's tlog-tiles reproduce the entries and the checkpoint root.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  Ledger, MerkleTree, exportBundle, leafHash, nodeHash, parseVkey, tileIndexPath, verifyTlogProof,
} from '../../electron/core/ledger';
import { makeHierarchy, tempDir } from './helpers';
import { nodeIo } from '../../electron/core/ledger/files';

/** Durability is not under test here: skip fsync to keep the test fast. */
const noFsync = { ...nodeIo, fsyncSync: () => undefined };
import { cli, makeStation } from './station-fixture';

describe('tlog-proof', () => {
  it('`custodian ledger proof <device-id>` and `<serial>` write proofs that verify for the done record', async () => {
    const ca = await makeHierarchy();
    const s = await makeStation('p', ca.custodian, ca.factory, ['dev-010', 'dev-011', 'dev-012']);
    const out = tempDir('proofs-');
    const r = await cli(['--home', s.home, 'ledger', 'proof', 'dev-011', '--out', out, '--json']);
    expect(r.status).toBe(0);
    const [p] = (r.json as { proofs: { file: string; index: number; serialHex: string }[] }).proofs;
    expect(p!.serialHex).toBe(s.devices[1]!.serialHex);
    const l = Ledger.open({ dir: s.ledgerDir, readOnly: true });
    const entry = l.entryBytes(p!.index);
    expect(JSON.parse(entry.toString())).toMatchObject({ t: 'done', deviceId: 'dev-011', cert: Buffer.from(s.devices[1]!.der).toString('base64') });
    const text = readFileSync(p!.file, 'utf8');
    expect(verifyTlogProof(text, entry, parseVkey(l.vkey)).size).toBe(l.size);
    expect(() => verifyTlogProof(text, l.entryBytes(p!.index - 1), parseVkey(l.vkey))).toThrow();
    l.close();
    const bySerial = await cli(['--home', s.home, 'ledger', 'proof', s.devices[2]!.serialHex, '--out', out, '--json']);
    expect((bySerial.json as { proofs: { deviceId: string }[] }).proofs[0]!.deviceId).toBe('dev-012');
    // Without --chain, export takes the chain from the station authority, which this test home lacks.
    const noChain = await cli(['--home', s.home, 'ledger', 'export', join(out, 'bundle'), '--json']);
    expect((noChain.json as { error: { code: string } }).error.code).toMatch(/^AUTHORITY_/);
    // While another live process (the station app) holds the ledger, proof/status/export still work read-only.
    writeFileSync(join(s.ledgerDir, 'ledger.lock'), `${process.ppid}\n`);
    const locked = await cli(['--home', s.home, 'ledger', 'export', join(out, 'locked-bundle'), '--chain', s.chainPem, '--json']);
    expect(locked.status).toBe(0);
    expect(locked.stderr).toContain('exporting up to its latest checkpoint');
    expect((await cli(['--home', s.home, 'ledger', 'status', '--json'])).status).toBe(0);
    const rec = await cli(['--home', s.home, 'ledger', 'reconcile', '1', '--resolution', 'abandoned', '--reason', 'x', '--operator', 'op', '--json']);
    expect(rec.json).toMatchObject({ error: { code: 'LEDGER_LOCKED' } });
    rmSync(join(s.ledgerDir, 'ledger.lock'));
    const none = await cli(['--home', s.home, 'ledger', 'proof', 'dev-999', '--json']);
    expect(none.status).toBe(7);
    expect(none.json).toMatchObject({ error: { code: 'LEDGER_NOT_IN_LEDGER' } });
  });
});

describe('tlog-tiles in the audit bundle', () => {
  it('tile paths follow c2sp.org/tlog-tiles', () => {
    expect(tileIndexPath(0)).toBe('000');
    expect(tileIndexPath(5)).toBe('005');
    expect(tileIndexPath(1234067)).toBe('x001/x234/067');
  });

  it('hash tiles and entry bundles reproduce the entries and the checkpoint root', () => {
    const dir = join(tempDir('tiles-'), 'ledger');
    const l = Ledger.create({ dir, stationId: 'tiles', checkpointEvery: 1000, io: noFsync });
    for (let i = 0; i < 600; i++) l.append('config', { key: `k${i}`, value: randomBytes(i % 40).toString('hex'), operator: 'op' });
    const out = join(tempDir('bundle-'), 'b');
    const r = exportBundle(l, out, { chainPem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n' });
    expect(r.size).toBe(601);
    // 601 leaves: level-0 tiles 000, 001 (full) and 002.p/89; level 1 holds 2 nodes (one per full level-0 tile).
    expect(readdirSync(join(out, 'tile/0')).sort()).toEqual(['000', '001', '002.p']);
    expect(existsSync(join(out, 'tile/0/002.p/89'))).toBe(true);
    expect(existsSync(join(out, 'tile/1/000.p/2'))).toBe(true);
    // Entry bundles decode to the entries; tile hashes are their leaf hashes.
    const entries: Buffer[] = [];
    for (const f of ['000', '001', '002.p/89']) {
      const b = readFileSync(join(out, 'tile/entries', f));
      for (let o = 0; o < b.length;) { const n = b.readUInt16BE(o); entries.push(b.subarray(o + 2, o + 2 + n)); o += 2 + n; }
    }
    expect(entries).toHaveLength(601);
    expect(Buffer.concat(entries.flatMap((e) => [e, Buffer.from('\n')])).equals(readFileSync(join(out, 'entries.jsonl')))).toBe(true);
    const level0 = Buffer.concat(['000', '001', '002.p/89'].map((f) => readFileSync(join(out, 'tile/0', f))));
    expect(level0.equals(Buffer.concat(entries.map((e) => leafHash(e))))).toBe(true);
    // The root recomputed from the tiles: two level-8 nodes from tile/1, then the 89 leftover leaves.
    const l1 = readFileSync(join(out, 'tile/1/000.p/2'));
    const rest = new MerkleTree();
    for (let i = 512; i < 601; i++) rest.appendLeafHash(level0.subarray(i * 32, i * 32 + 32));
    const root = nodeHash(nodeHash(l1.subarray(0, 32), l1.subarray(32, 64)), rest.root());
    expect(root.equals(l.checkpoint.root)).toBe(true);
    expect(readFileSync(join(out, 'checkpoint'), 'utf8')).toBe(l.checkpointNote);
    l.close();
  });
});
