/**
 * Wire-time floor for an asynchronous serial line with 8N1 framing: every byte
 * costs 10 bit times (start + 8 data + stop). Pure; used by the simulator's line
 * emulation and by the workflow benchmark to report cycle time against the floor.
 */
export const BITS_PER_BYTE_8N1 = 10;

export function wireTimeMs(bytes: number, baud: number): number {
  if (!Number.isFinite(baud) || baud <= 0) throw new RangeError(`baud must be > 0, got ${baud}`);
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`bytes must be >= 0, got ${bytes}`);
  return (bytes * BITS_PER_BYTE_8N1 * 1000) / baud;
}
