// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import TheUnlockForm from '../../renderer/src/components/TheUnlockForm.vue';
import { useAuthorityStore } from '../../renderer/src/stores/authority';
import type { AuthorityStatus } from '../../electron/shared/api/authority';
import { FP, install, makeFake, refuse } from './fakeCustodian';

const status = (state: AuthorityStatus['state']): AuthorityStatus => ({
  state, kind: 'root', subject: 'CN=Root', fingerprint: FP('1'), notAfter: '2036-01-01T00:00:00.000Z', autoLockAt: null,
});

let uninstall: () => void = () => {};
afterEach(() => uninstall());
beforeEach(() => setActivePinia(createPinia()));

describe('TheUnlockForm', () => {
  it.each([
    ['accepted', () => status('unlocked'), 'unlocked'],
    ['refused', () => refuse('VAULT_BAD_PASSPHRASE'), 'locked'],
  ])('clears the passphrase field once the station has %s it', async (_, answer, after) => {
    const fake = makeFake({ 'authority.unlock': answer });
    uninstall = install(fake);
    useAuthorityStore().status = status('locked');
    const w = mount(TheUnlockForm, { attachTo: document.body });
    const field = w.get<HTMLInputElement>('[data-testid="unlock-passphrase"]');
    expect(field.attributes('type')).toBe('password');
    await field.setValue('s3cret passphrase');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsTo('authority.unlock')).toEqual([{ passphrase: 's3cret passphrase' }]);
    expect(useAuthorityStore().state).toBe(after);
    // The component's own state no longer holds it, whether or not the field is still shown.
    expect((w.vm as unknown as { passphrase: string }).passphrase).toBe('');
    const again = w.find<HTMLInputElement>('[data-testid="unlock-passphrase"]');
    expect(again.exists()).toBe(after === 'locked');
    if (again.exists()) expect(again.element.value).toBe('');
    expect(document.body.innerHTML).not.toContain('s3cret');
    w.unmount();
  });

  it('offers Lock when unlocked and calls authority.lock', async () => {
    const fake = makeFake({ 'authority.lock': () => status('locked') });
    uninstall = install(fake);
    useAuthorityStore().status = status('unlocked');
    const w = mount(TheUnlockForm);
    await w.get('[data-testid="lock"]').trigger('click');
    await flushPromises();
    expect(fake.callsTo('authority.lock')).toHaveLength(1);
    expect(w.find('[data-testid="unlock-passphrase"]').exists()).toBe(true);
  });
});
