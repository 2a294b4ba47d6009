// @vitest-environment happy-dom
/**
 * The app asks for a new passphrase under the same rule as the vault and the
 * CLI (electron/shared/passphrase-rule.ts): twelve spaces, a trailing space or
 * a one-kind passphrase is explained next to the field and never sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import InitRootWizard from '../../renderer/src/components/ceremonies/InitRootWizard.vue';
import { useAuthorityStore } from '../../renderer/src/stores/authority';
import type { AuthorityStatus } from '../../electron/shared/api/authority';
import { install, makeFake, refuse } from './fakeCustodian';

const NONE: AuthorityStatus = { state: 'none', kind: null, subject: null, fingerprint: null, notAfter: null, autoLockAt: null };
let uninstall: () => void = () => {};
afterEach(() => uninstall());
beforeEach(() => setActivePinia(createPinia()));

describe('NewPassphrase in the root wizard', () => {
  it('explains and withholds a passphrase the vault would refuse; sends one it accepts', async () => {
    const fake = makeFake({ 'authority.initRoot': () => refuse('AUTHORITY_BAD_INPUT') });
    uninstall = install(fake);
    useAuthorityStore().status = NONE;
    const w = mount(InitRootWizard, { attachTo: document.body });
    await w.get('#root-cn').setValue('Plant Root');
    for (let i = 0; i < 2; i++) {
      await w.get('form').trigger('submit');
      await flushPromises();
    }
    expect(w.text()).toContain('no space at the start or end');
    const attempt = async (p: string) => {
      await w.get('[data-testid="root-pass"]').setValue(p);
      await w.get('[data-testid="root-confirm"]').setValue(p);
      await w.get('form').trigger('submit');
      await flushPromises();
    };
    for (const [p, says] of [
      ['            ', 'The passphrase is empty or only spaces.'],
      ['Plant passphrase 7 ', 'The passphrase begins or ends with a space'],
      ['plantpassphrase', 'must mix two kinds of characters'],
      ['Short 7', 'at least 12 characters'],
    ] as const) {
      await attempt(p);
      expect(w.get('[role="status"]').text(), p).toContain(says);
      expect(fake.callsTo('authority.initRoot'), p).toHaveLength(0);
    }
    await attempt('Plant passphrase 7');
    expect(w.find('[role="status"]').exists()).toBe(false);
    expect(fake.callsTo('authority.initRoot')).toHaveLength(1);
    w.unmount();
  });
});
