/**
 * The `authority.*` methods of the station API and the CA auto-lock: the idle
 * timer restarts on every authority call and every signing, and locking
 * (by the user, on idle, on quit) is announced on `authority.lockState`.
 *
 * A token whose key the authority drops by itself (pulled out) is announced
 * there too, with reason 'token-removed'.
 *
 * The passphrase and a token PIN go into the AuthorityPort and nowhere else;
 * results carry status, certificates and fingerprints only.
 */
import { basename } from 'node:path';
import { INPUT_LIMITS, readBounded, type InputKind } from '../bounded-read';
import { CustodianError } from '../errors';
import { ApiCodes } from '../../shared/errors';
import type { AuthorityStatus, KeyLocation, RootCheck, RootPin } from '../../shared/api/authority';
import { caExpiryWarning } from '../../shared/ca-expiry';
import type { StationApiImpl } from './dispatch';
import { AutoLock } from './auto-lock';
import type { StationEvents } from './events';
import type { FileHandles } from './file-handles';
import type { SettingsStore } from '../line/station-settings';
import { readCsr, sha256Hex, toPem } from '../pki/index';
import { summarise, summariseChain } from './certificate-summary';
import { need, type AuthorityPort, type KeyPlacementInput, type RootPinBytes } from './ports';

/**
 * A file the user picked, bounded by its kind (INPUT_TOO_LARGE past the
 * bound). The error names the file as the dialog showed it, never its path.
 */
function readPicked(path: string, kind: InputKind, what: string): Promise<Buffer> {
  return readBounded(path, { limit: INPUT_LIMITS[kind], what, shown: basename(path) });
}

type AuthorityMethods = Pick<StationApiImpl, Extract<keyof StationApiImpl, `authority.${string}`>>;

/**
 * A port that can also say where the CA key is (the station's authority
 * adapter can); without it the status carries no `key`.
 */
interface KeyLocatingPort { keyLocation(): KeyLocation | null }
function keyLocationOf(port: AuthorityPort): KeyLocation | null {
  const locating = port as AuthorityPort & Partial<KeyLocatingPort>;
  return typeof locating.keyLocation === 'function' ? locating.keyLocation() : null;
}

export interface AuthorityApiContext {
  port: AuthorityPort | undefined;
  settings: SettingsStore;
  events: StationEvents;
  files: FileHandles;
  writeTarget(handle: string, purposes: Parameters<FileHandles['take']>[2], text: string): Promise<{ name: string; bytes: number }>;
  now(): Date;
}

const NONE: AuthorityStatus = { state: 'none', kind: null, subject: null, fingerprint: null, notAfter: null, autoLockAt: null };

