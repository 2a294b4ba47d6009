import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  EMPTY_ROOT, MerkleTree, leafHash, nodeHash, rootFromInclusionProof, verifyConsistency, verifyInclusion,
} from '../../electron/core/ledger/merkle';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');
const H = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

// RFC 6962 reference tree (certificate-transparency test vectors).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

// Naive RFC 6962 §2.1 definitions, written straight from the text on raw entries.
const k = (n: number) => { let x = 1; while (x * 2 < n) x *= 2; return x; };
function MTH(d: Buffer[]): Buffer {
  if (d.length === 0) return H();
  if (d.length === 1) return H(Buffer.from([0]), d[0]!);
  const s = k(d.length);
  return H(Buffer.from([1]), MTH(d.slice(0, s)), MTH(d.slice(s)));
}
function PATH(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s ? [...PATH(m, d.slice(0, s)), MTH(d.slice(s))] : [...PATH(m - s, d.slice(s)), MTH(d.slice(0, s))];
}
function SUBPROOF(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [MTH(d)];
  const s = k(d.length);
  return m <= s ? [...SUBPROOF(m, d.slice(0, s), b), MTH(d.slice(s))] : [...SUBPROOF(m - s, d.slice(s), false), MTH(d.slice(0, s))];
}
const PROOF = (m: number, d: Buffer[]) => (m === 0 || m === d.length ? [] : SUBPROOF(m, d, true));

function treeOf(entries: Buffer[]): MerkleTree {
  const t = new MerkleTree();
  for (const e of entries) t.appendEntry(e);
  return t;
}
const entries = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`entry-${i}-${'x'.repeat(i % 7)}`));

describe('RFC 6962 known answers', () => {
  it('empty tree root is SHA-256("") and the empty-entry leaf hash is 6e340b9c…', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(new MerkleTree().root())).toBe(CT_ROOTS[0]);
    expect(hex(leafHash(new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(hex(nodeHash(leafHash(CT_LEAVES[0]!), leafHash(CT_LEAVES[1]!)))).toBe(CT_ROOTS[2]);
  });

  it('matches the reference roots for sizes 0..8, at every intermediate size', () => {
    const t = new MerkleTree();
    expect(hex(t.root())).toBe(CT_ROOTS[0]);
    CT_LEAVES.forEach((e, i) => { t.appendEntry(e); expect(hex(t.root()), `size ${i + 1}`).toBe(CT_ROOTS[i + 1]); });
    for (let n = 0; n <= 8; n++) expect(hex(t.root(n))).toBe(CT_ROOTS[n]);
  });

  it('matches the published inclusion and consistency proofs', () => {
    const t = treeOf(CT_LEAVES);
    expect(t.inclusionProof(0, 8).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(t.inclusionProof(5, 8).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(t.consistencyProof(2, 5).map(hex)).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
  });
});

describe('proofs against a naive recomputation', () => {
  const N = 70;
  const data = entries(N);
  const tree = treeOf(data);

  it('roots, inclusion proofs and their verification for every index of every size 1..70', () => {
    for (let n = 1; n <= N; n++) {
      const d = data.slice(0, n);
      const root = MTH(d);
      expect(tree.root(n).equals(root), `root ${n}`).toBe(true);
      for (let m = 0; m < n; m++) {
        const proof = tree.inclusionProof(m, n);
        expect(proof.map(hex), `path ${m}/${n}`).toEqual(PATH(m, d).map(hex));
        expect(verifyInclusion(leafHash(d[m]!), m, n, proof, root)).toBe(true);
        // The same proof must not verify for another index or a wrong leaf.
        if (n > 1) expect(verifyInclusion(leafHash(d[m]!), (m + 1) % n, n, proof, root)).toBe(false);
        expect(verifyInclusion(leafHash(Buffer.from('forged')), m, n, proof, root)).toBe(false);
      }
    }
  });

  it('consistency proofs and their verification for every pair m <= n <= 40', () => {
    for (let n = 1; n <= 40; n++) {
      const d = data.slice(0, n);
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(proof.map(hex), `proof ${m}->${n}`).toEqual(PROOF(m, d).map(hex));
        expect(verifyConsistency(m, n, proof, MTH(d.slice(0, m)), MTH(d))).toBe(true);
        if (m < n) {
          // A rewritten old tree (entry m-1 altered) must not verify against the same proof.
          const forged = [...d.slice(0, m - 1), Buffer.from('rewritten')];
          expect(verifyConsistency(m, n, proof, MTH(forged), MTH(d))).toBe(false);
        }
      }
    }
  });

  it('property: random sizes up to 3000, random index pairs', () => {
    const big = entries(3000);
    const t = treeOf(big);
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat(), fc.nat(), (n, a, b) => {
      const i = a % n;
      const m = 1 + (b % n);
      const root = t.root(n);
      const proof = t.inclusionProof(i, n);
      expect(rootFromInclusionProof(t.leafHashAt(i), i, n, proof)?.equals(root)).toBe(true);
      expect(verifyConsistency(m, n, t.consistencyProof(m, n), t.root(m), root)).toBe(true);
    }), { numRuns: 200 });
    expect(t.root().equals(MTH(big))).toBe(true);
  });

  it('truncate drops leaves and keeps earlier roots', () => {
    const t = treeOf(data.slice(0, 50));
    const r33 = t.root(33);
    t.truncate(33);
    expect(t.size).toBe(33);
    expect(t.root().equals(r33)).toBe(true);
    t.appendEntry(data[33]!);
    expect(t.root().equals(MTH(data.slice(0, 34)))).toBe(true);
  });
});
