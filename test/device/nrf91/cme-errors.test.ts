import { describe, expect, it } from 'vitest';
import { AtClient } from '../../../electron/core/device/nrf91/at-client';
import { Nrf91CmeErrorCodes } from '../../../electron/core/device/nrf91/cme-codes';
import { CME_ERRORS, cmeErrorEntry, NRF91_COMMANDS, nrf91Error, type Nrf91Command } from '../../../electron/core/device/nrf91/cme-errors';
import { Nrf91ErrorCodes } from '../../../electron/core/device/nrf91/codes';
import { createPipePair } from '../../../electron/core/device/transport';
import { CustodianError, isCustodianError } from '../../../electron/core/errors';

/** Every CME number Nordic documents for the station's commands (see cme-errors.ts sources). */
const DOCUMENTED = [0, 23, 50, 60, 513, 514, 515, 516, 517, 518, 519, 520, 523, 527, 528];

/** Sends `command` through a real AtClient to a peer that answers `answer`; returns what the client threw. */
async function clientError(command: string, answer: string): Promise<unknown> {
  const [station, device] = createPipePair();
  device.onData(() => void device.write(new TextEncoder().encode(answer)));
  const at = new AtClient(station, { timeoutMs: 1000 });
  try {
    await at.send(command);
  } catch (e) {
    return e;
  } finally {
    at.dispose();
    await station.close();
  }
  throw new Error('expected the command to fail');
}

describe('CME_ERRORS table', () => {
  it('has an entry for every documented number, each with its own code', () => {
    expect(Object.keys(CME_ERRORS).map(Number).sort((a, b) => a - b)).toEqual(DOCUMENTED);
    const codes = DOCUMENTED.map((n) => CME_ERRORS[n]!.code);
    expect(new Set(codes).size).toBe(DOCUMENTED.length);
    expect(codes).not.toContain(Nrf91CmeErrorCodes.NRF91_CME_UNKNOWN);
    for (const c of codes) expect(Object.values(Nrf91CmeErrorCodes)).toContain(c);
  });

  it('keeps Nordic’s meaning on the right number', () => {
    const m = (n: number, cmd: Nrf91Command = 'cmng-write'): string => cmeErrorEntry(n, cmd)!.meaning;
    expect(m(513, 'cmng-read')).toMatch(/nothing is stored/i);
    expect(m(514, 'cmng-read')).toMatch(/access/i);
    expect(m(514, 'keygen')).toMatch(/does not allow/i);
    expect(m(515)).toMatch(/full/i);
    expect(m(518)).toMatch(/activated/i);
    expect(m(519)).toMatch(/already exists/i);
    expect(m(520)).toMatch(/XSUDO/);
    expect(m(523, 'keygen')).toMatch(/generate/i);
    expect(m(527)).toMatch(/certificate content/i);
    expect(m(528)).toMatch(/power-off warning/i);
  });

  it('words 513 by command: a delete of nothing is harmless, a read of nothing is not', () => {
    expect(cmeErrorEntry(513, 'cmng-delete')!.remedy).toMatch(/nothing to do/i);
    expect(cmeErrorEntry(513, 'cmng-read')!.remedy).toMatch(/provision the device again/i);
    expect(cmeErrorEntry(513, 'cmng-delete')!.code).toBe(cmeErrorEntry(513, 'cmng-read')!.code);
  });

  it('marks as retryable only what the station can fix by itself', () => {
    expect(CME_ERRORS[518]!.retryable).toBe(true);
    expect(CME_ERRORS[518]!.remedy).toMatch(/AT\+CFUN=4/);
    expect(CME_ERRORS[523]!.retryable).toBe(true);
    for (const n of [513, 514, 515, 519, 527, 528]) expect(CME_ERRORS[n]!.retryable, String(n)).toBe(false);
  });
});

