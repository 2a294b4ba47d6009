/**
 * The station's certificate authority as the officer sees it: lock state, the
 * chain, and the ceremonies. Every ceremony is one station call; the key and
 * the passphrase or token PIN stay in the main process (the store never keeps
 * either).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AuthorityStatus } from '../../../electron/shared/api/authority';
import type { CertificateSummary, FilePurpose } from '../../../electron/shared/api/common';
import type { MethodInput, MethodOutput, Unsubscribe } from '../../../electron/shared/api';
import { call, pickFile, station, toUserError } from '../api';
import type { PickKind, PickedFile, UserError } from '../api';
import { expiryOf } from '../composables/expiry';
import type { ExpiryLevel } from '../composables/expiry';

export interface ChainRow extends CertificateSummary {
  daysLeft: number;
  expiry: ExpiryLevel;
}


export const useAuthorityStore = defineStore('authority', () => {
  const status = ref<AuthorityStatus | null>(null);
  const chain = ref<CertificateSummary[]>([]);
  const busy = ref(false);
  const error = ref<UserError | null>(null);
  /** The last ceremony's outcome sentence, shown until the next action. */
  const done = ref<string | null>(null);
  /** The station locked because the token holding the CA key was removed; cleared by the next unlock. */
  const tokenRemoved = ref(false);

  const state = computed(() => status.value?.state ?? 'none');
  const unlocked = computed(() => state.value === 'unlocked');
  const rows = computed<ChainRow[]>(() => chain.value.map((c) => ({ ...c, ...expiryOf(c.notAfter) })));
  /** The signing CA's own warning, 90, 30 and 7 days ahead (the station's thresholds, shared/ca-expiry.ts). */
  const signerWarning = computed(() => {
    const w = status.value?.expiryWarning;
    if (!w || !status.value?.subject) return null;
    const days = `${w.daysLeft} day${w.daysLeft === 1 ? '' : 's'}`;
    // A subordinate CA rolls over to a successor its upstream signs; a root is replaced by a new trust anchor.
    const next = status.value.kind === 'subordinate'
      ? 'Request its successor now (custodian authority request --successor) and import it once signed.'
      : 'A root is not rolled over: create the new root and hand it to the hub before this one expires.';
    return w.thresholdDays === 0
      ? `${status.value.subject} has expired. Devices can no longer be issued under it. ${next}`
      : `${status.value.subject} signs devices for ${days} more (under ${w.thresholdDays}). ${next}`;
  });
  const warnings = computed(() => [
    ...(signerWarning.value ? [signerWarning.value] : []),
    ...rows.value
      // The signing CA's row is covered by its own warning when the station gives one.
      .filter((r, i) => r.expiry !== 'ok' && !(i === 0 && signerWarning.value))
      .map((r) => (r.expiry === 'expired'
        ? `${r.subject} has expired. Devices can no longer be issued under it: renew the authority.`
        : `${r.subject} expires in ${r.daysLeft} day${r.daysLeft === 1 ? '' : 's'}. Plan its renewal now.`)),
  ]);

  async function run<T>(fn: () => Promise<T>): Promise<T | null> {
    busy.value = true;
    error.value = null;
    done.value = null;
    try {
      return await fn();
    } catch (e) {
      error.value = toUserError(e);
      return null;
    } finally {
      busy.value = false;
    }
  }

  /** authority.status, then authority.chain when an authority exists. */
  async function refresh(): Promise<void> {
    try {
      status.value = await call(station().authority.status());
      if (status.value.state !== 'none' && status.value.kind !== 'pending') {
        chain.value = (await call(station().authority.chain())).certificates;
      } else {
        chain.value = [];
      }
    } catch (e) {
      error.value = toUserError(e);
    }
  }

  /** authority.unlock. The caller owns (and clears) the passphrase field. */
  async function unlock(passphrase: string): Promise<boolean> {
    const s = await run(() => call(station().authority.unlock({ passphrase })));
    if (s) {
      status.value = s;
      tokenRemoved.value = false;
      done.value = 'Authority unlocked. It locks itself again when idle.';
    }
    return s !== null;
  }

  /** authority.lock */
  async function lock(): Promise<void> {
    const s = await run(() => call(station().authority.lock()));
    if (s) {
      status.value = s;
      done.value = 'Authority locked. Nothing can be signed until it is unlocked.';
    }
  }

  /** A file picker (see pickFile); null when cancelled or refused. */
  async function pick(kind: PickKind, purpose: FilePurpose, suggestedName?: string): Promise<PickedFile | null> {
    return run(() => pickFile(kind, purpose, suggestedName));
  }

  async function ceremony<T>(fn: () => Promise<T>, message: (v: T) => string): Promise<T | null> {
    const v = await run(fn);
    if (v !== null) {
      done.value = message(v);
      await refresh();
    }
    return v;
  }

  const initRoot = (arg: MethodInput<'authority.initRoot'>) =>
    ceremony(() => call(station().authority.initRoot(arg)), (v) => `Root created: ${v.certificate.subject}.`);
  const createRequest = (arg: MethodInput<'authority.createRequest'>) =>
    ceremony(() => call(station().authority.createRequest(arg)),
      (v) => `Key and request created${v.written ? ` and saved as ${v.written.name}` : ''}. Take the request to the root for signing, then import the bundle.`);
  const signSubordinate = (arg: MethodInput<'authority.signSubordinate'>) =>
    ceremony(() => call(station().authority.signSubordinate(arg)), (v) => `Signed ${v.certificate.subject}; bundle saved as ${v.written.name}.`);
  const importBundle = (arg: MethodInput<'authority.importBundle'>) =>
    ceremony(() => call(station().authority.importBundle(arg)), (v) => `${arg.key ? 'CA imported and its key sealed in the vault' : 'Bundle imported'}: the chain has ${v.chain.length} certificate${v.chain.length === 1 ? '' : 's'}.`);
  const exportChain = (arg: MethodInput<'authority.exportChain'>) =>
    ceremony(() => call(station().authority.exportChain(arg)), (v) => `Chain exported (${v.certificates} certificates) to ${v.written.name}.`);
  const verificationCert = (arg: MethodInput<'authority.verificationCert'>): Promise<MethodOutput<'authority.verificationCert'> | null> =>
    ceremony(() => call(station().authority.verificationCert(arg)),
      (v) => `Verification certificate for ${v.certificate.subject} created${v.written ? ` and saved as ${v.written.name}` : ''}. Upload it to the hub.`);
  const createDemoAuthority = (arg: MethodInput<'authority.createDemoAuthority'>) =>
    ceremony(() => call(station().authority.createDemoAuthority(arg)), () => 'Demo authority created. It is for practice only.');

  /** authority.onLockState: keep the lock badge true to the station (idle auto-lock and a removed token too). */
  function subscribe(): Unsubscribe {
    return station().authority.onLockState((e) => {
      if (status.value) status.value = { ...status.value, state: e.state, autoLockAt: e.autoLockAt };
      if (e.reason === 'idle') done.value = 'The authority locked itself after being idle.';
      if (e.state === 'unlocked') tokenRemoved.value = false;
      if (e.reason === 'token-removed') {
        tokenRemoved.value = true;
        done.value = null;
        if (!status.value) void refresh();
      }
      if (e.reason === 'configured') void refresh();
    });
  }

  return {
    status, chain, busy, error, done, tokenRemoved, state, unlocked, rows, warnings, signerWarning,
    refresh, unlock, lock, pick,
    initRoot, createRequest, signSubordinate, importBundle, exportChain, verificationCert, createDemoAuthority,
    subscribe,
  };
});
