/**
 * Unsolicited result codes at random moments: network registration
 * (`+CEREG`) and signal quality (`%CESQ`) notifications as a modem sends them
 * while the station talks to it. A seeded generator makes a run repeatable.
 */

/** mulberry32: small, fast, seedable; not for cryptography. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface UrcOptions {
  /** Mean time between URCs; each gap is uniform in [0.5, 1.5] × this. */
  everyMs: number;
  /** Seed of the random gaps and contents. Default: from the clock. */
  seed?: number;
}

/** One URC line for a modem in CFUN `cfun`. */
export function randomUrc(rnd: () => number, cfun: number): string {
  const hex = (digits: number): string => Math.floor(rnd() * 16 ** digits).toString(16).toUpperCase().padStart(digits, '0');
  if (rnd() < 0.5) {
    if (cfun !== 1) return '+CEREG: 0';
    const stat = [1, 2, 5][Math.floor(rnd() * 3)]!;
    return stat === 2 ? '+CEREG: 2' : `+CEREG: ${stat},"${hex(4)}","${hex(8)}",7`;
  }
  const rsrp = Math.floor(rnd() * 98);
  const rsrq = Math.floor(rnd() * 35);
  return `%CESQ: ${rsrp},${Math.min(4, Math.floor(rsrp / 20))},${rsrq},${Math.min(4, Math.floor(rsrq / 8))}`;
}
