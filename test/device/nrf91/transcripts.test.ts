import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { AtClient } from '../../../electron/core/device/nrf91/at-client';
import { AtLineReader } from '../../../electron/core/device/nrf91/at-line-reader';
import { classifyLine, commandPrefixes } from '../../../electron/core/device/nrf91/at-response';
import { Nrf91CmeErrorCodes } from '../../../electron/core/device/nrf91/cme-codes';
import { nrf91Error, type Nrf91Command } from '../../../electron/core/device/nrf91/cme-errors';
import { Nrf91ErrorCodes } from '../../../electron/core/device/nrf91/codes';
import { parseKeygenResponse } from '../../../electron/core/device/nrf91/keygen-response';
import { createPipePair } from '../../../electron/core/device/transport';
import { CustodianError, isCustodianError } from '../../../electron/core/errors';
import { ScriptedModem, type ScriptedModemOptions } from './scripted-modem';
import { TRANSCRIPTS, type AtExchange, type AtTranscript } from './transcripts';
import { UTILS_README_9160DK_MACOS } from './transcripts/nrfcloud-utils-readme';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Outcome {
  lines?: string[];
  final: string;
  urcs: string[];
}

/** What the reader and the line classifier make of one response, fed in `chunk`-byte pieces. */
function classify(x: AtExchange, chunk: number): Outcome {
  const prefixes = commandPrefixes(x.command);
  const out: Outcome = { lines: [], final: '', urcs: [] };
  const after: string[] = [];
  const reader = new AtLineReader({
    onLine: (raw) => {
      if (out.final) return void after.push(raw);
      const c = classifyLine(raw, prefixes);
      if (c.kind === 'info') out.lines!.push(c.line);
      else if (c.kind === 'urc') out.urcs.push(c.line);
      else out.final = c.kind === 'cme' ? `cme:${c.code}` : c.kind;
    },
  });
  const bytes = enc(x.response);
  for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
  expect(after, 'nothing may follow the final result').toEqual([]);
  expect(reader.pending, 'the response ends with a complete line').toBe(0);
  return out;
}

function expectedFinal(x: AtExchange): string {
  return 'cme' in x.expect ? `cme:${x.expect.cme}` : 'error' in x.expect ? 'error' : 'ok';
}

/** The station's name for a command line, as a driver would pass it to nrf91Error(). */
function commandKind(command: string): Nrf91Command {
  const kinds: Array<[RegExp, Nrf91Command]> = [
    [/%XSUDO=.*;%CMNG=0|^AT%CMNG=0/i, 'cmng-write'],
    [/^AT%CMNG=1/i, 'cmng-list'],
    [/^AT%CMNG=2/i, 'cmng-read'],
    [/^AT%CMNG=3/i, 'cmng-delete'],
    [/^AT%KEYGEN/i, 'keygen'],
    [/^AT\+CFUN\?/i, 'cfun-read'],
    [/^AT\+CFUN=/i, 'cfun-set'],
    [/^AT\+CMEE/i, 'cmee'],
    [/^AT\+CGSN/i, 'cgsn'],
    [/^AT\+CGMR/i, 'cgmr'],
    [/^AT\+CGMM/i, 'cgmm'],
    [/^AT%XMODEMUUID/i, 'uuid'],
    [/^AT$/i, 'sync'],
  ];
  for (const [re, kind] of kinds) if (re.test(command)) return kind;
  return 'sync'; // commands outside the station's set (%XPMNG …): any name gets the generic wording
}

/** Plays the transcript through a real AtClient against a ScriptedModem on an in-process pipe. */
async function replay(t: AtTranscript, opts: ScriptedModemOptions = {}): Promise<void> {
  const [station, device] = createPipePair();
  const modem = ScriptedModem.fromTranscript(device, t, opts);
  const at = new AtClient(station, { timeoutMs: 2000 });
  const urcs: string[] = [];
  at.onUrc((u) => urcs.push(u.line));
  try {
    for (const [i, x] of t.exchanges.entries()) {
      urcs.length = 0;
      const what = `${t.id} #${i} ${x.command.slice(0, 40)}`;
      const result = await at.send(x.command).then(
        (r) => ({ ok: r.lines }),
        (e: unknown) => ({ err: e }),
      );
      if ('lines' in x.expect) {
        expect(result, what).toEqual({ ok: x.expect.lines });
      } else {
        expect('err' in result, what).toBe(true);
        const e = (result as { err: unknown }).err;
        if ('cme' in x.expect) {
          expect(isCustodianError(e, Nrf91ErrorCodes.NRF91_CME_ERROR), what).toBe(true);
          expect((e as CustodianError).details.cme, what).toBe(x.expect.cme);
          const mapped = nrf91Error(e, commandKind(x.command)) as CustodianError;
          expect(mapped.code, what).not.toBe(Nrf91CmeErrorCodes.NRF91_CME_UNKNOWN);
        } else {
          expect(isCustodianError(e, Nrf91ErrorCodes.NRF91_AT_ERROR), what).toBe(true);
        }
      }
      expect(urcs, what).toEqual(x.expect.urcs ?? []);
    }
    modem.verify();
  } finally {
    at.dispose();
    await station.close();
  }
}

describe('golden transcripts — fixture hygiene', () => {
  it('every transcript names its source, and every response ends with CR LF', () => {
    const ids = new Set<string>();
    for (const t of TRANSCRIPTS) {
      expect(ids.has(t.id), t.id).toBe(false);
      ids.add(t.id);
      expect(t.source.length, t.id).toBeGreaterThan(20);
      expect(t.exchanges.length, t.id).toBeGreaterThan(0);
      if (t.provenance === 'derived') expect(t.source, t.id).toMatch(/^derived:/);
      for (const x of t.exchanges) {
        expect(x.response.endsWith('\r\n'), `${t.id} ${x.command}`).toBe(true);
        expect(x.command, t.id).toMatch(/^AT/);
      }
    }
  });
});

