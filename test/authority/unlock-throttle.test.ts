/**
 * Wrong passphrases at unlock: each is emitted as `authority.unlock-failed`
 * (the journal records it), and in one process the next attempt waits 0, 1,
 * 2, 4 … s, at most 30 s, before the key file is tried; a right passphrase
 * starts the count again. The clock and sleep are fakes: nothing sleeps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority, type AuthorityEvent } from '../../electron/core/authority/index';
import { UnlockThrottle, unlockDelayMs } from '../../electron/core/authority/unlock-throttle';
import { isCustodianError, type CustodianError } from '../../electron/core/errors';
import { tempDir } from './fixtures';

const W = tempDir('unlock-throttle-');
const PASS = 'throttle passphrase 5';

beforeAll(async () => {
  await Authority.open({ home: W, workFactor: 17 }).initRoot({ commonName: 'Throttle Root', days: 30, passphrase: PASS });
}, 60_000);

/** An authority over the same home with a fake clock whose sleep advances it, logging sleeps and events in order. */
function throttled() {
  let now = 1_000_000;
  const log: string[] = [];
  const events: AuthorityEvent[] = [];
  const throttle = new UnlockThrottle({ now: () => now, sleep: async (ms) => { log.push(`sleep ${ms}`); now += ms; } });
  const a = Authority.open({ home: W, unlockThrottle: throttle, listener: (e) => { events.push(e); if (e.type === 'authority.unlock-failed') log.push(`failed ${e.attempt}`); } });
  return { a, log, events, advance: (ms: number) => { now += ms; } };
}

async function wrong(a: Authority): Promise<CustodianError> {
  try {
    await a.unlock('not the passphrase');
  } catch (e) {
    if (isCustodianError(e)) return e;
    throw e;
  }
  throw new Error('unlocked with a wrong passphrase');
}

describe('unlock attempts', () => {
  it('the delay after n wrong passphrases in a row: 0, 0, 1, 2, 4, 8, 16 s, then 30 s at most', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map(unlockDelayMs)).toEqual([0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('waits before each attempt after the second wrong passphrase, growing, and starts again after a right one', async () => {
    const { a, log } = throttled();
    const errors = [];
    for (let i = 0; i < 4; i++) errors.push(await wrong(a));
    expect(errors.map((e) => e.code)).toEqual(Array(4).fill('VAULT_WRONG_PASSPHRASE'));
    expect(log).toEqual(['failed 1', 'failed 2', 'sleep 1000', 'failed 3', 'sleep 2000', 'failed 4']);
    expect(errors[3]!.details).toMatchObject({ attempt: 4, retryDelayMs: 4000 });
    expect(errors[3]!.message).toContain('4 wrong in a row; the next attempt waits 4 s');
    await a.unlock(PASS);
    expect(log.slice(-1)).toEqual(['sleep 4000']);
    expect(a.unlocked).toBe(true);
    a.lock();
    log.length = 0;
    await wrong(a);
    await wrong(a);
    expect(log).toEqual(['failed 1', 'failed 2']);
  });

  it('does not wait once the delay has passed on its own', async () => {
    const { a, log, advance } = throttled();
    await wrong(a);
    await wrong(a);
    advance(1000);
    await wrong(a);
    expect(log).toEqual(['failed 1', 'failed 2', 'failed 3']);
  });

  it('emits each wrong passphrase with the key it was for, never the passphrase', async () => {
    const { a, events } = throttled();
    await wrong(a);
    const failed = events.filter((e) => e.type === 'authority.unlock-failed');
    expect(failed).toEqual([expect.objectContaining({
      type: 'authority.unlock-failed', code: 'VAULT_WRONG_PASSPHRASE', attempt: 1, delayMs: 0,
      spkiSha256: a.metadata!.spkiSha256, fingerprint: a.metadata!.certificateFingerprint,
    })]);
    expect(JSON.stringify(events)).not.toContain('not the passphrase');
  });

  it('a failed attempt the journal cannot record fails with the journal\'s error', async () => {
    const a = Authority.open({ home: W, listener: (e) => { if (e.type === 'authority.unlock-failed') throw Object.assign(new Error('disk full'), { code: 'ENOSPC' }); } });
    await expect(a.unlock('not the passphrase')).rejects.toThrow('disk full');
    expect(a.unlocked).toBe(false);
  });
});
