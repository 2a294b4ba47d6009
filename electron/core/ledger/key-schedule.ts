/**
 * Which checkpoint key is in force at which tree size. The genesis record
 * names the first key; each `key-rotation` record at index r names the next.
 * The previous key signs checkpoints up to size r+1 (so it vouches for the
 * rotation), the new key signs size r+1 and everything larger. A checkpoint
 * verifies only under a key in force at its size (docs/ledger-format.md §Key rotation).
 */
import { CustodianError } from '../errors';
import { LedgerCodes } from './codes';
import { parseCheckpointBody, type Checkpoint } from './checkpoint';
import { openNote, parseNote, parseVkey, type VerifierKey } from './note';

export interface KeyPeriod {
  vkey: string;
  verifier: VerifierKey;
  /** Smallest checkpoint size this key may sign. */
  from: number;
  /** Largest checkpoint size this key may sign (Infinity for the key in force). */
  to: number;
  /** Index of the key-rotation record that introduced it (-1 for the genesis key). */
  rotation: number;
}

export class KeySchedule {
  readonly periods: KeyPeriod[];

  constructor(genesisVkey: string) {
    this.periods = [{ vkey: genesisVkey, verifier: parseVkey(genesisVkey), from: 0, to: Infinity, rotation: -1 }];
  }

  get origin(): string {
    return this.periods[0]!.verifier.name;
  }

  get current(): KeyPeriod {
    return this.periods.at(-1)!;
  }

  /** A key-rotation record at `index` naming `vkey`; it must keep the origin and change the key. */
  rotate(index: number, vkey: string): KeyPeriod {
    const verifier = parseVkey(vkey);
    if (verifier.name !== this.origin) {
      throw new CustodianError(LedgerCodes.KEY_INVALID, `the rotated key names origin ${verifier.name}, not ${this.origin}`, { index });
    }
    if (this.periods.some((p) => p.vkey === vkey)) throw new CustodianError(LedgerCodes.KEY_INVALID, 'the rotated key was in force before', { index });
    if (index < this.current.rotation + 1) throw new CustodianError(LedgerCodes.KEY_INVALID, 'key rotations are out of order', { index });
    this.current.to = index + 1;
    const p: KeyPeriod = { vkey, verifier, from: index + 1, to: Infinity, rotation: index };
    this.periods.push(p);
    return p;
  }

  /** The keys that may sign a checkpoint of `size`. */
  keysAt(size: number): VerifierKey[] {
    return this.periods.filter((p) => size >= p.from && size <= p.to).map((p) => p.verifier);
  }

  /** Verify a signed checkpoint under the key(s) in force at its size and check its origin. */
  open(note: string): Checkpoint {
    const claimed = parseCheckpointBody(parseNote(note).text);
    const { text } = openNote(note, this.keysAt(claimed.size));
    const c = parseCheckpointBody(text);
    if (c.origin !== this.origin) {
      throw new CustodianError(LedgerCodes.NOTE_UNVERIFIED, `checkpoint origin ${c.origin} is not ${this.origin}`, { origin: c.origin });
    }
    return c;
  }

  /** Whether `note` is a checkpoint of exactly `size` signed by the key of period `p`. */
  signedBy(note: string, p: KeyPeriod, size: number): boolean {
    try {
      const c = parseCheckpointBody(openNote(note, [p.verifier]).text);
      return c.size === size && c.origin === this.origin;
    } catch {
      return false;
    }
  }
}
