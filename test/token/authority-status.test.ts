/** What the station API's authority status says about where the key is, and unlocking a token-held key through it with the PIN. */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority } from '../../electron/core/authority/index';
import { authorityAdapter } from '../../electron/core/service/adapters/authority';
import { HAVE_SOFTHSM, startSoftHsm, type SoftHsm } from './softhsm';

const PIN = '565656';
let hsm: SoftHsm;
let serial: string;
const W = mkdtempSync(join(tmpdir(), 'token-status-'));

describe.skipIf(!HAVE_SOFTHSM)('authority status for a token-held key', () => {
  beforeAll(async () => {
    hsm = startSoftHsm();
    serial = hsm.initToken('station', PIN);
    const a = Authority.open({ home: join(W, 'token'), presenceIntervalMs: 0 });
    await a.initRoot({ commonName: 'Token-Root', pathLen: 0, days: 30, token: { uri: hsm.uri('station', 'root-key'), pin: PIN } });
    await a.lock();
    const v = Authority.open({ home: join(W, 'vault'), workFactor: 17 });
    await v.initRoot({ commonName: 'Vault-Root', pathLen: 0, days: 30, passphrase: 'vault passphrase 1' });
    await v.lock();
  });

  it('names the token, its serial and the key; a vault station says vault; no authority says nothing', async () => {
    const port = authorityAdapter(join(W, 'token'), () => Authority.open({ home: join(W, 'token'), presenceIntervalMs: 0 }));
    expect(port.keyLocation()).toMatchObject({ location: 'token', tokenLabel: 'station', tokenSerial: serial, keyLabel: 'root-key' });
    expect(port.keyLocation()).toHaveProperty('keyId', expect.stringMatching(/^[0-9a-f]{32}$/));
    expect(authorityAdapter(join(W, 'vault')).keyLocation()).toEqual({ location: 'vault' });
    expect(authorityAdapter(join(W, 'none')).keyLocation()).toBeNull();
  });

  it('unlocks with the PIN through the port and locks again (logging out)', async () => {
    const port = authorityAdapter(join(W, 'token'), () => Authority.open({ home: join(W, 'token'), presenceIntervalMs: 0 }));
    await expect(port.unlock('000000')).rejects.toMatchObject({ code: 'TOKEN_PIN_INCORRECT' });
    await port.unlock(PIN);
    expect((await port.describe()).unlocked).toBe(true);
    await port.lock();
    expect((await port.describe()).unlocked).toBe(false);
  });
});
