// @vitest-environment happy-dom
/** The first-run ceremonies can put the new CA key in a hardware token: URI fields, a PIN sent once and cleared, EC only. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { routerKey } from 'vue-router';
import InitRootWizard from '../../renderer/src/components/ceremonies/InitRootWizard.vue';
import CreateRequestWizard from '../../renderer/src/components/ceremonies/CreateRequestWizard.vue';
import FirstRunView from '../../renderer/src/views/FirstRunView.vue';
import { useAuthorityStore } from '../../renderer/src/stores/authority';
import { emptyTokenFields, tokenFieldsProblem, tokenUri } from '../../renderer/src/components/tokenUri';
import { METHODS } from '../../electron/shared/api';
import type { AuthorityStatus } from '../../electron/shared/api/authority';
import { install, makeFake, refuse } from './fakeCustodian';

const NONE: AuthorityStatus = { state: 'none', kind: null, subject: null, fingerprint: null, notAfter: null, autoLockAt: null };
const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
let uninstall: () => void = () => {};
let w: VueWrapper | undefined;
beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  w?.unmount();
  w = undefined;
  uninstall();
  document.body.innerHTML = '';
});

const next = () => w!.get<HTMLButtonElement>('[data-testid="wizard-next"]');
async function submit() {
  await w!.get('form').trigger('submit');
  await flushPromises();
}

describe('tokenUri', () => {
  it('builds the URI from module, token label or serial and key label, percent-encoding what could add an attribute', () => {
    expect(tokenUri({ modulePath: MODULE, tokenLabel: 'Factory Y', tokenSerial: '', keyLabel: 'root;id=01' }))
      .toBe(`pkcs11:token=Factory%20Y;object=root%3Bid%3D01;type=private?module-path=${MODULE}`);
    expect(tokenUri({ modulePath: ' C:\\HSM\\p11.dll ', tokenLabel: '', tokenSerial: '978f66d17510bead', keyLabel: 'k' }))
      .toBe('pkcs11:serial=978f66d17510bead;object=k;type=private?module-path=C%3A%5CHSM%5Cp11.dll');
    expect(tokenUri({ modulePath: MODULE, tokenLabel: 'Zähler', tokenSerial: '', keyLabel: 'k&x' })).toContain('token=Z%C3%A4hler;object=k%26x;');
  });

  it('names what is missing and builds nothing until it is there', () => {
    expect(tokenFieldsProblem(emptyTokenFields())).toMatch(/module/);
    expect(tokenFieldsProblem({ modulePath: 'libsofthsm2.so', tokenLabel: 't', tokenSerial: '', keyLabel: 'k' })).toMatch(/absolute/);
    expect(tokenFieldsProblem({ modulePath: MODULE, tokenLabel: ' ', tokenSerial: '', keyLabel: 'k' })).toMatch(/label or its serial/);
    expect(tokenFieldsProblem({ modulePath: MODULE, tokenLabel: 'x'.repeat(33), tokenSerial: '', keyLabel: 'k' })).toMatch(/32 bytes/);
    expect(tokenFieldsProblem({ modulePath: MODULE, tokenLabel: 't', tokenSerial: '', keyLabel: '' })).toMatch(/label for the new key/);
    expect(tokenUri({ modulePath: MODULE, tokenLabel: 't', tokenSerial: '', keyLabel: '' })).toBeNull();
  });
});

describe.each([
  ['InitRootWizard', InitRootWizard, 'root', 'authority.initRoot'],
  ['CreateRequestWizard', CreateRequestWizard, 'req', 'authority.createRequest'],
] as const)('%s with the key in a hardware token', (_, component, prefix, method) => {
  it('sends the token URI and PIN (no passphrase), in a form the contract accepts, and clears the PIN whatever the answer', async () => {
    const fake = makeFake({ [method]: () => refuse('TOKEN_PIN_INCORRECT') });
    uninstall = install(fake);
    useAuthorityStore().status = NONE;
    w = mount(component, { attachTo: document.body });
    await w.get(`#${prefix}-cn`).setValue('Factory-Y CA');
    await submit();
    await w.get(`[data-testid="${prefix}-where-token"]`).setValue(true);
    await submit();
    expect(w.find(`[data-testid="${prefix}-pass"]`).exists()).toBe(false);
    expect(w.text()).toContain('Token');
    expect(next().element.disabled).toBe(true);
    await w.get(`[data-testid="${prefix}-module"]`).setValue(MODULE);
    await w.get(`[data-testid="${prefix}-token-label"]`).setValue('factory');
    await w.get(`[data-testid="${prefix}-key-label"]`).setValue('factory-y-ca');
    const uri = `pkcs11:token=factory;object=factory-y-ca;type=private?module-path=${MODULE}`;
    expect(w.get(`[data-testid="${prefix}-token-uri"]`).text()).toBe(uri);
    expect(next().element.disabled).toBe(true); // no PIN yet
    const pin = w.get<HTMLInputElement>(`[data-testid="${prefix}-pin"]`);
    expect(pin.attributes('type')).toBe('password');
    await pin.setValue('565656');
    expect(next().element.disabled).toBe(false);
    await submit();
    const calls = fake.callsTo(method) as Record<string, unknown>[];
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ token: { uri, pin: '565656' }, keyAlgorithm: 'P-256' });
    expect(calls[0]).not.toHaveProperty('passphrase');
    expect(METHODS[method].input.safeParse(calls[0]).success).toBe(true);
    expect(w.get<HTMLInputElement>(`[data-testid="${prefix}-pin"]`).element.value).toBe('');
    expect(JSON.stringify(useAuthorityStore().$state)).not.toContain('565656');
  });

  it('offers EC keys only for a token, moving an RSA choice to P-256', async () => {
    uninstall = install(makeFake({}));
    useAuthorityStore().status = NONE;
    w = mount(component, { attachTo: document.body });
    await w.get(`#${prefix}-cn`).setValue('Factory-Y CA');
    await submit();
    await w.get(`#${prefix}-alg`).setValue('RSA-3072');
    await w.get(`[data-testid="${prefix}-where-token"]`).setValue(true);
    await flushPromises();
    expect(w.get<HTMLSelectElement>(`#${prefix}-alg`).element.value).toBe('P-256');
    const enabled = w.findAll<HTMLOptionElement>(`#${prefix}-alg option`).filter((o) => !o.element.disabled).map((o) => o.element.value);
    expect(enabled).toEqual(['P-256', 'P-384']);
  });
});

describe('first run', () => {
  it('tells the officer the real authority can hold its key in a hardware token', () => {
    uninstall = install(makeFake({}));
    w = mount(FirstRunView, { global: { provide: { [routerKey as symbol]: { push: async () => undefined } } }, attachTo: document.body });
    expect(w.text()).toMatch(/hardware token \(PKCS#11/);
  });
});

describe('contract: where a new CA key goes', () => {
  const token = { uri: `pkcs11:token=t;object=k?module-path=${MODULE}`, pin: '1234' };
  it.each(['initRoot', 'createRequest'] as const)('authority.%s takes a passphrase or a token, exactly one', (m) => {
    const base = { subject: { commonName: 'CA' }, ...(m === 'initRoot' ? { validityDays: 10, pathLen: 1 } : {}) };
    const input = METHODS[`authority.${m}`].input;
    expect(input.safeParse({ ...base, token }).success).toBe(true);
    expect(input.safeParse({ ...base, passphrase: 'a long passphrase 1' }).success).toBe(true);
    expect(input.safeParse({ ...base, passphrase: 'a long passphrase 1', token }).success).toBe(false);
    expect(input.safeParse(base).success).toBe(false);
    expect(input.safeParse({ ...base, token: { ...token, uri: 'file:///etc/passwd' } }).success).toBe(false);
    expect(input.safeParse({ ...base, token: { ...token, pin: '' } }).success).toBe(false);
    expect(input.safeParse({ ...base, token: { ...token, label: 'x' } }).success).toBe(false);
  });
});
