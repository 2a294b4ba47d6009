/**
 * Cheap paged reads for the UI's ledger view: entries by index range and
 * searches through the ledger's index (entry-index.ts). Each call reads only
 * the entries it returns (plus their intents), so it stays fast on a
 * million-entry ledger.
 */
import type { Ledger } from './ledger';
import { summarize, type EntrySummary, type LedgerRecord } from './records';

type IntentRecord = Extract<LedgerRecord, { t: 'intent' }>;

function summaryOf(l: Ledger, i: number): EntrySummary {
  const r = l.record(i);
  const ref = 'intent' in r && typeof r.intent === 'number' ? r.intent : -1;
  return summarize(r, ref >= 0 ? (l.record(ref) as IntentRecord) : undefined);
}

/** Entries [start, start+count) clipped to the ledger, oldest first. */
export function listEntries(l: Ledger, start: number, count: number): EntrySummary[] {
  const from = Math.max(0, Math.floor(start));
  const to = Math.min(l.size, from + Math.max(0, Math.floor(count)));
  const out: EntrySummary[] = [];
  for (let i = from; i < to; i++) out.push(summaryOf(l, i));
  return out;
}

export interface LedgerQuery {
  deviceId?: string | undefined;
  serialHex?: string | undefined;
  workOrder?: string | undefined;
  /** Maximum entries returned (default 1000). */
  limit?: number;
}

/** Intents matching every given field, with their done/failed/outcome/reconcile records (and, for one field, other records carrying it), by index. */
export function searchEntries(l: Ledger, q: LedgerQuery): EntrySummary[] {
  const limit = q.limit ?? 1000;
  const criteria = [q.deviceId, q.serialHex, q.workOrder].filter(Boolean).length;
  // One criterion: only the first `limit` intents are read from the index.
  const rows = (lookup: { get(k: string): number[] | undefined; first(k: string, n: number): number[] }, key: string): number[] =>
    (criteria === 1 ? lookup.first(key, limit) : lookup.get(key) ?? []);
  const sets: number[][] = [];
  if (q.deviceId) sets.push(rows(l.index.byDevice, q.deviceId));
  if (q.serialHex) sets.push(rows(l.index.bySerial, q.serialHex.toLowerCase()));
  if (q.workOrder) sets.push(rows(l.index.byWorkOrder, q.workOrder));
  if (!sets.length) return [];
  const [first, ...rest] = sets.sort((a, b) => a.length - b.length);
  // An intent's records all follow it, so the first `limit` entries belong to the first `limit` intents.
  const hits = first!.filter((i) => rest.every((s) => s.includes(i))).slice(0, limit);
  const all = new Set<number>();
  for (const i of hits) {
    all.add(i);
    const c = l.index.linkOf(i);
    if (c >= 0 && l.index.typeOf(i) === 'intent') all.add(c);
    const o = l.index.outcomes.get(i);
    if (o !== undefined) all.add(o);
  }
  // One criterion: records of other types that carry it too (a revocation of that serial, …).
  if (sets.length === 1) {
    const m = l.index.mentions;
    const others = q.deviceId ? m.device.get(q.deviceId) : q.serialHex ? m.serial.get(q.serialHex.toLowerCase()) : m.workOrder.get(q.workOrder!);
    for (const i of others ?? []) all.add(i);
  }
  return [...all].sort((a, b) => a - b).slice(0, limit).map((i) => summaryOf(l, i));
}

export function renderSummaryLine(s: EntrySummary): string {
  const who = [s.deviceId, s.serialHex && `serial ${s.serialHex}`, s.workOrder && `WO ${s.workOrder}`].filter(Boolean).join(' ');
  return `${String(s.index).padStart(7)}  ${s.at}  ${s.type.padEnd(18)} ${s.text}${who ? `  [${who}]` : ''}`;
}
