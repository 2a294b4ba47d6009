/**
 * What the provisioning workflow needs from a device, independent of framing
 * and transport: each driver (electron/core/device/drivers.ts) implements it,
 * the Custodian protocol client over frames, the nRF91 client over AT
 * commands; tests may implement it too. The workflow knows capabilities, never
 * wire formats. Every method rejects with a CustodianError (a code of the
 * device layer or of its driver).
 */
import { isCustodianError } from '../errors';
import type { DeviceKeyType } from '../pki/key-policy';

/** The key types a device may be asked to generate: pki's device key types. */
export type DeviceKeyAlgorithm = DeviceKeyType;

/** What a device can do, as its driver declares it. */
export type DeviceCapability =
  | 'csr' // can produce a PKCS#10 CSR for a given CN
  | 'raw-public-key' // can return its SubjectPublicKeyInfo
  | 'challenge' // can sign a station challenge with its key
  | 'keygen' // can generate a new key pair in its secure element
  | 'lock' // can commit/lock its credential store
  | 'read-back' // gives back the very bytes written
  | 'read-back-digest' // gives back a digest of what it stores, checked against what was written
  | 'guarded-write'; // refuses a write itself unless it is still the device identified (in the write's own exchange)

export const DEVICE_CAPABILITIES: readonly DeviceCapability[] = ['csr', 'raw-public-key', 'challenge', 'keygen', 'lock', 'read-back', 'read-back-digest', 'guarded-write'];

export interface DeviceIdentity {
  /** The driver that speaks to it (`custodian`, `nrf91`). */
  driver: string;
  /** The device ID the certificate CN will carry (or the hardware serial if no ID is set). */
  deviceId: string;
  hardwareSerial: string;
  model: string;
  firmware: string;
  capabilities: DeviceCapability[];
  /**
   * What the driver learned about the device that the ledger should keep
   * (the nRF91's IMEI, modem firmware and UUID; the Custodian protocol
   * version): short text values, recorded with the intent.
   */
  facts: Readonly<Record<string, string>>;
  /**
   * What the device's credential store holds, as it reports at IDENTIFY
   * (docs/device-protocol.md §4.2); absent when the firmware omits the field.
   * It only spares the station reads that would come back empty: the station
   * reads and checks whatever a device says it holds.
   */
  store?: DeviceStoreState;
}

export interface DeviceStoreState {
  hasKey: boolean;
  hasLeaf: boolean;
  hasChain: boolean;
  locked: boolean;
}

export interface InstalledCredentials {
  leaf: Uint8Array | null; // DER
  chain: Uint8Array[]; // DER, leaf's issuer first
  locked: boolean;
  /** The TLS server trust anchors the device holds (DER), where its driver can read them back. */
  trustAnchors?: Uint8Array[];
}

/**
 * The parts of a call that does more than one thing: generateKey with `csr`
 * (the key generation, then the new key's CSR and the identity check after
 * it) and install (the writes, then the read-back and the final challenge).
 * An error of such a call says in `details.part` which part failed. A reply
 * that never came, or came damaged, names the first part of its exchange:
 * nothing in that exchange is known to have run.
 */
export type DevicePart = 'keygen' | 'csr' | 'write' | 'read-back';
export const DEVICE_PARTS: readonly DevicePart[] = ['keygen', 'csr', 'write', 'read-back'];

/** The part of a multi-part call an error names (`details.part`), if any. */
export function failedPart(e: unknown): DevicePart | undefined {
  if (!isCustodianError(e)) return undefined;
  const p = e.details.part;
  return (DEVICE_PARTS as readonly unknown[]).includes(p) ? (p as DevicePart) : undefined;
}

export interface IdentifyOptions {
  /**
   * Ask the device in an exchange of its own (IDENTIFY's short timeout), even
   * right after a HELLO that announced the identity (docs/device-protocol.md §4.1).
   */
  fresh?: boolean;
}

/** The identity the session started with; a device that no longer reports it is refused (DEVICE_IDENTITY_CHANGED). */
export interface IdentityCheck {
  confirm?: DeviceIdentity;
}

