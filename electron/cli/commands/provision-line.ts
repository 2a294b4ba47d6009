/**
 * `custodian provision --port A --port B … --watch` (or a port pattern): the
 * station serves every head of a gang fixture at once under one unlock
 * (electron/core/line/serve-line.ts). Each head's step lines and verdicts are
 * printed with the head's tag in front, so interleaved output stays readable;
 * the result counts per head and for the line.
 */
import { basename } from 'node:path';
import { CustodianError } from '../../core/errors';
import { serveLine, type OpenedStationSession, type StationHalt } from '../../core/line/index';
import { recordStatements, remedyFor } from '../../core/station/remedies';
import type { ProvisioningResult } from '../../core/station/events';
import type { RenewalRequest } from '../../core/station/renewal';
import type { DriverName } from '../../shared/drivers';
import type { CommandContext, CommandResult } from '../types';
import { resultJson, stepLine, stoppedLines, verdictLines } from './provision-format';

export interface LineRun {
  session: OpenedStationSession;
  ports: readonly string[];
  driver: DriverName;
  baud?: number | undefined;
  identityKeys?: ReadonlyMap<string, Uint8Array> | undefined;
  run: { operator: string; workOrder?: string | undefined; reissueReason?: string | undefined; renewal?: RenewalRequest };
  count?: number | undefined;
  signal: AbortSignal;
  /** The signal that stopped the line, when one did. */
  stopSignal: () => NodeJS.Signals | null;
}

/** Tags in order of joining, by port name (the full path when two heads share a name). */
function headTags(): (path: string) => string {
  const tags = new Map<string, string>();
  return (path) => {
    let t = tags.get(path);
    if (!t) {
      const name = basename(path);
      const clash = [...tags.keys()].some((p) => basename(p) === name);
      t = `[${tags.size + 1} ${clash ? path : name}]`;
      tags.set(path, t);
    }
    return t;
  };
}

export async function provisionLine(ctx: CommandContext, o: LineRun): Promise<CommandResult> {
  const tag = headTags();
  const say = (path: string, line: string): void => ctx.info(`${tag(path)} ${line}`);
  let lastStatements: string[] = [];
  const served = await serveLine({
    session: o.session,
    ports: o.ports,
    driver: o.driver,
    ...(o.baud !== undefined ? { baud: o.baud } : {}),
    ...(o.identityKeys ? { identityKeys: o.identityKeys } : {}),
    signal: o.signal,
    run: o.run,
    ...(o.count !== undefined ? { maxDevices: o.count } : {}),
    onHead: (path) => say(path, `head on ${path}`),
    onEvent: (path, e) => {
      const line = stepLine(e);
      if (line) say(path, line.trimStart());
    },
    onResult: (path, r) => {
      for (const l of verdictLines(r)) say(path, l);
      lastStatements = r.result === 'failed' && r.record.stopped ? recordStatements(r) : [];
    },
    onWaiting: (path, what) => say(path, what === 'device' ? 'waiting for a device (Ctrl-C stops the line)…' : 'remove the device to continue (or connect the next one)…'),
    onHeadError: (path, e) => say(path, `head stopped: ${e.code}: ${e.message} (the other heads go on)`),
  });
  const tally = (rs: readonly ProvisioningResult[]) => {
    const passed = rs.filter((r) => r.result === 'passed').length;
    return { served: rs.length, passed, failed: rs.length - passed };
  };
  const total = tally(served.results);
  const heads = served.heads.map((h) => ({ port: h.path, ...tally(h.results), ...(h.error ? { error: { code: h.error.code, message: h.error.message } } : {}) }));
  if (served.halt) throw stopped(ctx, served.halt, o.session.ledgerDir, lastStatements, { ...total, heads, fix: remedyFor(served.halt.error.code) });
  const byOperator = served.stoppedBy === 'operator';
  const sig = o.stopSignal();
  return {
    data: { ...total, heads, stoppedByOperator: byOperator, ...(sig ? { signal: sig } : {}), results: served.results.map(resultJson) },
    human: [
      ...heads.map((h) => `${tag(h.port)} ${h.served} served: ${h.passed} passed, ${h.failed} failed${h.error ? ` (head stopped: ${h.error.code})` : ''}`),
      `${total.served} device(s) served on ${heads.length} head(s): ${total.passed} passed, ${total.failed} failed${byOperator ? ` (stopped by operator${sig === 'SIGTERM' ? ', SIGTERM' : ''})` : ''}`,
    ].join('\n'),
  };
}

function stopped(ctx: CommandContext, halt: StationHalt, ledgerDir: string, lastStatements: string[], details: Record<string, unknown>): CustodianError {
  const same = halt.statements.join('\n') === lastStatements.join('\n');
  for (const l of stoppedLines(halt, ledgerDir, same)) ctx.info(l);
  return new CustodianError(halt.error.code, halt.error.message, { ...halt.error.details, ...details });
}
