/** Human rendering of provisioning progress and results for `custodian provision` / `custodian demo`. */
import type { ProvisioningResult, StepEvent, WorkflowEvent } from '../../core/station/events';
import { recordStatements, remedyFor } from '../../core/station/remedies';

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
  const keep = ['deviceId', 'model', 'keyPath', 'keyAlgorithm', 'keyRefused', 'newKey', 'algorithm', 'replaces', 'serialHex', 'reissue', 'reuse', 'recognised', 'readBack', 'finalChallenge', 'intentId'];
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
    const how = r.renewal
      ? `${r.renewal.mode === 'renew' ? 'renewed' : 're-keyed'}: replaces ${r.renewal.replaces}, which ${r.renewal.oldCertificate === 'revoked' ? 'is revoked' : 'is left to expire'}`
      : r.how === 'signed' ? (r.reissued ? 're-issued' : 'signed') : r.how === 'reused' ? 'recorded certificate re-installed' : 'already provisioned, nothing signed';
    return [RULE, `  PASS  ${r.deviceId}   serial ${r.serialHex}   (${how}, ${ms(r.durationMs)})`, RULE];
  }
  const rec = r.record;
  const plain = !rec.stopped && rec.openIntents.length === 0;
  return [
    RULE,
    `  FAIL  ${r.deviceId ?? '(unidentified device)'}   at step "${r.failedStep}"   ${r.error.code}`,
    `        reason: ${r.error.message}`,
    `        fix:    ${remedyFor(r.error.code, r.error.details)}`,
    ...(plain && !rec.signed && !rec.reused
      ? ['        (nothing was signed)']
      : plain && rec.recorded
        ? [`        (${rec.signed ? 'a certificate was signed and is in the ledger' : 'no new certificate was signed'}; a retry re-installs it without signing again)`]
        : recordStatements(r).map((l, i) => `        ${i === 0 ? 'now:   ' : '       '} ${l}`)),
    RULE,
  ];
}

/**
 * The block printed when the ledger stopped the station: what is true (unless
 * the device's verdict just said it) and what to do next.
 */
export function stoppedLines(halt: { statements: readonly string[] }, ledgerDir: string, saidAlready: boolean): string[] {
  return [
    RULE,
    '  STATION STOPPED  the ledger cannot be written: nothing more is signed and no further device is served',
    ...(saidAlready ? [] : halt.statements.map((l) => `        ${l}`)),
    `        next:  free disk space or fix the permissions of ${ledgerDir}, then start \`custodian provision\` again`,
    RULE,
  ];
}

/** The JSON document for one result (no key material; certificate DER as base64). */
export function resultJson(r: ProvisioningResult): Record<string, unknown> {
  if (r.result === 'passed') {
    const { leafDer, chainDer, ...rest } = r;
    return { ...rest, leafDer: Buffer.from(leafDer).toString('base64'), chainDer: chainDer.map((c) => Buffer.from(c).toString('base64')) };
  }
  return { ...r, fix: remedyFor(r.error.code, r.error.details) };
}
