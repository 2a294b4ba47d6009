/**
 * The tables firmware teams and operators read against what the station does:
 * the CSR and key refusals of docs/device-protocol.md §4.4 (and the codes its
 * simulator fault table says the station sees) against station/refusals.ts and
 * real runs; the timeouts of §3 and of docs/provisioning.md against
 * DEFAULT_TIMEOUTS_MS.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS_MS, WRITE_MS_PER_KIB, type CommandName } from '../../electron/core/device/protocol';
import { PkiCodes } from '../../electron/core/pki/codes';
import type { Fault } from '../../electron/core/simulator/index';
import { StationCodes } from '../../electron/core/station/codes';
import { prepareIssuer, type PreparedIssuer } from '../../electron/core/station/index';
import { CSR_REFUSALS, KEY_REFUSALS } from '../../electron/core/station/refusals';
import { MemoryRecorder } from '../support/memory-recorder';
import { startBench, type Bench } from '../support/station-harness';
import { makeTestChain } from '../support/station-chain';

const protocolDoc = readFileSync(new URL('../../docs/device-protocol.md', import.meta.url), 'utf8');
const provisioningDoc = readFileSync(new URL('../../docs/provisioning.md', import.meta.url), 'utf8');

/** The rows of the first markdown table after `heading` (cells trimmed), header and rule dropped. */
function table(doc: string, heading: string): string[][] {
  const at = doc.indexOf(heading);
  expect(at, `"${heading}" in the doc`).toBeGreaterThanOrEqual(0);
  const lines = doc.slice(at).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

const seconds = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?) (ms|s)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
};

describe('docs/device-protocol.md §4.4: the CSR and key refusals the station reports', () => {
  const rows = table(protocolDoc, '| station code | refused when | then |');
  const documented = rows.map(([code, , then]) => ({ code: code!.replace(/`/g, ''), newKey: then === 'new key' }));

  it('lists exactly the station\'s refusals, each with what the station then does', () => {
    expect(documented).toEqual([...CSR_REFUSALS, ...KEY_REFUSALS].map((r) => ({ code: r.code, newKey: r.newKey })));
    for (const [, , then] of rows) expect(['new key', 'the run fails']).toContain(then);
  });

  it('every code is a published code, and every CSR intake code of pki is listed', () => {
    const published = new Set<string>([...Object.values(PkiCodes), ...Object.values(StationCodes)]);
    for (const { code } of documented) expect(published.has(code), code).toBe(true);
    for (const code of Object.values(PkiCodes).filter((c) => c.startsWith('CSR_'))) expect(documented.map((d) => d.code)).toContain(code);
  });

  it("the simulator fault table names, for the CSR and key faults, codes from that list", () => {
    const faults = table(protocolDoc, '| fault | effect | station sees |');
    const listed = new Set(documented.map((d) => d.code));
    const sees = (fault: string): string[] => {
      const row = faults.find(([f]) => f!.startsWith(`\`${fault}`));
      expect(row, fault).toBeDefined();
      return [...row![2]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!);
    };
    for (const f of ['wrong-cn', 'bad-csr-signature', 'weak-key']) {
      expect(sees(f).length, f).toBeGreaterThan(0);
      for (const code of sees(f)) expect(listed.has(code), `${f}: ${code}`).toBe(true);
    }
  });

  describe('and the station reports them so', () => {
    let issuer: PreparedIssuer;
    beforeAll(async () => {
      issuer = prepareIssuer((await makeTestChain()).issuer);
    });
    const benches: Bench[] = [];
    afterEach(async () => {
      await Promise.all(benches.splice(0).map((b) => b.stop()));
    });

    it.each<[string, string, Fault[]]>([
      ['wrong-cn', 'WORKFLOW_CSR_CN_MISMATCH', [{ kind: 'wrong-cn' }]],
      ['bad-csr-signature', 'CSR_SIGNATURE_INVALID', [{ kind: 'bad-csr-signature' }]],
      ['weak-key (rsa-1024)', 'KEY_RSA_TOO_SMALL', [{ kind: 'weak-key', key: 'rsa-1024' }]],
      ['weak-key (secp256k1)', 'KEY_UNSUPPORTED_CURVE', [{ kind: 'weak-key', key: 'secp256k1' }]],
    ])('%s → %s', async (_n, code, faults) => {
      const b = await startBench({ issuer, recorder: new MemoryRecorder(), deviceId: `dev-doc-${benches.length}`, faults });
      benches.push(b);
      const { result } = await b.run();
      expect(result.result === 'failed' && result.error.code).toBe(code);
      expect(documented.map((d) => d.code)).toContain(code);
    });
  });
});

describe('timeouts as documented', () => {
  it('docs/device-protocol.md §3 lists DEFAULT_TIMEOUTS_MS and the per-KiB write allowance', () => {
    const rows = table(protocolDoc, '| Command | Code | Timeout | Notes |');
    const names = Object.keys(DEFAULT_TIMEOUTS_MS) as CommandName[];
    expect(rows.map((r) => r[0])).toEqual(names);
    for (const [name, , timeout, notes] of rows) {
      if (name === 'BATCH') {
        expect(timeout).toBe("sum of its entries'");
        expect(notes).toContain(`at least ${DEFAULT_TIMEOUTS_MS.BATCH / 1000} s`);
        continue;
      }
      expect(seconds(timeout!), name).toBe(DEFAULT_TIMEOUTS_MS[name as CommandName]);
      if (name === 'WRITE_CHUNK' || name === 'WRITE_END') expect(notes).toContain(`+ ${WRITE_MS_PER_KIB / 1000} s per KiB`);
    }
  });

  it("docs/provisioning.md's per-step timeouts name each command with its table value", () => {
    const section = provisioningDoc.slice(provisioningDoc.indexOf('## Timeouts'), provisioningDoc.indexOf('## Progress events'));
    const mentions = [...section.matchAll(/\b([A-Z][A-Z_]{3,}) (\d+(?:\.\d+)? (?:ms|s))\b/g)];
    expect(mentions.length).toBeGreaterThan(10);
    for (const [, name, value] of mentions) {
      expect(Object.keys(DEFAULT_TIMEOUTS_MS), name).toContain(name);
      expect(seconds(value!), name).toBe(DEFAULT_TIMEOUTS_MS[name as CommandName]);
    }
    expect(section).toContain(`+ ${WRITE_MS_PER_KIB / 1000} s per KiB`);
  });
});