export function createAuthorityApi(ctx: AuthorityApiContext) {
  const { files, writeTarget, events } = ctx;
  const authority = () => need(ctx.port, 'authority');
  const autoLock = new AutoLock(() => ctx.settings.value.autoLockMinutes, () => {
    void lock('idle').catch(() => undefined);
  }, () => ctx.now().getTime());

  async function status(): Promise<AuthorityStatus> {
    if (!ctx.port) return NONE;
    const d = await ctx.port.describe();
    if (d.kind === null) return NONE;
    const issuing = d.chainDer[0] ? summarise(d.chainDer[0]) : null;
    return {
      state: d.unlocked ? 'unlocked' : 'locked',
      kind: d.kind,
      subject: issuing?.subject ?? null,
      fingerprint: issuing?.fingerprint ?? null,
      notAfter: issuing?.notAfter ?? null,
      autoLockAt: d.unlocked ? (autoLock.deadline?.toISOString() ?? null) : null,
      key: keyLocationOf(ctx.port),
      expiryWarning: issuing ? caExpiryWarning(issuing.notAfter, ctx.now()) : null,
    };
  }

  // The authority locked itself (its token went away): stop the idle timer and tell the UI at once.
  ctx.port?.onKeyLost?.(() => {
    autoLock.stop();
    void status().then((s) => {
      events.emit('authority.lockState', { state: s.state, reason: 'token-removed', autoLockAt: null });
    }).catch(() => undefined);
  });

  async function lock(reason: 'user' | 'idle' | 'quit'): Promise<AuthorityStatus> {
    autoLock.stop();
    if (ctx.port) await ctx.port.lock();
    const s = await status();
    events.emit('authority.lockState', { state: s.state, reason, autoLockAt: null });
    return s;
  }

  /** Restart the idle timer if the CA is unlocked (never starts it for a locked CA). */
  async function activity(): Promise<void> {
    if (ctx.port && (await ctx.port.describe()).unlocked) autoLock.touch();
    else autoLock.stop();
  }

  /** After an authority call: restart (or stop) the idle timer and, with a reason, announce the state. */
  async function touched(reason: 'unlock' | 'configured' | null): Promise<AuthorityStatus> {
    await activity();
    const s = await status();
    if (reason) events.emit('authority.lockState', { state: s.state, reason, autoLockAt: s.autoLockAt });
    return s;
  }

  /** The upstream root as the API gives it: a picked certificate file (read here, bounded) or a typed fingerprint. */
  async function readRoot(root: RootPin): Promise<RootPinBytes> {
    if ('sha256' in root) return { sha256: root.sha256 };
    return { certificate: await readPicked(files.take(root.certificate, 'open', ['certificate', 'chain']), 'certificates', 'root certificate file') };
  }

  /** The contract's `passphrase` / `token` (exactly one, checked by its schema) as the port takes them. */
  function placement(a: { passphrase?: string | undefined; token?: { uri: string; pin: string } | undefined }): KeyPlacementInput {
    if (a.token) return { token: a.token };
    if (a.passphrase !== undefined) return { passphrase: a.passphrase };
    throw new CustodianError(ApiCodes.INVALID_ARGUMENT, 'Give either a new passphrase or a token for the new CA key.');
  }

  const methods: AuthorityMethods = {
    async 'authority.status'() { return status(); },
    async 'authority.unlock'({ passphrase }) {
      await authority().unlock(passphrase);
      return touched('unlock');
    },
    async 'authority.lock'() { return lock('user'); },
    async 'authority.chain'() {
      const d = await authority().describe();
      if (d.unlocked) autoLock.touch();
      return { certificates: summariseChain(d.chainDer) };
    },
    async 'authority.initRoot'(a) {
      await authority().initRoot({ subject: a.subject, keyAlgorithm: a.keyAlgorithm, validityDays: a.validityDays, pathLen: a.pathLen, ...placement(a) });
      const status = await touched('configured');
      const d = await authority().describe();
      const root = d.chainDer[0];
      if (!root) throw new CustodianError(ApiCodes.INTERNAL, 'The authority did not report its new certificate.');
      return { status, certificate: summarise(root) };
    },
    async 'authority.createRequest'(a) {
      const root = a.root === undefined ? undefined : await readRoot(a.root);
      const { csrDer } = await authority().createRequest({ subject: a.subject, keyAlgorithm: a.keyAlgorithm, ...placement(a), ...(root ? { root } : {}) });
      const csrPem = toPem(csrDer, 'CERTIFICATE REQUEST');
      const written = a.target ? await writeTarget(a.target, ['csr'], csrPem) : null;
      const status = await touched('configured');
      return { status, csrPem, spkiFingerprint: sha256Hex(readCsr(csrDer).publicKeySpki), written };
    },
    async 'authority.signSubordinate'(a) {
      const csrPath = files.take(a.request, 'open', ['csr']);
      const csrDer = readCsr(await readPicked(csrPath, 'csr', 'CSR file')).der;
      await activity();
      const { certificateDer, chainDer } = await authority().signSubordinate({ csrDer, validityDays: a.validityDays, pathLen: a.pathLen });
      const bundle = [certificateDer, ...chainDer].map((c) => toPem(c)).join('');
      const written = await writeTarget(a.target, ['bundle', 'chain', 'certificate'], bundle);
      await activity();
      return { certificate: summariseChain([certificateDer, ...chainDer])[0]!, written };
    },
    async 'authority.importBundle'({ bundle, key, passphrase, root: rootArg }) {
      const path = files.take(bundle, 'open', ['bundle', 'chain', 'certificate']);
      // Every handle is consumed before anything is read, so none outlives a failed attempt.
      const keyPath = key === undefined ? undefined : files.take(key, 'open', ['key']);
      const rootPath = rootArg !== undefined && 'certificate' in rootArg ? files.take(rootArg.certificate, 'open', ['certificate', 'chain']) : undefined;
      const root = rootArg === undefined ? undefined : 'sha256' in rootArg ? { sha256: rootArg.sha256 } : { certificate: await readPicked(rootPath!, 'certificates', 'root certificate file') };
      const text = (await readPicked(path, 'bundle', 'bundle file')).toString('utf8');
      let imported: { root: RootCheck };
      if (keyPath === undefined || passphrase === undefined) {
        imported = await authority().importBundle(text, undefined, root);
      } else {
        // The key's bytes stay in this process: read here, sealed by the authority, then zeroed.
        const keyPem = await readPicked(keyPath, 'key', 'key file');
        try {
          imported = await authority().importBundle(text, { keyPem, passphrase }, root);
        } finally {
          keyPem.fill(0);
        }
      }
      const status = await touched('configured');
      const d = await authority().describe();
      return { status, chain: summariseChain(d.chainDer), root: imported.root };
    },
    async 'authority.verificationCert'(a) {
      await activity();
      const { certificateDer } = await authority().verificationCert({ code: a.code, validityDays: a.validityDays });
      const written = a.target ? await writeTarget(a.target, ['certificate'], toPem(certificateDer)) : null;
      await activity();
      return { certificate: summarise(certificateDer), written };
    },
    async 'authority.exportChain'({ target }) {
      const d = await authority().describe();
      if (d.chainDer.length === 0) throw new CustodianError('AUTHORITY_NOT_CONFIGURED', 'No certificate authority is set up on this station yet.');
      const written = await writeTarget(target, ['chain', 'certificate', 'bundle'], d.chainDer.map((c) => toPem(c)).join(''));
      return { written, certificates: d.chainDer.length };
    },
    async 'authority.createDemoAuthority'({ passphrase }) {
      await authority().createDemo({ passphrase });
      const status = await touched('configured');
      const d = await authority().describe();
      return { status, chain: summariseChain(d.chainDer) };
    },

  };

  return { methods, status, lock, activity };
}