describe('nrf91Error', () => {
  it('maps each documented number, for each command, to its code with remedy, number and command name', async () => {
    const original = await clientError('AT%CMNG=2,16842753,0', '+CME ERROR: 513\r\n');
    expect(isCustodianError(original, Nrf91ErrorCodes.NRF91_CME_ERROR)).toBe(true);
    for (const n of DOCUMENTED) {
      const e = new CustodianError(Nrf91ErrorCodes.NRF91_CME_ERROR, `%CMNG: +CME ERROR: ${n}`, { name: '%CMNG', cme: n, lines: [] });
      for (const command of NRF91_COMMANDS) {
        const mapped = nrf91Error(e, command);
        expect(mapped.code, `${n}/${command}`).toBe(CME_ERRORS[n]!.code);
        expect(mapped.details).toMatchObject({ command, name: '%CMNG', cme: n, retryable: CME_ERRORS[n]!.retryable });
        expect(String(mapped.details.remedy).length, `${n}/${command}`).toBeGreaterThan(20);
        expect(mapped.cause).toBe(e);
      }
    }
  });

  it('maps the error a real AtClient raised', async () => {
    const e = await clientError('AT%KEYGEN=16842753,2,0', '+CME ERROR: 518\r\n');
    const mapped = nrf91Error(e, 'keygen') as CustodianError;
    expect(mapped.code).toBe(Nrf91CmeErrorCodes.NRF91_MODEM_ONLINE);
    expect(mapped.details).toMatchObject({ command: 'keygen', name: '%KEYGEN', cme: 518 });
    expect(mapped.message).toContain('+CME ERROR: 518');
  });

  it('maps unknown numbers to one generic code and keeps the number', () => {
    for (const n of [1, 521, 522, 525, 999]) {
      const e = new CustodianError(Nrf91ErrorCodes.NRF91_CME_ERROR, 'x', { name: '%CMNG', cme: n, lines: [] });
      const mapped = nrf91Error(e, 'cmng-write');
      expect(mapped.code).toBe(Nrf91CmeErrorCodes.NRF91_CME_UNKNOWN);
      expect(mapped.details).toMatchObject({ cme: n, command: 'cmng-write', retryable: false });
      expect(String(mapped.details.remedy)).toMatch(/AT\+CGMR/);
    }
  });

  it('returns every other failure unchanged', async () => {
    const timeout = await (async () => {
      const [station] = createPipePair();
      const at = new AtClient(station, { timeoutMs: 20 });
      try {
        await at.send('AT+CGSN');
      } catch (e) {
        return e;
      } finally {
        at.dispose();
      }
      return null;
    })();
    expect(isCustodianError(timeout, Nrf91ErrorCodes.NRF91_AT_TIMEOUT)).toBe(true);
    expect(nrf91Error(timeout, 'cgsn')).toBe(timeout);
    const bare = await clientError('AT%DEVICEUUID', 'ERROR\r\n');
    expect(nrf91Error(bare, 'uuid')).toBe(bare);
    const plain = new Error('boom');
    expect(nrf91Error(plain, 'cfun-set')).toBe(plain);
    expect(nrf91Error(undefined, 'cfun-read')).toBeUndefined();
    const noNumber = new CustodianError(Nrf91ErrorCodes.NRF91_CME_ERROR, 'x', { name: '%CMNG' });
    expect(nrf91Error(noNumber, 'cmng-read')).toBe(noNumber);
  });

  it('never carries the command text (a %CMNG write holds key material)', async () => {
    const secret = 'MC4CAQAwBQYDK2VwBCIEIHSECRETKEYMATERIALDONOTLEAKxxxxxxxxxxxxxxx';
    const command = `AT%CMNG=0,16842753,2,"-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n"`;
    for (const answer of ['+CME ERROR: 518\r\n', '+CME ERROR: 599\r\n']) {
      const e = await clientError(command, answer);
      const mapped = nrf91Error(e, 'cmng-write') as CustodianError;
      const seen = JSON.stringify({ json: mapped.toJSON(), details: mapped.details, message: mapped.message, cause: (mapped.cause as CustodianError).toJSON() });
      expect(seen).not.toContain(secret);
      expect(seen).not.toContain('BEGIN PRIVATE KEY');
      expect(Object.keys(mapped.details).sort()).toEqual(['cme', 'command', 'meaning', 'name', 'remedy', 'retryable']);
    }
  });
});
