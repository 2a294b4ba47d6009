import { describe, expect, it } from 'vitest';
import {
  computeKeyId, ed25519Signer, generateEd25519, keyIdHex, openNote, parseVkey, signNote,
} from '../../electron/core/ledger/note';
import {
  addCosignature, ed25519Cosigner, formatCheckpointBody, formatTlogProof, openCheckpoint, parseCheckpointBody,
  parseTlogProof, signCheckpoint, verifyCosignatures, verifyTlogProof,
} from '../../electron/core/ledger/checkpoint';
import { MerkleTree } from '../../electron/core/ledger/merkle';

// The example from the C2SP signed-note specification (c2sp.org/signed-note).
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE = 'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

describe('C2SP signed-note', () => {
  it('recomputes the key ID of the specification example and verifies its signature', () => {
    const v = parseVkey(SPEC_VKEY);
    expect(v.name).toBe('example.com/foo');
    expect(keyIdHex(computeKeyId(v.name, 0x01, v.publicKey))).toBe('530d903a');
    expect(openNote(SPEC_NOTE, [v])).toEqual({ text: 'This is an example message.\n', verifiedBy: ['example.com/foo'] });
  });

  it('rejects the example with a changed text, a wrong key ID or a mangled vkey', () => {
    const v = parseVkey(SPEC_VKEY);
    expect(() => openNote(SPEC_NOTE.replace('example message', 'exampel message'), [v])).toThrow(/does not verify/);
    expect(() => parseVkey(SPEC_VKEY.replace('530d903a', '530d903b'))).toThrow(/key ID/);
    expect(() => parseVkey(SPEC_VKEY.replace('Aeky', 'Aekz'))).toThrow();
    // An unknown key (same name, other ID) is ignored, so nothing verifies.
    const other = ed25519Signer('example.com/foo', generateEd25519().privateKey);
    expect(() => openNote(SPEC_NOTE, [parseVkey(other.vkey)])).toThrow(/not signed by any known key/);
  });

  it('signs and verifies our own notes and checkpoints', () => {
    const s = ed25519Signer('custodian.station/st-1', generateEd25519().privateKey);
    const note = signNote('hello\n', [s]);
    expect(openNote(note, [parseVkey(s.vkey)]).text).toBe('hello\n');
    const t = new MerkleTree();
    for (let i = 0; i < 5; i++) t.appendEntry(Buffer.from(`e${i}`));
    const cp = { origin: s.name, size: 5, root: t.root(), extensions: [] };
    const signed = signCheckpoint(cp, s);
    expect(signed.startsWith(`custodian.station/st-1\n5\n${t.root().toString('base64')}\n\n\u2014 custodian.station/st-1 `)).toBe(true);
    expect(openCheckpoint(signed, parseVkey(s.vkey))).toMatchObject({ size: 5, origin: s.name });
    expect(parseCheckpointBody(formatCheckpointBody(cp)).root.equals(cp.root)).toBe(true);
    expect(() => openCheckpoint(signed.replace('\n5\n', '\n4\n'), parseVkey(s.vkey))).toThrow();
  });
});

describe('C2SP tlog-cosignature and tlog-proof', () => {
  it('cosignature/v1: type 0x04 key ID, timestamped signature over the cosigned message', () => {
    const station = ed25519Signer('custodian.station/st-1', generateEd25519().privateKey);
    const auditor = ed25519Cosigner('auditor.company-x.example/a1', generateEd25519().privateKey);
    const vk = parseVkey(auditor.vkey);
    expect(vk.type).toBe(0x04);
    const t = new MerkleTree();
    t.appendEntry(Buffer.from('x'));
    const note = signCheckpoint({ origin: station.name, size: 1, root: t.root(), extensions: [] }, station);
    const cosigned = addCosignature(note, auditor, 1_700_000_000);
    expect(verifyCosignatures(cosigned, [vk])).toEqual([{ name: auditor.name, timestamp: 1_700_000_000 }]);
    // The station signature still verifies on the cosigned note.
    expect(openCheckpoint(cosigned, parseVkey(station.vkey)).size).toBe(1);
    // A cosignature moved to another checkpoint fails.
    t.appendEntry(Buffer.from('y'));
    const other = signCheckpoint({ origin: station.name, size: 2, root: t.root(), extensions: [] }, station);
    const moved = other + cosigned.slice(cosigned.lastIndexOf('\u2014 auditor'));
    expect(() => verifyCosignatures(moved, [vk])).toThrow(/does not verify/);
  });

  it('tlog-proof round-trips and verifies; a wrong entry fails', () => {
    const s = ed25519Signer('custodian.station/st-1', generateEd25519().privateKey);
    const t = new MerkleTree();
    const es = Array.from({ length: 11 }, (_, i) => Buffer.from(`{"n":${i}}`));
    es.forEach((e) => t.appendEntry(e));
    const cp = signCheckpoint({ origin: s.name, size: 11, root: t.root(), extensions: [] }, s);
    const text = formatTlogProof({ index: 6, proof: t.inclusionProof(6, 11), checkpoint: cp });
    expect(text.startsWith('c2sp.org/tlog-proof@v1\nindex 6\n')).toBe(true);
    expect(parseTlogProof(text).checkpoint).toBe(cp);
    expect(verifyTlogProof(text, es[6]!, parseVkey(s.vkey)).size).toBe(11);
    expect(() => verifyTlogProof(text, es[5]!, parseVkey(s.vkey))).toThrow(/inclusion proof/);
  });
});