/** generateKey's option: also fetch the new key's CSR for this CN (as getCsr, `confirm` included). */
export interface CsrAfterKeygen extends IdentityCheck {
  csr?: string;
}

/**
 * A statement by the device's own identity key about a key it generated (the
 * nRF91's COSE_Sign1 over the CSR's digest). The driver checks the token's
 * form and binding to the CSR, and its signature where the identity key is
 * known; the ledger keeps the token verbatim.
 */
export interface KeyAttestation {
  /** e.g. `nrf91-keygen-cose`. */
  format: string;
  /** The token exactly as the device sent it (text). */
  token: string;
  /** `verified`: its signature verified under the device identity key the brand owner supplied; `unverified`: no such key was known. */
  signature: 'verified' | 'unverified';
}

export interface GeneratedKey {
  /** The new key's CSR when asked for (`csr`), else null. */
  csr: Uint8Array | null;
  attestation?: KeyAttestation;
}

/** What the device holds after a write, its signature over the station's challenge, and how it proved the write. */
export interface ReadBackResult {
  installed: InstalledCredentials;
  /** The final challenge's signature; absent when the install was asked for none. */
  signature?: Uint8Array;
  /**
   * The device reported a digest of each stored object and the driver found
   * it equal to the SHA-256 of the exact bytes it wrote (`read-back-digest`).
   */
  digestsMatched?: boolean;
}

export interface InstallOptions extends IdentityCheck {
  /** The final challenge (docs/device-protocol.md §4.5), signed after the writes; omitted when the policy's final proof is not a challenge. */
  challenge?: Uint8Array;
  /** The hub's TLS server trust anchors (DER), installed where the device keeps its root CAs. */
  trustAnchors?: Uint8Array[];
}

/** What the station means to store on a device, known before it signs. */
export interface StorePlan {
  /** The most bytes the leaf (DER) can take once signed. */
  leafBytesMax: number;
  chain: readonly Uint8Array[];
  trustAnchors: readonly Uint8Array[];
}

export interface DeviceClient {
  /**
   * Throws if the device could not store this (its driver's size limits),
   * before anything is signed. A driver without such limits leaves it out.
   */
  assertFits?(plan: StorePlan): void;
  identify(opts?: IdentifyOptions): Promise<DeviceIdentity>;
  /**
   * Generate a key pair in the device's secure element. With `csr`, also
   * return the new key's CSR for that CN (and confirm the identity after it),
   * in the same exchange where the device can batch; otherwise null. A
   * failure names its part ('keygen' or 'csr', DevicePart).
   */
  generateKey(algorithm: DeviceKeyAlgorithm, opts?: CsrAfterKeygen): Promise<GeneratedKey>;
  /**
   * PKCS#10 CSR (DER) signed by the device key, subject CN as requested. With
   * `confirm`, the device then confirms it is still that device, in the same
   * exchange where it can (BATCH).
   */
  getCsr(commonName: string, opts?: IdentityCheck): Promise<Uint8Array>;
  /** SubjectPublicKeyInfo DER of the device key. */
  getPublicKey(): Promise<Uint8Array>;
  /** Signature over the challenge, format as specified in docs/device-protocol.md; `confirm` as for getCsr. */
  signChallenge(challenge: Uint8Array, opts?: IdentityCheck): Promise<Uint8Array>;
  writeLeaf(certificateDer: Uint8Array): Promise<void>;
  writeChain(chainDer: Uint8Array[]): Promise<void>;
  readCredentials(): Promise<InstalledCredentials>;
  /**
   * Write the leaf, then the chain, then the trust anchors if given (with
   * `confirm`, the device first confirms it is still that device and writes
   * nothing if it is not); then the device reports what it holds and, given a
   * `challenge`, signs it: the final proof of possession. In as few exchanges
   * as the link allows. The caller checks the read-back against what it
   * wrote, then the signature under the leaf read back. A failure names its
   * part ('write' or 'read-back', DevicePart).
   */
  install(leafDer: Uint8Array, chainDer: Uint8Array[], opts: InstallOptions): Promise<ReadBackResult>;
  commit(): Promise<void>;
  close(): Promise<void>;
}
