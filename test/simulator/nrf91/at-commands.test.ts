/** The simulated modem's AT semantics, driven with the station's AtClient directly. */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { pemText } from '../../../electron/core/device/nrf91/cmng';
import { NRF91_SHELL_PROMPT } from '../../../electron/core/simulator/nrf91';
import { expectCode, inProcessModem, testCa } from './support';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function modem(opts: Parameters<typeof inProcessModem>[0] = {}) {
  const m = await inProcessModem(opts);
  cleanup.push(() => m.cleanup());
  return m;
}

const rootPem = async (): Promise<string> => pemText([(await testCa()).chain[1]!]);

describe('nRF91 simulator AT commands', () => {
  it('answers the identity queries', async () => {
    const m = await modem();
    const { at } = m.at();
    const imei = m.sim.state().imei;
    expect((await at.send('AT')).lines).toEqual([]);
    expect((await at.send('AT+CGSN=1')).lines).toEqual([`+CGSN: "${imei}"`]);
    expect((await at.send('AT+CGSN')).lines).toEqual([imei]);
    expect((await at.send('AT+CGMR')).lines).toEqual(['mfw_nrf9160_1.3.5']);
    expect((await at.send('AT+CGMM')).lines).toEqual(['nRF9160-SICA']);
    expect((await at.send('AT+CFUN?')).lines).toEqual(['+CFUN: 1']);
    await expectCode(at.send('AT%DEVICEUUID'), 'NRF91_AT_ERROR'); // firmware 1.x
    await expectCode(at.send('AT+FOO'), 'NRF91_AT_ERROR');
    expect((await at.send('AT+CFUN=4;+CFUN?')).lines).toEqual(['+CFUN: 4']);
  });

  it('errors are bare ERROR until AT+CMEE=1, then +CME ERROR: <n>', async () => {
    const m = await modem();
    const { at } = m.at();
    const write = `AT%CMNG=0,10,0,"${await rootPem()}"`;
    await expectCode(at.send(write), 'NRF91_AT_ERROR');
    await at.send('AT+CMEE=1');
    expect((await at.send('AT+CMEE?')).lines).toEqual(['+CMEE: 1']);
    expect(await expectCode(at.send(write), 'NRF91_CME_ERROR')).toMatchObject({ cme: 518 });
    expect(await expectCode(at.send('AT%KEYGEN=10,2,0,"CN=x"'), 'NRF91_CME_ERROR')).toMatchObject({ cme: 518 });
    expect(await expectCode(at.send('AT%CMNG=3,10,0'), 'NRF91_CME_ERROR')).toMatchObject({ cme: 518 });
    expect(m.sim.state().credentials).toEqual([]);
  });

  it('stores, lists, reads and deletes credentials in CFUN 4 with the reference CME numbers', async () => {
    const m = await modem({ initialCfun: 4 });
    const { at } = m.at();
    await at.send('AT+CMEE=1');
    const pem = await rootPem();
    await at.send(`AT%CMNG=0,10,0,"${pem}"`);
    expect(await expectCode(at.send(`AT%CMNG=0,10,0,"${pem}"`), 'NRF91_CME_ERROR')).toMatchObject({ cme: 519 });
    expect(await expectCode(at.send('AT%CMNG=0,10,1,"not a certificate"'), 'NRF91_CME_ERROR')).toMatchObject({ cme: 527 });
    await at.send('AT%KEYGEN=10,2,0,"CN=nrf-1"');
    const sha = createHash('sha256').update(pem).digest('hex').toUpperCase();
    const list = (await at.send('AT%CMNG=1')).lines;
    expect(list[0]).toBe(`%CMNG: 10,0,"${sha}"`);
    expect(list[1]).toMatch(/^%CMNG: 10,2,"[0-9A-F]{64}"$/);
    expect((await at.send('AT%CMNG=1,10,0')).lines).toEqual([`%CMNG: 10,0,"${sha}"`]);
    expect((await at.send('AT%CMNG=1,11')).lines).toEqual([]);
    expect((await at.send('AT%CMNG=2,10,0')).lines).toEqual([`%CMNG: 10,0,"${sha}","${pem}"`]);
    expect(await expectCode(at.send('AT%CMNG=2,10,2'), 'NRF91_CME_ERROR')).toMatchObject({ cme: 514 });
    expect(await expectCode(at.send('AT%CMNG=2,10,1'), 'NRF91_CME_ERROR')).toMatchObject({ cme: 513 });
    expect(await expectCode(at.send(`AT%CMNG=0,4294967295,0,"${pem}"`), 'NRF91_CME_ERROR')).toMatchObject({ cme: 514 });
    await at.send('AT%CMNG=3,10,0');
    expect(await expectCode(at.send('AT%CMNG=3,10,0'), 'NRF91_CME_ERROR')).toMatchObject({ cme: 513 });
    expect(m.sim.state().credentials.map((c) => c.type)).toEqual([2]);
  });

  it('overwrites an existing item when configured to', async () => {
    const m = await modem({ initialCfun: 4, existingItem: 'overwrite' });
    const { at } = m.at();
    const pem = await rootPem();
    await at.send(`AT%CMNG=0,10,0,"${pem}"`);
    await at.send(`AT%CMNG=0,10,0,"${pem}${pem}"`);
    expect(m.sim.state().credentials[0]!.content).toBe(pem + pem);
  });

  it('refuses an item over 4 KB, and anything once the store is full, with 515', async () => {
    const m = await modem({ initialCfun: 4, itemBytes: 600, storageBytes: 1200, maxCommandChars: 8000 });
    const { at } = m.at();
    await at.send('AT+CMEE=1');
    const pem = await rootPem();
    expect(pem.length).toBeGreaterThan(300);
    expect(pem.length).toBeLessThan(600);
    await at.send(`AT%CMNG=0,1,0,"${pem}"`);
    await at.send(`AT%CMNG=0,2,0,"${pem}"`);
    expect(await expectCode(at.send(`AT%CMNG=0,3,0,"${pem}"`), 'NRF91_CME_ERROR')).toMatchObject({ cme: 515 });
    expect(await expectCode(at.send(`AT%CMNG=0,4,0,"${pem}${pem}"`), 'NRF91_CME_ERROR')).toMatchObject({ cme: 515 });
  });

  it('a command over 4095 characters loses its closing quote and never completes, until the modem is reset', async () => {
    const m = await modem({ initialCfun: 4 });
    const { at } = m.at({ timeoutMs: 300 });
    const pem = await rootPem();
    let big = '';
    while (big.length < 4200) big += pem;
    await expectCode(at.send(`AT%CMNG=0,10,0,"${big}"`), 'NRF91_AT_TIMEOUT');
    expect(m.sim.state().wedged).toBe(true);
    await expectCode(at.send('AT'), 'NRF91_AT_TIMEOUT'); // its CR LF is still payload to the host
    expect(m.sim.stats().overflows).toBe(1);
    await expectCode(m.at({ timeoutMs: 300 }).at.send('AT'), 'NRF91_AT_TIMEOUT'); // reopening the port does not help
    m.sim.powerCycle();
    expect((await m.at().at.send('AT')).lines).toEqual([]);
    expect(m.sim.state()).toMatchObject({ wedged: false, credentials: [] });
  });

  it('accepts CR alone and CR LF as terminators; CR LF inside quotes is payload', async () => {
    const m = await modem({ initialCfun: 4 });
    const cr = m.at({ terminator: '\r' });
    expect((await cr.at.send('AT+CGMR')).lines).toEqual(['mfw_nrf9160_1.3.5']);
    const pem = (await rootPem()).replaceAll('\n', '\r\n');
    await cr.at.send(`AT%CMNG=0,10,0,"${pem}"`);
    expect(m.sim.state().credentials[0]!.content).toBe(pem);
  });

  it('shell mode: a prompt on connect; `at <cmd>` is echoed and followed by the prompt; other lines are not AT', async () => {
    const m = await modem({ shell: true });
    const { transport } = m.at({ mode: 'shell' });
    let seen = '';
    transport.onData((c) => (seen += Buffer.from(c).toString('latin1')));
    await transport.write(new TextEncoder().encode('at AT+CGMM\r\nhelp\r\n'));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toBe(`${NRF91_SHELL_PROMPT}at AT+CGMM\r\nnRF9160-SICA\r\nOK\r\n\r\n${NRF91_SHELL_PROMPT}help\r\nhelp: command not found\r\n${NRF91_SHELL_PROMPT}`);
  });
});
