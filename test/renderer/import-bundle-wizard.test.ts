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
const ROOT = 'fh_rootrootrootrootroo01';
const status = (state: AuthorityStatus['state'], kind: AuthorityStatus['kind']): AuthorityStatus => ({
  state, kind, subject: kind ? 'CN=Migrated CA' : null, fingerprint: kind ? FP('2') : null, notAfter: null, autoLockAt: null,
});
const imported: MethodOutput<'authority.importBundle'> = { status: status('unlocked', 'subordinate'), chain: [], root: { pinnedSha256: FP('7'), chainSha256: FP('7'), pinnedBy: 'certificate' } };

/** files.open answers with the handle for the purpose asked. */
const open = ({ purpose }: { purpose: string }) => ({ canceled: false as const, handle: purpose === 'key' ? KEY : purpose === 'certificate' ? ROOT : BUNDLE, name: `${purpose}.pem` });

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
  const next = (w: Awaited<ReturnType<typeof setup>>['w']) => w.get<HTMLButtonElement>('[data-testid="wizard-next"]');

  it('migrates an existing CA: sends the key handle, the new passphrase and the root, never the key, and clears the fields', async () => {
    const { fake, w } = await setup(status('none', null), () => imported);
    expect(w.text()).toContain('CA private key (PEM) — only when migrating an existing CA');
    await w.get('[data-testid="pick-bundle"]').trigger('click');
    await flushPromises();
    // No pending request: without a key there is nothing to import the bundle for.
    expect(next(w).element.disabled).toBe(true);
    await w.get('[data-testid="pick-key"]').trigger('click');
    await flushPromises();
    expect(next(w).element.disabled).toBe(true); // the passphrase to seal it is still missing
    await w.get('[data-testid="import-pass"]').setValue('migrate passphrase 1');
    await w.get('[data-testid="import-confirm"]').setValue('migrate passphrase 1');
    expect(next(w).element.disabled).toBe(false);
    await w.get('form').trigger('submit');
    await flushPromises();
    // The upstream root is asked for before anything is imported.
    expect(fake.callsTo('authority.importBundle')).toEqual([]);
    expect(next(w).element.disabled).toBe(true);
    await w.get('[data-testid="pick-root"]').trigger('click');
    await flushPromises();
    expect(fake.callsTo('files.open')).toEqual([{ purpose: 'bundle' }, { purpose: 'key' }, { purpose: 'certificate' }]);
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsTo('authority.importBundle')).toEqual([{ bundle: BUNDLE, key: KEY, passphrase: 'migrate passphrase 1', root: { certificate: ROOT } }]);
    expect(useAuthorityStore().done).toContain('key sealed in the vault');
    expect(document.body.innerHTML).not.toContain('migrate passphrase 1');
    await w.get('[data-testid="import-done"]').trigger('click');
    expect(w.emitted('close')).toHaveLength(1);
    w.unmount();
  });

  it('completes a pending request with the bundle and the root\'s SHA-256 (no key picker: the station holds the key)', async () => {
    const { fake, w } = await setup(status('locked', 'pending'), () => imported);
    expect(w.find('[data-testid="pick-key"]').exists()).toBe(false);
    await w.get('[data-testid="pick-bundle"]').trigger('click');
    await flushPromises();
    await w.get('form').trigger('submit');
    await flushPromises();
    await w.get('[data-testid="root-by-sha256"]').setValue(true);
    await w.get('[data-testid="root-sha256"]').setValue('ab'.repeat(31));
    expect(w.text()).toContain('64 hex digits');
    expect(next(w).element.disabled).toBe(true);
    const colons = Array.from({ length: 32 }, () => 'AB').join(':');
    await w.get('[data-testid="root-sha256"]').setValue(` ${colons} `);
    expect(next(w).element.disabled).toBe(false);
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsTo('authority.importBundle')).toEqual([{ bundle: BUNDLE, root: { sha256: colons } }]);
  });

  it('shows both fingerprints after the import: the root given and the root the chain ends in', async () => {
    const { w } = await setup(status('locked', 'pending'), () => imported);
    await w.get('[data-testid="pick-bundle"]').trigger('click');
    await flushPromises();
    await w.get('form').trigger('submit');
    await flushPromises();
    await w.get('[data-testid="pick-root"]').trigger('click');
    await flushPromises();
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="root-pinned"]').text()).toBe(FP('7'));
    expect(w.get('[data-testid="root-chain"]').text()).toBe(FP('7'));
    expect(w.find('[data-testid="root-match"]').exists()).toBe(true);
    expect(w.emitted('close')).toBeUndefined(); // the officer reads them first
  });

  it('after a refusal, clears the passphrase and asks for every file again (handles are one-use)', async () => {
    const { fake, w } = await setup(status('none', null), () => refuse('AUTHORITY_ROOT_MISMATCH'));
    await w.get('[data-testid="pick-bundle"]').trigger('click');
    await w.get('[data-testid="pick-key"]').trigger('click');
    await flushPromises();
    await w.get('[data-testid="import-pass"]').setValue('migrate passphrase 1');
    await w.get('[data-testid="import-confirm"]').setValue('migrate passphrase 1');
    await w.get('form').trigger('submit');
    await flushPromises();
    await w.get('[data-testid="pick-root"]').trigger('click');
    await flushPromises();
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsTo('authority.importBundle')).toHaveLength(1);
    expect(w.emitted('close')).toBeUndefined();
    expect(w.find('[data-testid="import-result"]').exists()).toBe(false);
    expect(useAuthorityStore().error?.code).toBe('AUTHORITY_ROOT_MISMATCH');
    expect(w.findAll('.mono').map((e) => e.text())).toEqual(['nothing chosen']);
    expect(next(w).element.disabled).toBe(true);
    await w.get('[data-testid="wizard-back"]').trigger('click');
    expect(w.findAll('.mono').map((e) => e.text())).toEqual(['nothing chosen', 'nothing chosen']);
    expect(w.find('[data-testid="import-pass"]').exists()).toBe(false);
    expect(next(w).element.disabled).toBe(true);
    w.unmount();
  });
});
