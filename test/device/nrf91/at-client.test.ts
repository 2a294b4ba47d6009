import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtClient, type AtUrc } from '../../../electron/core/device/nrf91/at-client';
import { createPipePair, TransportEvents, type Transport } from '../../../electron/core/device/transport';
import { isCustodianError } from '../../../electron/core/errors';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Tiny in-test transport: records writes; the test pushes received bytes synchronously. */
function fakeTransport(onWrite: (text: string, t: FakeTransport) => void = () => {}) {
  const events = new TransportEvents();
  const writes: string[] = [];
  let open = true;
  const t = {
    description: 'fake',
    get isOpen() {
      return open;
    },
    writes,
    write(data: Uint8Array): Promise<void> {
      if (!open) return Promise.reject(new Error('closed'));
      const text = dec(data);
      writes.push(text);
      onWrite(text, t);
      return Promise.resolve();
    },
    onData: (l: (c: Uint8Array) => void) => events.onData(l),
    onClose: (l: (e?: Error) => void) => events.onClose(l),
    close(): Promise<void> {
      open = false;
      events.emitClose();
      return Promise.resolve();
    },
    emit(s: string | Uint8Array): void {
      events.emitData(typeof s === 'string' ? enc(s) : s);
    },
  };
  return t;
}
type FakeTransport = ReturnType<typeof fakeTransport>;

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 1000;
  while (!cond() && Date.now() < deadline) await tick();
  if (!cond()) throw new Error('condition not reached');
}
const codeOf = (e: unknown): string | undefined => (isCustodianError(e) ? e.code : undefined);
async function failure(p: Promise<unknown>): Promise<{ code?: string; details?: Readonly<Record<string, unknown>> }> {
  try {
    await p;
  } catch (e) {
    return { code: codeOf(e), details: isCustodianError(e) ? e.details : undefined };
  }
  throw new Error('expected rejection');
}

const PEM = '-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\n-----END CERTIFICATE-----\r\n';
const CMNG_LINE = `%CMNG: 16842753,0,"2C43952EE9E000FF","${PEM}"`;