describe('golden transcripts — AtLineReader + classifyLine', () => {
  for (const t of TRANSCRIPTS) {
    it(`${t.id}: responses classify as recorded, whole and byte by byte`, () => {
      for (const x of t.exchanges) {
        for (const chunk of [x.response.length, 1]) {
          const got = classify(x, chunk);
          expect(got.final, x.command).toBe(expectedFinal(x));
          expect(got.urcs, x.command).toEqual(x.expect.urcs ?? []);
          if ('lines' in x.expect) expect(got.lines, x.command).toEqual(x.expect.lines);
        }
      }
    });
  }
});

describe('golden transcripts — AtClient against a ScriptedModem', () => {
  for (const t of TRANSCRIPTS) {
    it(`${t.id}: the client returns the recorded lines and errors`, async () => {
      await replay(t);
      await replay(t, { chunkBytes: 7 });
    });
  }
});

describe('golden transcripts — facts they pin', () => {
  it('%CMNG=1 lists the uppercase SHA-256 of exactly the bytes written between the quotes', () => {
    const t = UTILS_README_9160DK_MACOS;
    const written = new Map<string, string>();
    let checked = 0;
    for (const x of t.exchanges) {
      const w = /^AT%CMNG=0,(\d+),(\d+),"([\s\S]*)"$/.exec(x.command);
      if (w) written.set(`${w[1]},${w[2]}`, w[3]!);
      const l = /^AT%CMNG=1,(\d+),(\d+)$/.exec(x.command);
      const content = l && written.get(`${l[1]},${l[2]}`);
      if (content === undefined || content === null || !('lines' in x.expect)) continue;
      const sha = createHash('sha256').update(content, 'utf8').digest('hex').toUpperCase();
      expect(x.expect.lines).toEqual([`%CMNG: ${l![1]},${l![2]},"${sha}"`]);
      expect(content).toContain('\n');
      expect(content).not.toContain('\r');
      checked++;
    }
    expect(checked).toBe(2);
  });

  it('every recorded %KEYGEN answer attests the sec_tag asked, and a CN attribute becomes the CSR subject', () => {
    let parsed = 0;
    for (const t of TRANSCRIPTS) {
      for (const x of t.exchanges) {
        const m = /^AT%KEYGEN=(\d+),2,0(?:,"([^"]*)")?$/.exec(x.command);
        if (!m || !('lines' in x.expect)) continue;
        const r = parseKeygenResponse(x.expect.lines[0]!, { expectedSecTag: Number(m[1]) });
        const subject = new x509.Pkcs10CertificateRequest(r.csrDer).subject;
        // Without attributes the modem names the CSR after its device UUID, the one it attests.
        expect(subject, t.id).toBe(m[2] ?? `CN=${r.attestation.deviceUuidString}`);
        parsed++;
      }
    }
    expect(parsed).toBe(4);
  });
});

describe('ScriptedModem', () => {
  const steps = [
    { command: 'AT+CFUN=4', response: 'OK\r\n' },
    { command: 'AT+CGSN', response: '352656109480783\r\nOK\r\n' },
  ];

  it('fails the test on an unexpected command, answering it ERROR', async () => {
    const [station, device] = createPipePair();
    const modem = new ScriptedModem(device, steps);
    const at = new AtClient(station, { timeoutMs: 500 });
    await expect(at.send('AT+CFUN=4')).resolves.toEqual({ lines: [] });
    const e = await at.send('AT+CGMR').catch((err: unknown) => err);
    expect(isCustodianError(e, Nrf91ErrorCodes.NRF91_AT_ERROR)).toBe(true);
    expect(() => modem.verify()).toThrow(/unexpected command.*AT\+CGMR.*expected "AT\+CGSN"/);
    at.dispose();
  });

  it('fails the test when the script is not played to its end', async () => {
    const [station, device] = createPipePair();
    const modem = new ScriptedModem(device, steps);
    const at = new AtClient(station);
    await at.send('AT+CFUN=4');
    expect(modem.remaining).toBe(1);
    expect(() => modem.verify()).toThrow(/1 step\(s\) not reached; next expected "AT\+CGSN"/);
    at.dispose();
  });

  it('frames like the AT host: a CR-terminated host sees the LF of a CR LF host in front of the next command', async () => {
    const [station, device] = createPipePair();
    const modem = new ScriptedModem(device, steps, { terminator: '\r' });
    const at = new AtClient(station, { timeoutMs: 500 });
    await expect(at.send('AT+CFUN=4')).resolves.toEqual({ lines: [] });
    await expect(at.send('AT+CGSN')).rejects.toMatchObject({ code: Nrf91ErrorCodes.NRF91_AT_ERROR });
    expect(modem.received).toEqual(['AT+CFUN=4', '\nAT+CGSN']);
    at.dispose();
  });

  it('keeps CR and LF inside quotes as part of the command', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\r\n';
    const [station, device] = createPipePair();
    const modem = new ScriptedModem(device, [{ command: `AT%CMNG=0,1,0,"${pem}"`, response: 'OK\r\n' }]);
    const at = new AtClient(station, { timeoutMs: 500 });
    await expect(at.send(`AT%CMNG=0,1,0,"${pem}"`)).resolves.toEqual({ lines: [] });
    expect(() => modem.verify()).not.toThrow();
    at.dispose();
  });
});
