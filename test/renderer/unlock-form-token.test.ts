// @vitest-environment happy-dom
/** The unlock form for a CA key held in a hardware token: it asks for the token's PIN and sends it once. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import TheUnlockForm from '../../renderer/src/components/TheUnlockForm.vue';
import { useAuthorityStore } from '../../renderer/src/stores/authority';
import type { AuthorityStatus } from '../../electron/shared/api/authority';
import { FP, install, makeFake, refuse } from './fakeCustodian';

const status = (state: AuthorityStatus['state']): AuthorityStatus => ({
  state, kind: 'subordinate', subject: 'CN=Technician-Z', fingerprint: FP('2'), notAfter: '2030-01-01T00:00:00.000Z', autoLockAt: null,
  key: { location: 'token', tokenLabel: 'technician-z', tokenSerial: '978f66d17510bead', keyLabel: 'technician-z-ca', keyId: 'ab'.repeat(16) },
});

let uninstall: () => void = () => {};
afterEach(() => uninstall());
beforeEach(() => setActivePinia(createPinia()));

describe('TheUnlockForm with a token-held key', () => {
  it('asks for the PIN of the named token and sends it once, even when it is refused', async () => {
    const fake = makeFake({ 'authority.unlock': () => refuse('TOKEN_PIN_INCORRECT') });
    uninstall = install(fake);
    useAuthorityStore().status = status('locked');
    const w = mount(TheUnlockForm, { attachTo: document.body });
    const field = w.get<HTMLInputElement>('[data-testid="unlock-passphrase"]');
    expect(field.attributes('placeholder')).toBe('PIN of token “technician-z”');
    expect(field.attributes('type')).toBe('password');
    expect(w.get('label').text()).toBe('Token PIN');
    await field.setValue('123456');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsTo('authority.unlock')).toEqual([{ passphrase: '123456' }]);
    expect(w.get<HTMLInputElement>('[data-testid="unlock-passphrase"]').element.value).toBe('');
    w.unmount();
  });
});