describe('AtClient', () => {
  it('writes the command with CR LF, ignores the echo and returns the information lines on OK', async () => {
    const t = fakeTransport();
    const at = new AtClient(t);
    const p = at.send('AT+CGSN');
    await until(() => t.writes.length === 1);
    expect(t.writes).toEqual(['AT+CGSN\r\n']);
    t.emit('AT+CGSN\r\n\r\n352656100367872\r\n\r\nOK\r\n');
    await expect(p).resolves.toEqual({ lines: ['352656100367872'] });
  });

  it('honours another terminator', async () => {
    const t = fakeTransport((_, tt) => tt.emit('OK\r\n'));
    const at = new AtClient(t, { terminator: '\r' });
    await at.send('AT');
    expect(t.writes).toEqual(['AT\r']);
  });

  it('registers its waiter before writing (a reply during write() is not lost)', async () => {
    const t = fakeTransport((_, tt) => tt.emit('+CGSN: "352656100367872"\r\nOK\r\n'));
    const at = new AtClient(t);
    await expect(at.send('AT+CGSN=1')).resolves.toEqual({ lines: ['+CGSN: "352656100367872"'] });
  });

  it('maps ERROR, +CME ERROR and +CMS ERROR to stable codes with details', async () => {
    const replies = ['ERROR', '+CME ERROR: 513', '+CMS ERROR: 500'];
    const t = fakeTransport((_, tt) => tt.emit(`\r\n${replies.shift()}\r\n`));
    const at = new AtClient(t);
    expect(await failure(at.send('AT+FOO'))).toEqual({ code: 'NRF91_AT_ERROR', details: { name: '+FOO', lines: [] } });
    const cme = await failure(at.send('AT%CMNG=2,7,0', { name: 'read-cert' }));
    expect(cme.code).toBe('NRF91_CME_ERROR');
    expect(cme.details).toMatchObject({ cme: 513, name: 'read-cert' });
    expect(await failure(at.send('AT+CMGS=1'))).toMatchObject({ code: 'NRF91_CMS_ERROR', details: { cms: 500 } });
  });

  it('does not put the command text (key material) into error details', async () => {
    const t = fakeTransport((_, tt) => tt.emit('+CME ERROR: 518\r\n'));
    const at = new AtClient(t);
    const f = await failure(at.send('AT%CMNG=0,7,2,"-----BEGIN PRIVATE KEY-----\r\nSECRET\r\n-----END PRIVATE KEY-----"'));
    expect(f.code).toBe('NRF91_CME_ERROR');
    expect(JSON.stringify(f.details)).not.toContain('SECRET');
  });

  it('reads a %CMNG PEM whose CR LF sit inside quotes, with a URC in between', async () => {
    const t = fakeTransport();
    const at = new AtClient(t);
    const urcs: AtUrc[] = [];
    at.onUrc((u) => urcs.push(u));
    const p = at.send('AT%CMNG=2,16842753,0');
    await until(() => t.writes.length === 1);
    t.emit(`\r\n${CMNG_LINE}\r\n+CEREG: 1,"0A0B","01020304",7\r\nOK\r\n`);
    await expect(p).resolves.toEqual({ lines: [CMNG_LINE] });
    expect(urcs).toEqual([{ prefix: '+CEREG', line: '+CEREG: 1,"0A0B","01020304",7' }]);
  });

  it('an unrelated URC never completes the command, and URCs with no command running are delivered', async () => {
    const t = fakeTransport();
    const at = new AtClient(t);
    const urcs: string[] = [];
    at.onUrc((u) => urcs.push(u.line));
    t.emit('%XSIM: 1\r\n');
    const p = at.send('AT%KEYGEN=16842753,2,0', { timeoutMs: 2000 });
    await until(() => t.writes.length === 1);
    let settled = false;
    void p.then(() => (settled = true));
    t.emit('%MDMEV: SEARCH STATUS 1\r\n%CESQ: 54,2,17,3\r\n');
    await tick();
    expect(settled).toBe(false);
    t.emit('%KEYGEN: "MIIBCjCB.sig"\r\nOK\r\n');
    await expect(p).resolves.toEqual({ lines: ['%KEYGEN: "MIIBCjCB.sig"'] });
    expect(urcs).toEqual(['%XSIM: 1', '%MDMEV: SEARCH STATUS 1', '%CESQ: 54,2,17,3']);
  });

  it('times out with NRF91_AT_TIMEOUT naming the command', async () => {
    const t = fakeTransport();
    const at = new AtClient(t);
    expect(await failure(at.send('AT%KEYGEN=1,2,0', { timeoutMs: 20 }))).toEqual({
      code: 'NRF91_AT_TIMEOUT',
      details: { name: '%KEYGEN', timeoutMs: 20 },
    });
    expect(at.stats.timeouts).toBe(1);
  });

  it('drops a reply that arrives after its timeout; the next command is written after it and gets only its own reply', async () => {
    const t = fakeTransport();
    const at = new AtClient(t, { staleGraceMs: 2000 });
    const first = failure(at.send('AT+CGSN', { timeoutMs: 20 }));
    const second = at.send('AT+CGMR');
    expect((await first).code).toBe('NRF91_AT_TIMEOUT');
    await sleep(10);
    expect(t.writes).toEqual(['AT+CGSN\r\n']); // held until the late reply is drained
    t.emit('352656100367872\r\n%XSIM: 1\r\nOK\r\n'); // late reply, with a URC inside
    await until(() => t.writes.length === 2);
    expect(t.writes[1]).toBe('AT+CGMR\r\n');
    t.emit('mfw_nrf9160_1.3.5\r\nOK\r\n');
    await expect(second).resolves.toEqual({ lines: ['mfw_nrf9160_1.3.5'] });
    expect(at.stats.lateLines).toBe(2);
    expect(at.stats.urcs).toBe(1);
  });

  it('if the late reply never comes, the next command proceeds after the grace period', async () => {
    const t = fakeTransport();
    const at = new AtClient(t, { staleGraceMs: 20 });
    await failure(at.send('AT+CGSN', { timeoutMs: 10 }));
    const p = at.send('AT');
    await until(() => t.writes.length === 2);
    t.emit('OK\r\n');
    await expect(p).resolves.toEqual({ lines: [] });
  });

  it('runs one command at a time, in order', async () => {
    const t = fakeTransport();
    const at = new AtClient(t);
    const a = at.send('AT+CGMI');
    const b = at.send('AT+CGMM');
    await until(() => t.writes.length === 1);
    await tick();
    expect(t.writes).toEqual(['AT+CGMI\r\n']);
    t.emit('Nordic Semiconductor ASA\r\nOK\r\n');
    await until(() => t.writes.length === 2);
    t.emit('nRF9160-SICA\r\nOK\r\n');
    await expect(a).resolves.toEqual({ lines: ['Nordic Semiconductor ASA'] });
    await expect(b).resolves.toEqual({ lines: ['nRF9160-SICA'] });
  });

  it("shell mode: sends `at '<cmd>'`, ignores echo, prompt and VT100 escapes", async () => {
    const t = fakeTransport();
    const at = new AtClient(t, { mode: 'shell' });
    const p = at.send('AT+CGSN');
    await until(() => t.writes.length === 1);
    expect(t.writes).toEqual(["at 'AT+CGSN'\r\n"]);
    t.emit("\x1b[1;32muart:~$ \x1b[mat 'AT+CGSN'\r\n352656100367872\r\nOK\r\n\r\n\x1b[1;32muart:~$ \x1b[m");
    await expect(p).resolves.toEqual({ lines: ['352656100367872'] });
  });

  it('shell mode: a PEM crosses as one shell line, LF as `\\n`; CR, single quotes and backslashes are refused unsent', async () => {
    const t = fakeTransport((_, tt) => tt.emit('OK\r\n'));
    const at = new AtClient(t, { mode: 'shell' });
    await at.send('AT%CMNG=0,10,1,"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"');
    expect(t.writes).toEqual(["at 'AT%CMNG=0,10,1,\"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n\"'\r\n"]);
    for (const bad of ['AT%CMNG=0,10,1,"a\r\nb"', "AT+X='1'", 'AT+X="a\\b"']) {
      await expect(at.send(bad)).rejects.toMatchObject({ code: 'NRF91_AT_BAD_COMMAND' });
    }
    expect(t.writes).toHaveLength(1);
  });

  it('rejects malformed commands without writing', async () => {
    const t = fakeTransport();
    const at = new AtClient(t);
    expect((await failure(at.send('CGSN'))).code).toBe('NRF91_AT_BAD_COMMAND');
    expect((await failure(at.send('AT+CGSN\r\nAT+CFUN=0'))).code).toBe('NRF91_AT_BAD_COMMAND');
    expect((await failure(at.send('AT%CMNG=0,1,0,"unterminated'))).code).toBe('NRF91_AT_BAD_COMMAND');
    const shell = new AtClient(fakeTransport(), { mode: 'shell' });
    expect((await failure(shell.send('AT%CMNG=0,1,0,"a\r\nb"'))).code).toBe('NRF91_AT_BAD_COMMAND');
    expect(t.writes).toEqual([]);
  });

  it('fails the pending and queued commands with DEVICE_DISCONNECTED when the link closes', async () => {
    const t = fakeTransport();
    const at = new AtClient(t);
    const a = failure(at.send('AT+CGSN'));
    const b = failure(at.send('AT+CGMR'));
    await until(() => t.writes.length === 1);
    await t.close();
    expect((await a).code).toBe('DEVICE_DISCONNECTED');
    expect((await b).code).toBe('DEVICE_DISCONNECTED');
  });

  it('rejects bad options', () => {
    const t = fakeTransport();
    expect(() => new AtClient(t, { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => new AtClient(t, { mode: 'raw' as 'plain' })).toThrow(/mode/);
  });

  it('works over createPipePair against a scripted modem', async () => {
    const [station, modem] = createPipePair(['station', 'modem']);
    modem.onData((c) => {
      if (dec(c) === 'AT+CGSN\r\n') void modem.write(enc('\r\n352656100367872\r\n\r\nOK\r\n'));
    });
    const at = new AtClient(station as Transport);
    await expect(at.send('AT+CGSN')).resolves.toEqual({ lines: ['352656100367872'] });
  });

  it('property: reply split at random positions with URCs interleaved → same lines, all URCs in order', async () => {
    const urcGen = fc.constantFrom('+CEREG: 2,"76C1","0102DA04",7', '%CESQ: 54,2,17,3', '%XSIM: 1', '%MDMEV: PRACH CE-LEVEL 0', '+CSCON: 1');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(3), urcGen), { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom('\r\n', '\n', '\r'),
        async (urcSpots, cuts, eol) => {
          const body = [CMNG_LINE, '%CMNG: 16842753,1,"AA11"', 'OK'];
          const urcsAt: string[][] = [[], [], [], []];
          for (const [pos, u] of urcSpots) urcsAt[pos]?.push(u);
          let text = 'AT%CMNG=2,16842753\r\n';
          body.forEach((l, i) => {
            for (const u of urcsAt[i] ?? []) text += `${u}${eol}`;
            text += `${eol}${l}${eol}`;
          });
          for (const u of urcsAt[3] ?? []) text += `${u}${eol}`;
          const bytes = enc(text);
          const t = fakeTransport();
          const at = new AtClient(t);
          const seen: string[] = [];
          at.onUrc((u) => seen.push(u.line));
          const p = at.send('AT%CMNG=2,16842753');
          await until(() => t.writes.length === 1);
          const positions = [...new Set(cuts.map((n) => n % (bytes.length + 1)))].sort((x, y) => x - y);
          let from = 0;
          for (const pos of positions) {
            t.emit(bytes.subarray(from, pos));
            from = pos;
          }
          t.emit(bytes.subarray(from));
          expect(await p).toEqual({ lines: body.slice(0, 2) });
          expect(seen).toEqual([0, 1, 2, 3].flatMap((i) => urcsAt[i] ?? []));
          expect(seen).toHaveLength(urcSpots.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});
