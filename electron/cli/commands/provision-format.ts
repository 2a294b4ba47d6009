/** Human rendering of provisioning progress and results for `custodian provision` / `custodian demo`. */
import type { ProvisioningResult, StepEvent, WorkflowEvent } from '../../core/station/events';
import { remedyFor } from '../../core/station/remedies';

const ms = (n: number): string => (n < 10 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`);

const LABEL: Record<StepEvent['step'], string> = {
  identify: 'identify device',
  keygen: 'generate key on device',
  csr: 'get key / CSR, prove possession',
  check: 'check ID rule, policy, repeat visit',
  intent: 're-identify, record intent',
  sign: 'sign leaf certificate',
  record: 'record certificate, re-identify',
  write: 'write leaf + chain',
  verify: 'read back, challenge installed key',
  commit: 'commit and lock',
  done: 'record outcome',
};

function summary(d: Readonly<Record<string, unknown>>): string {
  const keep = ['deviceId', 'model', 'keyPath', 'keyAlgorithm', 'algorithm', 'serialHex', 'reissue', 'reuse', 'recognised', 'readBack', 'finalChallenge', 'intentId'];
  return keep.filter((k) => d[k] !== undefined && d[k] !== false).map((k) => `${k}=${String(d[k])}`).join(' ');
}

/** One line per finished step (the live step list). `started` events print nothing. */
export function stepLine(e: WorkflowEvent): string | null {
  if (e.kind !== 'step' || e.state === 'started') return null;
  const mark = e.state === 'succeeded' ? '✓' : '✗';
  const rest = e.state === 'succeeded' ? summary(e.details) : `${e.error.code}: ${e.error.message}`;
  return `  ${mark} ${LABEL[e.step].padEnd(36)} ${ms(e.durationMs).padStart(8)}  ${rest}`;
}

const RULE = '═'.repeat(64);

export function verdictLines(r: ProvisioningResult): string[] {
  if (r.result === 'passed') {
    const how = r.how === 'signed' ? (r.reissued ? 're-issued' : 'signed') : r.how === 'reused' ? 'recorded certificate re-installed' : 'already provisioned, nothing signed';
    return [RULE, `  PASS  ${r.deviceId}   serial ${r.serialHex}   (${how}, ${ms(r.durationMs)})`, RULE];
  }
  return [
    RULE,
    `  FAIL  ${r.deviceId ?? '(unidentified device)'}   at step "${r.failedStep}"   ${r.error.code}`,
    `        reason: ${r.error.message}`,
    `        fix:    ${remedyFor(r.error.code)}`,
    r.signed ? '        (a certificate was signed and is in the ledger; a retry re-installs it without signing again)' : '        (nothing was signed)',
    RULE,
  ];
}

/** The JSON document for one result (no key material; certificate DER as base64). */
export function resultJson(r: ProvisioningResult): Record<string, unknown> {
  if (r.result === 'passed') {
    const { leafDer, chainDer, ...rest } = r;
    return { ...rest, leafDer: Buffer.from(leafDer).toString('base64'), chainDer: chainDer.map((c) => Buffer.from(c).toString('base64')) };
  }
  return { ...r, fix: remedyFor(r.error.code) };
}
