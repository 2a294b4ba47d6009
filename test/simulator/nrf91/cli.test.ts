/** `custodian simulate --driver nrf91`: the modem on a pty, as a program of its own. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../../electron/cli/commands/simulate';
import { runCli } from '../../../electron/cli/run';
import type { CliIo } from '../../../electron/cli/types';
import { Nrf91DeviceClient } from '../../../electron/core/device/nrf91/nrf91-client';
import { SerialPortTransport } from '../../../electron/core/device/serial-transport';
import { driverOptions, expectCode, provision, tempDir } from './support';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function memIo(cwd: string): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin: process.stdin,
    env: {},
    cwd,
    out: () => out,
    err: () => err,
  };
}

async function waitFor(path: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} did not appear`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('custodian simulate --driver nrf91', () => {
  it('serves a modem on the pty, writes its identity-keys file, and reports the session', async () => {
    const dir = await tempDir('custodian-nrf91-cli-');
    try {
      const io = memIo(dir);
      const done = runCli(
        ['simulate', '--driver', 'nrf91', '--state', 'modem', '--link', 'ttyNRF', '--firmware', 'mfw_nrf91x1_2.0.2', '--imei', '352656100367872',
          '--identity-keys-out', 'keys.json', '--urc-every', '20', '--urc-seed', '3', '--baud', '921600', '--fault', 'write-fail,cme=520', '--exit-after', '4', '--json'],
        io,
        [simulateCommand],
      );
      await waitFor(join(dir, 'ttyNRF'));
      await waitFor(join(dir, 'keys.json'));
      const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as Record<string, string>;
      const [uuid, spkiPem] = Object.entries(keys)[0]!;
      const identityKeys = new Map([[uuid, new Uint8Array(createPublicKey(spkiPem).export({ format: 'der', type: 'spki' }))]]);
      const client = await Nrf91DeviceClient.attach(await SerialPortTransport.open(join(dir, 'ttyNRF'), { baudRate: 921_600 }), driverOptions({ identityKeys, baud: 921_600 }));
      expect(await expectCode(provision(client), 'NRF91_AUTHENTICATION_FAILED')).toMatchObject({ cme: 520 });
      const id = await client.identify();
      expect(id).toMatchObject({ deviceId: 'nrf-352656100367872', facts: { uuid } });
      const key = await client.generateKey('P-256', { csr: id.deviceId });
      expect(key.attestation?.signature).toBe('verified');
      await client.close();
      expect(await done).toBe(0);
      const report = JSON.parse(io.out());
      expect(report).toMatchObject({
        driver: 'nrf91',
        path: join(dir, 'ttyNRF'),
        imei: '352656100367872',
        model: 'nRF9151-LACA',
        firmware: 'mfw_nrf91x1_2.0.2',
        uuid,
        cfun: 1,
        faultsFired: [{ kind: 'write-fail', step: 'cmng-write' }],
        identityKeysFile: join(dir, 'keys.json'),
      });
      expect(report.stats.byCommand.keygen).toBe(2);
      expect(report.credentials).toEqual([{ secTag: 10, type: 2, bytes: expect.any(Number) }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 15_000);

  it('starts as a program of its own: tsx electron/cli/main.ts simulate --driver nrf91 --state <dir> --exit-after 2', async () => {
    const dir = await tempDir('custodian-nrf91-cli-');
    try {
      const { stderr } = await promisify(execFile)(join(ROOT, 'node_modules/.bin/tsx'), ['electron/cli/main.ts', 'simulate', '--driver', 'nrf91', '--state', join(dir, 'modem'), '--exit-after', '2'], {
        cwd: ROOT,
        timeout: 20_000,
      });
      expect(stderr).toMatch(/simulated nRF91 modem IMEI [0-9]{15} \(nRF9160-SICA, mfw_nrf9160_1\.3\.5/);
      expect(stderr).toMatch(/connect the station to: .*tty-station/);
      expect(JSON.parse(readFileSync(join(dir, 'modem', 'state.json'), 'utf8'))).toMatchObject({ firmware: 'mfw_nrf9160_1.3.5', credentials: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses bad driver options as usage errors (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--driver', 'zigbee'], /--driver must be custodian or nrf91/],
      [['--driver', 'nrf91', '--fault', 'silent:identify'], /unknown step identify/],
      [['--driver', 'nrf91', '--next-state', 'y'], /--next-state does not apply to --driver nrf91/],
      [['--shell'], /--shell does not apply to --driver custodian/],
      [['--driver', 'nrf91', '--firmware', '1.3.5'], /--firmware must be a Nordic modem firmware name/],
    ];
    for (const [args, message] of cases) {
      const io = memIo(process.cwd());
      expect(await runCli(['simulate', '--state', 'x', ...args], io, [simulateCommand])).toBe(2);
      expect(io.err()).toMatch(message);
    }
  });
});
