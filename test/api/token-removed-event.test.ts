/**
 * The service's side of a pulled token: when the authority port says it
 * dropped its key by itself, authority.lockState announces it with reason
 * 'token-removed' and the idle timer stops (no SoftHSM2 needed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/shared/api';
import { dispatch } from '../../electron/core/service/dispatch';
import { createStationService } from '../../electron/core/service/station-service';
import { ScriptedFilePicker } from '../../electron/core/service/bridge';
import { PkiTestAuthority } from '../support/pki-authority';

/** The test authority, with a token that can be pulled out. */
class PullableAuthority extends PkiTestAuthority {
  private readonly lost = new Set<() => void>();
  onKeyLost(listener: () => void) {
    this.lost.add(listener);
    return () => { this.lost.delete(listener); };
  }
  pull() {
    this.unlocked = false;
    for (const l of this.lost) l();
  }
}

let home: string;
beforeEach(async () => { home = await mkdtemp(join(tmpdir(), 'custodian-pull-')); });
afterEach(async () => { await rm(home, { recursive: true, force: true }); });

describe('authority.lockState on a removed token', () => {
  it('is pushed at once with reason token-removed, and the status no longer promises an auto-lock', async () => {
    const authority = new PullableAuthority();
    const service = createStationService({ home, platform: { files: new ScriptedFilePicker(), version: 't', platform: 'linux' }, authority });
    const events: EventPayload<'authority.lockState'>[] = [];
    service.on('authority.lockState', (e) => events.push(e));
    const created = await dispatch(service.api, 'authority.initRoot', { subject: { commonName: 'Root' }, validityDays: 10, pathLen: 0, passphrase: 'a long enough passphrase' });
    expect(created.ok).toBe(true);
    expect(events.at(-1)).toMatchObject({ state: 'unlocked', reason: 'configured', autoLockAt: expect.any(String) });

    authority.pull();
    await expect.poll(() => events.at(-1)).toEqual({ state: 'locked', reason: 'token-removed', autoLockAt: null });
    const s = await dispatch(service.api, 'authority.status', undefined);
    expect(s).toMatchObject({ ok: true, value: { state: 'locked', autoLockAt: null } });
    await service.shutdown();
  });
});
