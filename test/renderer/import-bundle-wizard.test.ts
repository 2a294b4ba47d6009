// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import ImportBundleWizard from '../../renderer/src/components/ceremonies/ImportBundleWizard.vue';
import { useAuthorityStore } from '../../renderer/src/stores/authority';
import type { AuthorityStatus } from '../../electron/shared/api/authority';
import type { MethodOutput } from '../../electron/shared/api';
import { FP, install, makeFake, refuse } from './fakeCustodian';

const BUNDLE = 'fh_bundlebundlebundle01';
const KEY = 'fh_keykeykeykeykeykey01';
const status = (state: AuthorityStatus['state'], kind: AuthorityStatus['kind']): AuthorityStatus => ({
  state, kind, subject: kind ? 'CN=Migrated CA' : null, fingerprint: kind ? FP('2') : null, notAfter: null, autoLockAt: null,
});
const imported: MethodOutput<'authority.importBundle'> = { status: status('unlocked', 'subordinate'), chain: [] };

/** files.open answers with the handle for the purpose asked. */
const open = ({ purpose }: { purpose: string }) => ({ canceled: false as const, handle: purpose === 'key' ? KEY : BUNDLE, name: `${purpose}.pem` });

let uninstall: () => void = () => {};
afterEach(() => uninstall());
beforeEach(() => setActivePinia(createPinia()));

async function setup(initial: AuthorityStatus, importBundle: () => MethodOutput<'authority.importBundle'>) {
  const fake = makeFake({
    'files.open': open,
    'authority.importBundle': importBundle,
    'authority.status': () => status('unlocked', 'subordinate'),
    'authority.chain': () => ({ certificates: [] }),
  });
  uninstall = install(fake);
  useAuthorityStore().status = initial;
  const w = mount(ImportBundleWizard, { attachTo: document.body });
  return { fake, w };
}

describe('ImportBundleWizard', () => {
  it('migrates an existing CA: sends the key handle and the new passphrase, never the key, and clears the fields', async () => {
    const { fake, w } = await setup(status('none', null), () => imported);
    const next = () => w.get<HTMLButtonElement>('[data-testid="wizard-next"]');
    expect(w.text()).toContain('CA private key (PEM) — only when migrating an existing CA');
    await w.get('[data-testid="pick-bundle"]').trigger('click');
    await flushPromises();
    // No pending request: without a key there is nothing to import the bundle for.
    expect(next().element.disabled).toBe(true);
    await w.get('[data-testid="pick-key"]').trigger('click');
    await flushPromises();
    expect(fake.callsTo('files.open')).toEqual([{ purpose: 'bundle' }, { purpose: 'key' }]);
    expect(next().element.disabled).toBe(true); // the passphrase to seal it is still missing
    await w.get('[data-testid="import-pass"]').setValue('migrate passphrase 1');
    await w.get('[data-testid="import-confirm"]').setValue('migrate passphrase 1');
    expect(next().element.disabled).toBe(false);
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsTo('authority.importBundle')).toEqual([{ bundle: BUNDLE, key: KEY, passphrase: 'migrate passphrase 1' }]);
    expect(w.emitted('close')).toHaveLength(1);
    expect(useAuthorityStore().done).toContain('key sealed in the vault');
    expect(document.body.innerHTML).not.toContain('migrate passphrase 1');
    w.unmount();
  });

  it('completes a pending request with the bundle alone (no key picker: the station holds the key)', async () => {
    const { fake, w } = await setup(status('locked', 'pending'), () => imported);
    expect(w.find('[data-testid="pick-key"]').exists()).toBe(false);
    await w.get('[data-testid="pick-bundle"]').trigger('click');
    await flushPromises();
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsTo('authority.importBundle')).toEqual([{ bundle: BUNDLE }]);
    expect(w.emitted('close')).toHaveLength(1);
  });

  it('after a refusal, clears the passphrase and asks for both files again (handles are one-use)', async () => {
    const { fake, w } = await setup(status('none', null), () => refuse('AUTHORITY_KEY_MISMATCH'));
    await w.get('[data-testid="pick-bundle"]').trigger('click');
    await w.get('[data-testid="pick-key"]').trigger('click');
    await flushPromises();
    await w.get('[data-testid="import-pass"]').setValue('migrate passphrase 1');
    await w.get('[data-testid="import-confirm"]').setValue('migrate passphrase 1');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsTo('authority.importBundle')).toHaveLength(1);
    expect(w.emitted('close')).toBeUndefined();
    expect(useAuthorityStore().error?.code).toBe('AUTHORITY_KEY_MISMATCH');
    expect(w.findAll('.mono').map((e) => e.text())).toEqual(['nothing chosen', 'nothing chosen']);
    expect(w.find('[data-testid="import-pass"]').exists()).toBe(false);
    expect(w.get<HTMLButtonElement>('[data-testid="wizard-next"]').element.disabled).toBe(true);
    w.unmount();
  });
});
