// @vitest-environment happy-dom
/** The CA wizards ask for the name fields the authority issues (CN, O) and nothing it would refuse. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import InitRootWizard from '../../renderer/src/components/ceremonies/InitRootWizard.vue';
import CreateRequestWizard from '../../renderer/src/components/ceremonies/CreateRequestWizard.vue';
import { useAuthorityStore } from '../../renderer/src/stores/authority';
import { METHODS } from '../../electron/shared/api';
import type { AuthorityStatus } from '../../electron/shared/api/authority';
import { install, makeFake, refuse } from './fakeCustodian';

const NONE: AuthorityStatus = { state: 'none', kind: null, subject: null, fingerprint: null, notAfter: null, autoLockAt: null };
let uninstall: () => void = () => {};
afterEach(() => uninstall());
beforeEach(() => setActivePinia(createPinia()));

describe.each([
  ['InitRootWizard', InitRootWizard, 'root', 'authority.initRoot'],
  ['CreateRequestWizard', CreateRequestWizard, 'req', 'authority.createRequest'],
] as const)('%s subject', (_, component, prefix, method) => {
  it('offers common name and organization only, and sends a subject the contract accepts', async () => {
    const fake = makeFake({ [method]: () => refuse('AUTHORITY_BAD_INPUT') });
    uninstall = install(fake);
    useAuthorityStore().status = NONE;
    const w = mount(component, { attachTo: document.body });
    const ids = w.findAll('input').map((i) => i.attributes('id'));
    expect(ids).toEqual([`${prefix}-cn`, `${prefix}-o`]);
    expect(w.text()).not.toMatch(/country|unit/i);
    await w.get(`#${prefix}-cn`).setValue('  Plant 7 CA ');
    await w.get(`#${prefix}-o`).setValue('Company-X');
    for (let i = 0; i < 2; i++) {
      await w.get('form').trigger('submit');
      await flushPromises();
    }
    await w.get(`[data-testid="${prefix}-pass"]`).setValue('a long passphrase 1');
    await w.get(`[data-testid="${prefix}-confirm"]`).setValue('a long passphrase 1');
    await w.get('form').trigger('submit');
    await flushPromises();
    const [arg] = fake.callsTo(method) as { subject: unknown }[];
    expect(arg?.subject).toEqual({ commonName: 'Plant 7 CA', organization: 'Company-X' });
    expect(METHODS[method].input.safeParse(arg).success).toBe(true);
    w.unmount();
  });

  it('will not go on with a name holding a control, bidirectional or invisible character, and names it by code point', async () => {
    uninstall = install(makeFake({}));
    useAuthorityStore().status = NONE;
    const w = mount(component, { attachTo: document.body });
    const next = () => w.get<HTMLButtonElement>('[data-testid="wizard-next"]');
    for (const [field, value, label] of [['cn', 'Factory\u202EY', 'U+202E (RIGHT-TO-LEFT OVERRIDE)'], ['o', 'Evil\u001b[31m', 'U+001B (ESCAPE)'], ['cn', 'Zero\u200Bwidth', 'U+200B (ZERO WIDTH SPACE)']] as const) {
      await w.get(`#${prefix}-cn`).setValue('Plant 7 CA');
      await w.get(`#${prefix}-o`).setValue('');
      await w.get(`#${prefix}-${field}`).setValue(value);
      expect(next().element.disabled, value).toBe(true);
      expect(w.get(`[data-testid="${prefix}-unsafe"]`).text()).toContain(label);
    }
    await w.get(`#${prefix}-cn`).setValue('Plant 7 CA');
    await w.get(`#${prefix}-o`).setValue('Company-X');
    expect(next().element.disabled).toBe(false);
    expect(w.find(`[data-testid="${prefix}-unsafe"]`).exists()).toBe(false);
    w.unmount();
  });
});

describe('contract: CA names', () => {
  it.each(['initRoot', 'createRequest'] as const)('authority.%s refuses organizational unit and country as unknown fields', (m) => {
    const base = { keyAlgorithm: 'P-256', passphrase: 'a long passphrase 1', ...(m === 'initRoot' ? { validityDays: 10, pathLen: 1 } : {}) };
    const input = METHODS[`authority.${m}`].input;
    expect(input.safeParse({ ...base, subject: { commonName: 'CA', organization: 'O' } }).success).toBe(true);
    expect(input.safeParse({ ...base, subject: { commonName: 'CA', organizationalUnit: 'Line 7' } }).success).toBe(false);
    expect(input.safeParse({ ...base, subject: { commonName: 'CA', country: 'DE' } }).success).toBe(false);
  });
});
