/**
 * What the provisioning workflow needs from a device, independent of framing
 * and transport. The serial protocol client (electron/core/device) implements
 * it over a real port, a pty or an in-process pipe; tests may implement it too.
 * Every method rejects with a CustodianError (DEVICE_* or FRAME_* code).
 */
import { isCustodianError } from '../errors';
import type { DeviceKeyType } from '../pki/key-policy';

/** The key types a device may be asked to generate: pki's device key types. */
export type DeviceKeyAlgorithm = DeviceKeyType;

export type DeviceCapability =
  | 'csr' // can produce a PKCS#10 CSR for a given CN
  | 'raw-public-key' // can return its SubjectPublicKeyInfo
  | 'challenge' // can sign a station challenge with its key
  | 'keygen' // can generate a new key pair in its secure element
  | 'lock' // can commit/lock its credential store
  | 'batch'; // accepts several requests in one frame (BATCH) and the guarded IDENTIFY

export interface DeviceIdentity {
  /** The device ID the certificate CN will carry (or the hardware serial if no ID is set). */
  deviceId: string;
  hardwareSerial: string;
  model: string;
  firmware: string;
  protocolVersion: number;
  capabilities: DeviceCapability[];
  /** Maximum payload bytes the device accepts in one frame (chunk size for writes). */
  maxPayload: number;
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

/** Sizes of what the station expects to read back, so it can plan the reads (docs/device-protocol.md §4.8). */
export interface ReadBackHint {
  leafBytes: number;
  chainBytes: number;
  /** Size of the device key's challenge signature (§4.5: P1363 ECDSA or RSA), to reserve room for it. */
  signatureBytes: number;
}

/** generateKey's option: also fetch the new key's CSR for this CN (as getCsr, `confirm` included). */
export interface CsrAfterKeygen extends IdentityCheck {
  csr?: string;
}

/** What the device holds after a write, and its signature over the station's challenge. */
export interface ReadBackResult {
  installed: InstalledCredentials;
  signature: Uint8Array;
}

export interface InstallOptions extends IdentityCheck {
  /** The final challenge (docs/device-protocol.md §4.5), signed after the writes. */
  challenge: Uint8Array;
  hint?: ReadBackHint;
}

export interface DeviceClient {
  identify(opts?: IdentifyOptions): Promise<DeviceIdentity>;
  /**
   * Generate a key pair in the device's secure element. With `csr`, also
   * return the new key's CSR for that CN (and confirm the identity after it),
   * in the same exchange where the device can batch; otherwise null. A
   * failure names its part ('keygen' or 'csr', DevicePart).
   */
  generateKey(algorithm: DeviceKeyAlgorithm, opts?: CsrAfterKeygen): Promise<Uint8Array | null>;
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
   * Write the leaf, then the chain (with `confirm`, the device first confirms
   * it is still that device and writes nothing if it is not); then the device
   * reports what it holds and signs `challenge`, the final proof of
   * possession. All in as few exchanges as the buffers allow (one frame for a
   * device that batches with a 4 KiB buffer). The caller checks the read-back
   * against what it wrote, then the signature under the leaf read back. A
   * failure names its part ('write' or 'read-back', DevicePart).
   */
  install(leafDer: Uint8Array, chainDer: Uint8Array[], opts: InstallOptions): Promise<ReadBackResult>;
  commit(): Promise<void>;
  close(): Promise<void>;
}
