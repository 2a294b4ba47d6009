/** Read-only views: `show` (the chain, for people) and `exportChain` (for hub/DPS upload). */
import { existsSync } from 'node:fs';
import { caExpiryWarning, pathLenRoom, readCertificate, toPem, type CaExpiryWarning } from '../pki/index';
import { keyFileInfo } from '../vault/index';
import type { AuthorityContext } from './context';
import { requireActive } from './guards';

const DAY_MS = 86_400_000;

export interface ChainEntry {
  subject: string;
  issuer: string;
  serialHex: string;
  fingerprintSha256: string;
  notBefore: string;
  notAfter: string;
  /** Whole days until notAfter (negative when expired). */
  daysLeft: number;
  isCa: boolean;
  /** Declared basicConstraints pathLen (null = none). */
  pathLen: number | null;
  /** How many more CA levels may exist below this certificate (null = unlimited). */
  pathLenRoom: number | null;
  selfSigned: boolean;
}

export interface AuthorityReport {
  state: 'none' | 'pending' | 'active';
  kind: 'root' | 'subordinate' | null;
  unlocked: boolean;
  home: string;
  subject: { commonName: string; organization?: string } | null;
  keySpec: string | null;
  keyOrigin: 'generated' | 'imported' | null;
  spkiSha256: string | null;
  keyFile: { path: string; format: string; logN: number; mode: string } | { path: string; problem: string } | null;
  /**
   * Where the CA key is: sealed in the vault (`keyFile` describes the file) or
   * held by a PKCS#11 token, named by its URI, label, serial and key id.
   */
  keyLocation: { kind: 'vault' } | {
    kind: 'token'; uri: string; modulePath: string; tokenLabel: string; tokenSerial: string; tokenModel: string; tokenManufacturer: string;
    keyLabel: string | null; keyIdHex: string;
  } | null;
  /** This CA first, root last; empty unless active. */
  chain: ChainEntry[];
  pendingRequest: { file: string; csrSha256: string; createdAt: string } | null;
  /** The upstream root this station is pinned to (null: none pinned, or a root of its own). */
  pinnedRoot: { sha256: string; subject: string | null; pinnedAt: string } | null;
  /** The signing CA nears its notAfter (90, 30, 7 days ahead: shared/ca-expiry.ts), or null. */
  expiryWarning: CaExpiryWarning | null;
  /** A successor key and CSR waiting for their signed bundle (`authority request --successor`). */
  successor: { subject: string; spkiSha256: string; csrSha256: string; createdAt: string; requestFile: string } | null;
  /**
   * Earlier CAs of this station, newest first: they sign nothing new, and stay
   * for CRLs and their devices' chains until their last device certificate
   * expires (at the latest their notAfter).
   */
  retired: { subject: string; fingerprintSha256: string; notAfter: string; daysLeft: number; retiredAt: string }[];
}

function describeChain(chain: Uint8Array[], now: Date): ChainEntry[] {
  return chain.map((der, i) => {
    const c = readCertificate(der);
    let room: number | null = null;
    try {
      room = c.basicConstraints?.ca ? pathLenRoom(chain.slice(i)) : null;
    } catch {
      room = null;
    }
    return {
      subject: c.subject,
      issuer: c.issuer,
      serialHex: c.serialHex,
      fingerprintSha256: c.fingerprintSha256,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      daysLeft: Math.floor((c.notAfter.getTime() - now.getTime()) / DAY_MS),
      isCa: c.basicConstraints?.ca === true,
      pathLen: c.basicConstraints?.pathLen ?? null,
      pathLenRoom: room,
      selfSigned: Buffer.from(c.subjectDer).equals(Buffer.from(c.issuerDer)),
    };
  });
}

const subjectLine = (s: { commonName: string; organization?: string }): string => `CN=${s.commonName}${s.organization !== undefined ? `, O=${s.organization}` : ''}`;

export function show(ctx: AuthorityContext): AuthorityReport {
  const meta = ctx.meta;
  const base: AuthorityReport = {
    state: meta?.state ?? 'none',
    kind: meta?.kind ?? null,
    unlocked: ctx.key !== null,
    home: ctx.store.home,
    subject: meta?.subject ?? null,
    keySpec: meta?.keySpec ?? null,
    keyOrigin: meta?.keyOrigin ?? null,
    spkiSha256: meta?.spkiSha256 ?? null,
    keyFile: null,
    keyLocation: meta ? (meta.keyLocation ? { ...meta.keyLocation } : { kind: 'vault' }) : null,
    chain: [],
    pendingRequest: null,
    pinnedRoot: meta?.pinnedRoot ? { sha256: meta.pinnedRoot.sha256, subject: meta.pinnedRoot.subject, pinnedAt: meta.pinnedRoot.pinnedAt } : null,
    expiryWarning: null,
    successor: meta?.successor
      ? { subject: subjectLine(meta.successor.subject), spkiSha256: meta.successor.spkiSha256, csrSha256: meta.successor.csrSha256, createdAt: meta.successor.createdAt, requestFile: ctx.store.at(meta.successor.requestFile) }
      : null,
    retired: [...(meta?.retired ?? [])].reverse().map((r) => ({
      subject: r.subject, fingerprintSha256: r.certificateFingerprint, notAfter: r.notAfter, daysLeft: Math.floor((Date.parse(r.notAfter) - ctx.now().getTime()) / DAY_MS), retiredAt: r.retiredAt,
    })),
  };
  if (!meta) return base;
  if (meta.keyLocation) {
    // The key is in a token: there is no key file to describe.
  } else if (existsSync(ctx.store.keyFileOf(meta))) {
    try {
      const k = keyFileInfo(ctx.store.keyFileOf(meta));
      base.keyFile = { path: k.path, format: k.format, logN: k.logN, mode: k.mode.toString(8).padStart(4, '0') };
    } catch (e) {
      // show() must work even when the key file is damaged or too open: report, do not fail.
      base.keyFile = { path: ctx.store.keyFileOf(meta), problem: e instanceof Error ? e.message : String(e) };
    }
  } else {
    base.keyFile = { path: ctx.store.keyFileOf(meta), problem: 'the key file is missing' };
  }
  if (meta.state === 'active') {
    base.chain = describeChain(ctx.store.readChain(), ctx.now());
    base.expiryWarning = caExpiryWarning(base.chain[0]!.notAfter, ctx.now());
  }
  else if (meta.request) base.pendingRequest = { file: ctx.store.requestFile, csrSha256: meta.request.csrSha256, createdAt: meta.request.createdAt };
  return base;
}

export interface ExportedChain {
  /** PEM certificates, this CA first, root last. Public material only. */
  pem: string;
  certificates: { subject: string; fingerprintSha256: string }[];
}

export function exportChain(ctx: AuthorityContext): ExportedChain {
  const { chain } = requireActive(ctx);
  return {
    pem: chain.map((d) => toPem(d, 'CERTIFICATE')).join(''),
    certificates: chain.map((d) => {
      const c = readCertificate(d);
      return { subject: c.subject, fingerprintSha256: c.fingerprintSha256 };
    }),
  };
}
