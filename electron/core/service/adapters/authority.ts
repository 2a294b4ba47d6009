/**
 * AuthorityPort over the real station authority (electron/core/authority).
 * The Authority holds the CA key as a non-extractable CryptoKey while
 * unlocked; nothing here reads or returns key material.
 *
 * "Demo" authorities are ordinary roots created by createDemo; a marker file
 * in the station home (`demo-authority.json`, public facts only) lets the UI
 * label them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Authority, type AuthorityListener } from '../../authority/index';
import { AuthorityCodes } from '../../authority/codes';
import { CustodianError } from '../../errors';
import { assertTrustedModule, parsePkcs11Uri } from '../../token/index';
import type { KeyLocation } from '../../../shared/api/authority';
import type { AuthorityPort, KeyPlacementInput, SubjectInput } from '../ports';

const DEMO_MARKER = 'demo-authority.json';

function pemToDer(pem: string): Uint8Array[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g)]
    .map((m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
}

/** The CA profiles carry CN and O (the contract takes nothing else). */
function caSubject(s: SubjectInput): { commonName: string; organization?: string } {
  return s.organization !== undefined ? { commonName: s.commonName, organization: s.organization } : { commonName: s.commonName };
}

/** The core's placement: the vault passphrase, or the token URI and PIN (exactly one). */
function placement(p: KeyPlacementInput): { passphrase: string } | { token: { uri: string; pin: string } } {
  if (!p.token) return { passphrase: p.passphrase };
  // The module path comes from the renderer: only a machine-installed library is loaded.
  assertTrustedModule(parsePkcs11Uri(p.token.uri).modulePath);
  return { token: { uri: p.token.uri, pin: p.token.pin } };
}

/**
 * `open` is given a listener to pass to `Authority.open`: through it the
 * adapter learns that the authority dropped its key (token removed).
 */
export function authorityAdapter(home: string, open: (listener: AuthorityListener) => Authority = (listener) => Authority.open({ home, listener })): AuthorityPort & { readonly authority: Authority; keyLocation(): KeyLocation | null; onKeyLost(listener: () => void): () => void } {
  const keyLost = new Set<() => void>();
  const authority = open((e) => {
    if (e.type === 'authority.locked' && e.reason === 'token-removed') {
      for (const l of keyLost) {
        try { l(); } catch { /* one subscriber must not stop the others */ }
      }
    }
  });
  const marker = join(home, DEMO_MARKER);
  const isDemo = () => {
    if (!existsSync(marker)) return false;
    try {
      const m = JSON.parse(readFileSync(marker, 'utf8')) as { fingerprint?: string };
      return m.fingerprint !== undefined && m.fingerprint === authority.metadata?.certificateFingerprint;
    } catch {
      return false;
    }
  };
  return {
    authority,
    async describe() {
      const state = authority.state;
      if (state === 'none') return { kind: null, unlocked: false, chainDer: [] };
      if (state === 'pending') return { kind: 'pending', unlocked: authority.unlocked, chainDer: [] };
      return {
        kind: isDemo() ? 'demo' : (authority.kind ?? 'root'),
        unlocked: authority.unlocked,
        chainDer: pemToDer(authority.exportChain().pem),
      };
    },
    async unlock(passphrase) {
      await authority.unlock(passphrase); // for a token-held key this is its PIN
    },
    /** Where the CA key is, for the status the app shows (null without an authority). */
    keyLocation(): KeyLocation | null {
      const where = authority.show().keyLocation;
      if (!where) return null;
      if (where.kind === 'vault') return { location: 'vault' };
      return { location: 'token', tokenLabel: where.tokenLabel, tokenSerial: where.tokenSerial, keyLabel: where.keyLabel, keyId: where.keyIdHex };
    },
    async lock() {
      await authority.lock();
    },
    onKeyLost(listener) {
      keyLost.add(listener);
      return () => { keyLost.delete(listener); };
    },
    async initRoot(req) {
      await authority.initRoot({
        ...caSubject(req.subject),
        keySpec: req.keyAlgorithm,
        ...(req.pathLen === null ? {} : { pathLen: req.pathLen }),
        days: req.validityDays,
        ...placement(req),
      });
    },
    async createRequest(req) {
      const r = await authority.createRequest({ ...caSubject(req.subject), keySpec: req.keyAlgorithm, ...placement(req), ...(req.root ? { root: req.root } : {}) });
      return { csrDer: r.csrDer };
    },
    async signSubordinate(req) {
      if (req.pathLen === null) {
        throw new CustodianError(AuthorityCodes.BAD_INPUT, 'A subordinate CA needs a path length limit (0 = it may sign devices only).', { field: 'pathLen' });
      }
      const r = await authority.signSubordinate(req.csrDer, { pathLen: req.pathLen, days: req.validityDays });
      return { certificateDer: r.certificateDer, chainDer: r.chainDer.slice(1) }; // core's chainDer starts with the new certificate
    },
    async importBundle(bundlePem, migrate, root) {
      const r = await authority.importBundle(bundlePem, { ...(migrate ? { key: migrate.keyPem, passphrase: migrate.passphrase } : {}), ...(root ? { root } : {}) });
      return { root: r.root };
    },
    async verificationCert(req) {
      const r = await authority.verificationCert(req.code, { days: req.validityDays });
      return { certificateDer: r.der };
    },
    async createDemo({ passphrase }) {
      const r = await authority.initRoot({ commonName: 'Custodian Demo CA', organization: 'Demo (not for production)', keySpec: 'P-256', pathLen: 0, days: 90, passphrase });
      writeFileSync(marker, `${JSON.stringify({ fingerprint: r.fingerprint, createdAt: new Date().toISOString() }, null, 2)}\n`, { mode: 0o644 });
    },
  };
}
