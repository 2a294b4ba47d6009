/** The FAIL block of `custodian provision` says what is true after the run, never two contradicting things. */
import { describe, expect, it } from 'vitest';
import { stoppedLines, verdictLines } from '../../electron/cli/commands/provision-format';
import type { ProvisioningResult, RunRecord } from '../../electron/core/station/events';

type Failed = Extract<ProvisioningResult, { result: 'failed' }>;
const NONE: RunRecord = { serialHex: null, signed: false, reused: false, recorded: false, sentToDevice: false, stopped: null, openIntents: [] };
const failed = (step: Failed['failedStep'], code: string, record: Partial<RunRecord>): Failed => ({
  result: 'failed', deviceId: 'dev-77', failedStep: step, error: { code, message: `${code} happened`, details: {} },
  signed: record.signed ?? false, record: { ...NONE, ...record }, durationMs: 12, steps: [],
});
const STOPPED = { code: 'LEDGER_WRITE_FAILED', message: 'the ledger could not append to entries.jsonl (ENOSPC: the disk is full): the entry being written is not in the ledger; every entry before it is on disk', details: {} };
const body = (lines: string[]) => lines.slice(4, -1).map((l) => l.trim());

describe('provision verdict', () => {
  it('a plain failure with nothing signed says so in one line', () => {
    expect(body(verdictLines(failed('csr', 'WORKFLOW_CSR_CN_MISMATCH', {})))).toEqual(['(nothing was signed)']);
  });

  it('a device fault after the certificate was recorded: one line, a retry re-installs it', () => {
    expect(body(verdictLines(failed('write', 'DEVICE_TIMEOUT', { signed: true, recorded: true, sentToDevice: true, serialHex: '0a' })))).toEqual([
      '(a certificate was signed and is in the ledger; a retry re-installs it without signing again)',
    ]);
  });

  it('the ledger failed at the certificate record (device 77): signed, NOT recorded, intent open with its command, never "nothing was signed"', () => {
    const lines = verdictLines(failed('record', 'LEDGER_WRITE_FAILED', {
      signed: true, serialHex: '3f9a', stopped: STOPPED, openIntents: [{ id: '231', deviceId: 'dev-77', serialHex: '3f9a' }],
    }));
    expect(lines[1]).toMatch(/FAIL\s+dev-77\s+at step "record"\s+LEDGER_WRITE_FAILED/);
    expect(body(lines)).toEqual([
      'now:    A certificate 3f9a was signed in this run but is NOT recorded in the ledger (its record did not reach the disk); it was not sent to the device and is discarded.',
      `The ledger has stopped: ${STOPPED.message}. This station signs nothing more and stops serving the line until the cause is fixed and the ledger is reopened.`,
      'Intent #231 (dev-77, serial 3f9a) is open and blocks signing: its certificate never left the station; once the ledger can be written, close it with `custodian ledger reconcile 231 --resolution abandoned --reason "<what you found>" --operator <name>` (the serial is never used).',
      'After the intent is reconciled, a retry signs a new certificate.',
    ]);
    const text = lines.join('\n');
    expect(text).not.toContain('nothing was signed');
    expect(text).not.toContain('is in the ledger;');
    expect(lines[3]).not.toMatch(/nothing was signed/);
  });

  it('the STATION STOPPED block repeats the statements only when the verdict did not just say them', () => {
    const halt = { statements: ['The ledger has stopped: x.', 'No intent is left open: there is nothing to reconcile.'] };
    expect(stoppedLines(halt, '/h/ledger', false).map((l) => l.trim())).toEqual([
      '═'.repeat(64),
      'STATION STOPPED  the ledger cannot be written: nothing more is signed and no further device is served',
      'The ledger has stopped: x.',
      'No intent is left open: there is nothing to reconcile.',
      'next:  free disk space or fix the permissions of /h/ledger, then start `custodian provision` again',
      '═'.repeat(64),
    ]);
    expect(stoppedLines(halt, '/h/ledger', true)).toHaveLength(4);
  });
});
