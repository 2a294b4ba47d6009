import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../electron/cli/commands/simulate';
import { runCli } from '../../electron/cli/run';
import type { CliIo } from '../../electron/cli/types';
import { waitForDevice } from '../../electron/core/device/connect';

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

describe('custodian simulate', () => {
  it('serves a device on the requested pty link until it stops, then reports the session', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'custodian-simcli-'));
    try {
      const io = memIo(dir);
      const done = runCli(
        ['simulate', '--state', 'dev', '--link', 'ttyCUST', '--device-id', 'cli-dev-1', '--baud', '921600', '--fault', 'error-reply:identify,error=BUSY', '--exit-after', '6', '--json'],
        io,
        [simulateCommand],
      );
      const client = await waitForDevice({ path: join(dir, 'ttyCUST'), baud: 921600, pollMs: 50, timeoutMs: 5000 });
      expect(client.session.identity?.deviceId).toBe('cli-dev-1'); // announced at HELLO (§4.1)
      await client.readCredentials(); // so the next identify() asks the device
      await expect(client.identify()).rejects.toMatchObject({ code: 'DEVICE_ERROR_BUSY' });
      expect((await client.identify()).deviceId).toBe('cli-dev-1');
      await client.close();
      expect(await done).toBe(0);
      const report = JSON.parse(io.out());
      expect(report).toMatchObject({ path: join(dir, 'ttyCUST'), deviceId: 'cli-dev-1', faultsFired: [{ kind: 'error-reply', step: 'identify' }] });
      expect(report.stats.byCommand.IDENTIFY).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad fault spec as a usage error (exit 2)', async () => {
    const io = memIo(tmpdir());
    expect(await runCli(['simulate', '--state', 'x', '--fault', 'explode:identify'], io, [simulateCommand])).toBe(2);
    expect(io.err()).toMatch(/CLI_USAGE.*unknown fault kind/);
  });
});
