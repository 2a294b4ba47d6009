/**
 * What each workflow step does. A step reads and extends the run's `RunState`
 * and returns its outcome (the machine decides where that leads) plus
 * non-secret details for the progress event; it fails by throwing a
 * CustodianError. Order and guarantees:
 *  - nothing is signed before the intent is durably recorded (intent → sign);
 *  - the certificate is recorded before anything is written to the device (record → write);
 *  - the device confirms its identity right after giving its key (in the same
 *    exchange where it can batch, docs/device-protocol.md §4.8) and right
 *    before the write (a batching device refuses the write if it changed).
 * A failure is raised in the step it belongs to: where one step's exchange
 * also carries the next step's requests (keygen fetching the new key's CSR,
 * write carrying the read-back, record overlapping the pre-write identity
 * check), a failure of those requests is held over and raised by that next
 * step (`RunState.deferred`).
 */
import { failedPart, type DeviceClient, type DeviceIdentity, type InstalledCredentials, type KeyAttestation, type ReadBackResult } from '../device/client';
import { bytesEqual } from '../pki/bytes';
import { CustodianError, isCustodianError } from '../errors';
import {
  assertDeviceKeyAllowed,
  certificateSpki,
  computeValidity,
  deviceLeaf,
  generateSerial,
  issueCertificate,
  keyInfoFromSpki,
  keyTypeName,
  makeChallenge,
  PkiCodes,
  readCsr,
  serialToHex,
  sha256Hex,
  validateDeviceId,
  verifyPossession,
  type CsrIntake,
  type IssueRequest,
  type IssuedCertificate,
  type KeyInfo,
  type RandomSource,
} from '../pki/index';
import { StationCodes } from './codes';
import type { PreparedIssuer } from './issuer';
import { TRANSITIONS, type StepOutcome, type WorkflowStep } from './machine';
import { assertKeyTypeAllowed, decideIssuance, type IssuanceDecision, type IssuancePolicy } from './policy';
import { firstGiven, type FinalProof, type Proof, type ReadBackProof } from './proofs';
import { recogniseInstalled, reusable } from './recognise';
import { asksForNewKey } from './refusals';
import type { IntentHandle, IssuanceIntent, IssuanceRecorder } from './recorder';
import { assertRenewalKey, replaceableCertificate, type RenewalRequest, type ReplacedCertificate, type RevocationRegistry } from './renewal';
import { admitToWorkOrder, assertInWindow, policyUnder, type WorkOrderBounds, type WorkOrderPolicy } from './work-order-gate';

export interface StepEnv {
  device: DeviceClient;
  issuer: PreparedIssuer;
  recorder: IssuanceRecorder;
  /** The station's policy; narrowed to the work order's profile once the run is admitted under one (identify). */
  policy: IssuancePolicy;
  operator: string;
  workOrder?: string | undefined;
  /** The station's work-order policy: whether runs need one, and the imported orders (work-order-gate.ts). */
  workOrders?: WorkOrderPolicy | undefined;
  reissueReason?: string | undefined;
  /** This run replaces the device's certificate on purpose (renewal.ts). */
  renewal?: RenewalRequest | undefined;
  /** Where revocations are read and written; needed when the policy revokes replaced certificates. */
  revocations?: RevocationRegistry | undefined;
  clock: () => Date;
  random: RandomSource;
  /** The signing primitive (pki issueCertificate by default; injectable for HSMs and tests). */
  sign: (req: IssueRequest) => Promise<IssuedCertificate>;
  /** IDENTIFY already answered in this session (ProvisionOptions.identity). */
  identity?: DeviceIdentity;
  /** The hub's TLS server trust anchors (DER) installed into every device; empty for none. */
  trustAnchors: readonly Uint8Array[];
}

/** Everything the run learned so far. */
export interface RunState {
  identity?: DeviceIdentity;
  /** The work order this run signs under (admitted at identify), if any. */
  workOrder?: WorkOrderBounds;
  /** The policy's final proof this device gives, and how it shows what it stores (chosen at identify). */
  finalProof?: FinalProof;
  readBackProof?: ReadBackProof;
  /** Every proof passed so far, in order (recorded with the intent and the outcome). */
  proofs: Proof[];
  /** The device identity's statement about the key it generated in this run, kept verbatim. */
  attestation?: KeyAttestation;
  installed?: InstalledCredentials;
  keyPath?: 'csr' | 'raw-public-key';
  spki?: Uint8Array;
  /** SHA-256 of `spki`, set with it (step details, policy facts, intent). */
  spkiSha256?: string;
  keyInfo?: KeyInfo;
  csr?: CsrIntake;
  keygenDone: boolean;
  decision?: IssuanceDecision | { kind: 'recognised' };
  intent?: IssuanceIntent;
  /** The intent's validity as Dates (what the signer is asked for; the intent holds them as ISO text). */
  validity?: { notBefore: Date; notAfter: Date };
  serialRandom?: Uint8Array;
  handle?: IntentHandle;
  leaf?: Uint8Array;
  serialHex?: string;
  /** A certificate was signed in this run. */
  signed: boolean;
  /** The signed certificate is durably recorded. */
  recorded: boolean;
  /** The intent of this run was closed as failed (signing itself failed). */
  intentClosed?: boolean;
  /** The new key's CSR, fetched with the key generation (keygen step), for the csr step to check. */
  csrFromKeygen?: Uint8Array;
  /** What the device reported right after the write (install), and the challenge it signed; checked by verify. */
  readBack?: ReadBackResult & { challenge: Uint8Array | undefined };
  /** The device confirmed its identity after giving its key, and has not been asked anything since. */
  keyConfirmed?: boolean;
  /** The device was re-identified after the certificate was recorded (before writing). */
  reidentifiedForWrite?: boolean;
  /** The key the device first offered was refused by the key policy (the keygen step then replaces it). */
  refusedKey?: { code: string; message: string };
  /** The certificate a renewal replaces, checked before the device gives (or makes) its key. */
  replaced?: ReplacedCertificate;
  /** A failure a step met on behalf of the step it hands over to, raised by that step first thing. */
  deferred?: { step: WorkflowStep; error: unknown };
}

export interface StepResult {
  outcome: StepOutcome;
  details?: Record<string, unknown>;
}

export type StepFn = (env: StepEnv, s: RunState) => Promise<StepResult>;

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new CustodianError(StationCodes.WORKFLOW_ILLEGAL_TRANSITION, `internal: ${what} missing at this step`);
  return v;
};

/** Ask the device who it is again; refuse if anything identifying changed. */
async function reidentify(env: StepEnv, s: RunState, at: WorkflowStep): Promise<void> {
  const before = need(s.identity, 'identity');
  const now = await env.device.identify();
  if (now.deviceId !== before.deviceId || now.hardwareSerial !== before.hardwareSerial) {
    throw new CustodianError(StationCodes.WORKFLOW_DEVICE_CHANGED, `the device reported ${now.deviceId} at ${at}, but ${before.deviceId} at the start`, {
      before: before.deviceId,
      after: now.deviceId,
      at,
    });
  }
}

/**
 * `error` belongs to `to`, the step `from` hands over to on `ok`: keep it for
 * `to` to raise (and let `from` succeed); anything else is `from`'s own failure.
 */
function deferTo(s: RunState, from: WorkflowStep, to: WorkflowStep, error: unknown): void {
  if (TRANSITIONS[from].ok !== to) throw error;
  s.deferred = { step: to, error };
}

function sameList(got: readonly Uint8Array[], want: readonly Uint8Array[], object: string): void {
  if (got.length !== want.length || !got.every((c, i) => bytesEqual(c, want[i]!))) {
    throw new CustodianError(StationCodes.WORKFLOW_READBACK_MISMATCH, `the ${object} read back from the device ${object === 'chain' ? 'differs from the one' : 'differ from those'} written`, {
      object,
      expected: want.length,
      got: got.length,
    });
  }
}

function checkProof(spki: Uint8Array, challenge: Uint8Array, signature: Uint8Array, code: string, what: string): void {
  if (!verifyPossession(spki, challenge, signature)) {
    throw new CustodianError(code, `the device's signature over the station challenge does not verify under ${what}`, {});
  }
}

const identify: StepFn = async (env, s) => {
  // Asked in an exchange of its own, with IDENTIFY's short timeout, even right
  // after HELLO announced the identity or the serve loop detected it: a device
  // that stops answering fails here within seconds, not at the end of the key
  // generation's long exchange.
  const id = await env.device.identify({ fresh: true });
  const seen = env.identity;
  if (seen && (seen.deviceId !== id.deviceId || seen.hardwareSerial !== id.hardwareSerial)) {
    throw new CustodianError(StationCodes.WORKFLOW_DEVICE_CHANGED, `the device reported ${id.deviceId} at identify, but ${seen.deviceId} when it was detected`, {
      before: seen.deviceId,
      after: id.deviceId,
      at: 'identify',
    });
  }
  validateDeviceId(id.deviceId, env.policy.deviceIdRule);
  if (env.policy.deviceIdPattern !== null && !new RegExp(env.policy.deviceIdPattern).test(id.deviceId)) {
    throw new CustodianError(PkiCodes.DEVICE_ID_INVALID, `The device ID "${id.deviceId}" does not match the station's device-ID rule.`, {
      deviceId: id.deviceId,
      pattern: env.policy.deviceIdPattern,
    });
  }
  const missing: string[] = env.policy.requiredCapabilities.filter((c) => !id.capabilities.includes(c));
  if (!id.capabilities.includes('csr') && !id.capabilities.includes('raw-public-key')) missing.push('csr');
  const { final, readBack } = env.policy.possession;
  const finalProof = firstGiven(final, id.capabilities);
  const readBackProof = firstGiven(readBack, id.capabilities);
  if (finalProof === null) missing.push(`a final proof (${final.join(' or ')})`);
  if (readBackProof === null) missing.push(readBack.join(' or '));
  if (missing.length > 0) {
    throw new CustodianError(StationCodes.WORKFLOW_CAPABILITY_MISSING, `device ${id.deviceId} (driver ${id.driver}) lacks ${missing.join(', ')}`, {
      missing,
      capabilities: id.capabilities,
      driver: id.driver,
    });
  }
  // Outside the order's bounds, the device is refused before it is asked for a key or to make one.
  const order = await admitToWorkOrder(env.workOrders, env.workOrder, id, env.clock(), env.recorder);
  if (order) {
    s.workOrder = order;
    // The rest of the run signs under the order's profile too.
    env.policy = policyUnder(env.policy, order);
  }
  s.identity = id;
  s.finalProof = finalProof!;
  s.readBackProof = readBackProof!;
  // A device that reports an empty, unlocked store has nothing to read back
  // or recognise; anything it says it holds is read and checked.
  const st = id.store;
  s.installed = st && !st.hasLeaf && !st.hasChain && !st.locked ? { leaf: null, chain: [], locked: false } : await env.device.readCredentials();
  return {
    outcome: 'ok',
    details: {
      deviceId: id.deviceId,
      driver: id.driver,
      model: id.model,
      firmware: id.firmware,
      capabilities: id.capabilities,
      finalProof,
      hasLeaf: s.installed.leaf !== null,
      locked: s.installed.locked,
    },
  };
};

const isNoKey = (e: unknown): boolean => isCustodianError(e, 'DEVICE_ERROR_NO_KEY');

/** A renewal keeps the device's key: a device that has none (or a refused one) is not renewed. */
function renewKeepsKey(env: StepEnv, s: RunState, spkiSha256: string | null): void {
  if (env.renewal?.mode !== 'renew' || !s.replaced) return;
  throw new CustodianError(StationCodes.RENEWAL_KEY_MISMATCH, `the device did not give the key of the certificate it renews (serial ${s.replaced.record.serialHex}); a new key is a re-key`, {
    serialHex: s.replaced.record.serialHex, expectedSpkiSha256: s.replaced.record.spkiSha256, spkiSha256,
  });
}

/** The device has no key pair: generate one on it if policy and device allow, once. */
function noKey(env: StepEnv, s: RunState, id: DeviceIdentity, path: string): StepResult {
  renewKeepsKey(env, s, null);
  if (s.keygenDone || !env.policy.keygen.onDeviceIfMissing || !id.capabilities.includes('keygen')) {
    throw new CustodianError(StationCodes.WORKFLOW_NO_DEVICE_KEY, `device ${id.deviceId} has no key and on-device key generation is ${s.keygenDone ? 'done but gave none' : 'not available'}`, {
      keygenAllowed: env.policy.keygen.onDeviceIfMissing,
      keygenCapable: id.capabilities.includes('keygen'),
    });
  }
  return { outcome: 'no-key', details: { keyPath: path } };
}

/**
 * The device's key is refused by the key policy (refusals.ts): ask the device
 * for a new one if policy allows and the device can make one, once per run.
 * Otherwise the refusal stands, its code unchanged, saying why no new key was asked for.
 */
function refusedKey(env: StepEnv, s: RunState, id: DeviceIdentity, path: string, e: CustodianError): StepResult {
  renewKeepsKey(env, s, null);
  const whyNot: [string, string] | null = s.keygenDone
    ? ['done', 'it already generated a new key in this run']
    : !env.policy.keygen.onDeviceIfRefused
      ? ['not-allowed', 'the issuance policy does not replace refused keys']
      : !id.capabilities.includes('keygen')
        ? ['not-capable', 'the device cannot generate keys']
        : s.installed?.locked
          ? ['locked', 'its credential store is locked']
          : null;
  if (whyNot) {
    const message = s.keygenDone
      ? `the new key device ${id.deviceId} generated is refused too (${e.message}); it is not asked for another`
      : `the key of device ${id.deviceId} is refused (${e.message}) and no new key can be asked for: ${whyNot[1]}`;
    throw new CustodianError(e.code, message, { ...e.details, deviceId: id.deviceId, newKey: whyNot[0] }, { cause: e });
  }
  s.refusedKey = { code: e.code, message: e.message };
  return { outcome: 'key-refused', details: { keyPath: path, keyRefused: e.code, reason: e.message, newKey: 'requested' } };
}

const csr: StepFn = async (env, s) => {
  const id = need(s.identity, 'identity');
  const path = id.capabilities.includes('csr') ? 'csr' : 'raw-public-key';
  if (env.renewal && !s.replaced) {
    s.replaced = await replaceableCertificate({
      request: env.renewal, policy: env.policy, identity: id, installed: need(s.installed, 'installed credentials'),
      prior: await env.recorder.issuedFor(id.deviceId), revocations: env.revocations, now: env.clock(),
    });
    if (env.renewal.mode === 're-key') return { outcome: 're-key', details: { keyPath: path, replaces: s.replaced.record.serialHex } };
  }
  // A device that said at IDENTIFY it has no key pair is not asked for one it cannot have.
  if (id.store?.hasKey === false && !s.keygenDone) return noKey(env, s, id, path);
  let spki: Uint8Array;
  try {
    if (path === 'csr') {
      // The device confirms it is still `id` right after giving the CSR (the pre-signing identity check).
      const der = s.csrFromKeygen ?? (await env.device.getCsr(id.deviceId, { confirm: id }));
      s.csrFromKeygen = undefined;
      const intake = readCsr(der); // signature and key policy checked here
      assertKeyTypeAllowed(env.policy, keyTypeName(intake.keyInfo));
      if (intake.commonName !== id.deviceId) {
        throw new CustodianError(StationCodes.WORKFLOW_CSR_CN_MISMATCH, `the CSR asks for CN ${JSON.stringify(intake.commonName ?? null)}, the device ID is ${id.deviceId}`, {
          deviceId: id.deviceId,
          csrCn: intake.commonName ?? null,
        });
      }
      if (env.policy.possession.requireAttestation && s.attestation?.signature !== 'verified') {
        throw new CustodianError(
          StationCodes.WORKFLOW_ATTESTATION_REQUIRED,
          `the policy requires the device's identity to attest its new key, and device ${id.deviceId} gave ${s.attestation ? 'an attestation no known identity key verifies' : 'none'}`,
          { attestation: s.attestation ? s.attestation.signature : 'none', keygenDone: s.keygenDone },
        );
      }
      s.csr = intake;
      spki = intake.publicKeySpki;
    } else {
      spki = await env.device.getPublicKey();
      assertKeyTypeAllowed(env.policy, keyTypeName(assertDeviceKeyAllowed(spki)));
      const challenge = makeChallenge(env.random);
      const signature = await env.device.signChallenge(challenge, { confirm: id });
      checkProof(spki, challenge, signature, StationCodes.WORKFLOW_POSSESSION_FAILED, 'the key it reported');
    }
  } catch (e) {
    if (isNoKey(e)) return noKey(env, s, id, path);
    if (asksForNewKey(e)) return refusedKey(env, s, id, path, e as CustodianError);
    throw e;
  }
  s.keyPath = path;
  s.proofs.push(path === 'csr' ? 'csr-signature' : 'key-challenge');
  s.keyConfirmed = true;
  s.spki = spki;
  s.spkiSha256 = sha256Hex(spki);
  s.keyInfo = keyInfoFromSpki(spki);
  return { outcome: 'ok', details: { keyPath: path, keyAlgorithm: keyTypeName(s.keyInfo), spkiSha256: s.spkiSha256 } };
};

const keygen: StepFn = async (env, s) => {
  const id = need(s.identity, 'identity');
  const algorithm = env.policy.keygen.algorithm;
  const reason = env.renewal?.mode === 're-key' && !s.refusedKey ? 're-key' : s.refusedKey ? 'key-refused' : 'no-key';
  const details = { algorithm, reason, ...(s.refusedKey ? { replaces: s.refusedKey.code } : {}) };
  // A CSR device hands over the new key's CSR (and confirms its identity) in the same exchange:
  // a failure of that part is the csr step's.
  let generated;
  try {
    generated = await env.device.generateKey(algorithm, id.capabilities.includes('csr') ? { csr: id.deviceId, confirm: id } : {});
  } catch (e) {
    if (failedPart(e) !== 'csr') throw e;
    s.keygenDone = true;
    deferTo(s, 'keygen', 'csr', e);
    return { outcome: 'ok', details };
  }
  if (generated.csr) s.csrFromKeygen = generated.csr;
  s.keygenDone = true;
  // A driver hands over an attestation only after checking its form and its binding to this CSR.
  if (generated.attestation) {
    s.attestation = generated.attestation;
    if (generated.attestation.signature === 'verified') s.proofs.push('attestation');
  }
  return { outcome: 'ok', details: { ...details, ...(generated.attestation ? { attestation: generated.attestation.signature } : {}) } };
};

const check: StepFn = async (env, s) => {
  const id = need(s.identity, 'identity');
  const spki = need(s.spki, 'device key');
  const installed = need(s.installed, 'installed credentials');
  const now = env.clock();
  const spkiSha256 = s.spkiSha256 ?? sha256Hex(spki);
  // A renewal replaces the installed certificate: it is not recognised as the end of the run.
  if (s.replaced) assertRenewalKey(need(env.renewal, 'renewal').mode, s.replaced, spkiSha256);
  // Recognising installed credentials talks to the device: the identity is confirmed again before the intent.
  if (installed.leaf !== null && !s.replaced) s.keyConfirmed = false;
  const seen = s.replaced
    ? { recognised: false as const, why: 'renewal' as const }
    : await recogniseInstalled({ device: env.device, issuer: env.issuer, installed, deviceId: id.deviceId, spki, at: now, random: env.random, canChallenge: id.capabilities.includes('challenge') });
  if (seen.recognised) {
    s.decision = { kind: 'recognised' };
    s.leaf = seen.leaf;
    s.serialHex = seen.serialHex; // read from the leaf while recognising it
    return { outcome: installed.locked ? 'recognised-locked' : 'recognised', details: { recognised: true, locked: installed.locked } };
  }
  if (installed.locked) {
    throw new CustodianError(StationCodes.WORKFLOW_DEVICE_LOCKED, `device ${id.deviceId} is locked with credentials this station does not recognise (${seen.why})`, {
      deviceId: id.deviceId,
      why: seen.why,
    });
  }
  // One key, one device: what the recorder holds for this key under any device ID is a fact of the decision too.
  const [prior, sameKey] = await Promise.all([env.recorder.issuedFor(id.deviceId), env.recorder.issuedForKey(spkiSha256)]);
  const decision = decideIssuance(
    env.policy,
    {
      deviceId: id.deviceId,
      keyAlgorithm: keyTypeName(need(s.keyInfo, 'key info')),
      spkiSha256,
      issuerFingerprint: env.issuer.fingerprint,
      prior,
      sameKey,
      reissueReason: env.renewal?.reason ?? env.reissueReason,
      now,
    },
    (r) => reusable(env.issuer, r, id.deviceId, now),
  );
  s.decision = decision;
  if (decision.kind === 'reuse') {
    s.leaf = decision.record.certificateDer;
    s.serialHex = decision.record.serialHex;
    if (decision.record.intentId !== undefined) s.handle = { id: decision.record.intentId };
    return { outcome: 'reuse', details: { reuse: decision.record.serialHex, notRecognised: seen.why, prior: prior.length } };
  }
  return { outcome: 'ok', details: { reissue: decision.reissue, notRecognised: seen.why, prior: prior.length } };
};

/**
 * Bytes a device leaf can take beyond its key, subject and issuer name:
 * the largest issuer signature (RSA-4096) with its encoding, the validity,
 * serial, algorithm identifiers and the profile's extensions, with room to spare.
 */
const LEAF_OVERHEAD_MAX = 1024;

const intent: StepFn = async (env, s) => {
  const id = need(s.identity, 'identity');
  if (!s.keyConfirmed) await reidentify(env, s, 'intent');
  const decision = need(s.decision, 'decision');
  // A device that could not store what it would get is refused before anything is recorded or signed.
  env.device.assertFits?.({
    leafBytesMax: need(s.spki, 'device key').length + env.issuer.subjectDer.length + id.deviceId.length + LEAF_OVERHEAD_MAX,
    chain: env.issuer.deviceChain,
    trustAnchors: env.trustAnchors,
  });
  const now = env.clock();
  const serialRandom = env.random(16);
  const serialHex = serialToHex(generateSerial(() => serialRandom));
  const validity = computeValidity({
    notBefore: new Date(now.getTime() - env.policy.backdateMinutes * 60_000),
    days: env.policy.validityDays,
    maxDays: deviceLeaf.validity.maxDays,
    issuer: { notBefore: env.issuer.notBefore, notAfter: env.issuer.notAfter },
  });
  const it: IssuanceIntent = {
    deviceId: id.deviceId,
    subject: `CN=${id.deviceId}`,
    serialHex,
    spkiSha256: s.spkiSha256 ?? sha256Hex(need(s.spki, 'device key')),
    ...(s.csr ? { csrSha256: s.csr.csrSha256 } : {}),
    issuerFingerprint: env.issuer.fingerprint,
    profile: env.policy.profile,
    notBefore: validity.notBefore.toISOString(),
    notAfter: validity.notAfter.toISOString(),
    operator: env.operator,
    ...(env.workOrder ? { workOrder: env.workOrder } : {}),
    ...(decision.kind === 'sign' && decision.reissueReason ? { reissueReason: decision.reissueReason } : {}),
    driver: id.driver,
    // Under a work order the hardware serial is kept too: an audit checks a serial allow-list against it.
    ...(Object.keys(id.facts).length || s.workOrder ? { device: { ...id.facts, ...(s.workOrder ? { hardwareSerial: id.hardwareSerial } : {}) } } : {}),
    proofs: [...s.proofs],
    ...(s.attestation ? { attestation: { ...s.attestation } } : {}),
    ...(s.replaced && env.renewal ? { replaces: s.replaced.record.serialHex, renewal: env.renewal.mode } : {}),
  };
  // The window is checked again at the intent; the recorder takes the quota slot with the intent itself.
  if (s.workOrder) assertInWindow(s.workOrder, now, id.deviceId);
  s.handle = await env.recorder.recordIntent(it, s.workOrder ? { quota: s.workOrder.quota } : undefined); // rejects → nothing is signed
  s.intent = it;
  s.validity = { notBefore: validity.notBefore, notAfter: validity.notAfter };
  s.serialRandom = serialRandom;
  s.serialHex = serialHex;
  return { outcome: 'ok', details: { intentId: s.handle.id, serialHex, notAfter: it.notAfter, reissue: decision.kind === 'sign' && decision.reissue } };
};

const sign: StepFn = async (env, s) => {
  const it = need(s.intent, 'intent');
  const handle = need(s.handle, 'intent handle');
  const serialRandom = need(s.serialRandom, 'serial');
  const { notBefore, notAfter } = need(s.validity, 'validity');
  let issued: IssuedCertificate;
  try {
    issued = await env.sign({
      profile: 'deviceLeaf',
      commonName: it.deviceId,
      subjectPublicKey: need(s.spki, 'device key'),
      issuer: { certificate: env.issuer.certificate, privateKey: env.issuer.privateKey },
      notBefore,
      days: env.policy.validityDays,
      now: env.clock(),
      random: () => serialRandom,
      deviceIdRule: env.policy.deviceIdRule,
    });
  } catch (e) {
    const err = isCustodianError(e) ? e : new CustodianError('INTERNAL', String(e));
    s.intentClosed = true;
    await env.recorder.recordFailed(handle, { code: err.code, message: err.message });
    throw e;
  }
  s.signed = true;
  s.leaf = issued.der;
  if (issued.serialHex !== it.serialHex || issued.notAfter.getTime() !== notAfter.getTime()) {
    // Recorded as issued anyway (next step) so the ledger holds it; it never reaches the device.
    s.serialHex = issued.serialHex;
  }
  return { outcome: 'ok', details: { serialHex: issued.serialHex, fingerprint: issued.fingerprintSha256 } };
};

const record: StepFn = async (env, s) => {
  const it = need(s.intent, 'intent');
  const leaf = need(s.leaf, 'leaf');
  // A device that batches confirms its identity in the write's own exchange
  // (and refuses the write if it changed). Otherwise the pre-write IDENTIFY is
  // sent now, so its round trip overlaps the recorder's durable write; nothing
  // is written to the device until both have succeeded.
  const reid = need(s.identity, 'identity').capabilities.includes('guarded-write') ? null : reidentify(env, s, 'write');
  reid?.catch(() => undefined);
  await env.recorder.recordIssued(need(s.handle, 'intent handle'), leaf);
  s.recorded = true;
  if (reid) {
    // The pre-write identity check belongs to the write: a device that changed or went quiet fails there, nothing written.
    try {
      await reid;
      s.reidentifiedForWrite = true;
    } catch (e) {
      deferTo(s, 'record', 'write', e);
    }
  }
  if (s.serialHex !== it.serialHex) {
    throw new CustodianError(StationCodes.WORKFLOW_ISSUER_UNUSABLE, 'the signer produced a certificate that differs from the recorded intent; it was not sent', {
      intentSerial: it.serialHex,
      certificateSerial: s.serialHex,
    });
  }
  return { outcome: 'ok', details: { intentId: s.handle?.id } };
};

const write: StepFn = async (env, s) => {
  const id = need(s.identity, 'identity');
  const leaf = need(s.leaf, 'leaf');
  const chain = env.issuer.deviceChain;
  // The device reports what it then holds and, where the final proof is a
  // challenge, signs it in the same exchange where it can; verify checks both.
  const challenge = s.finalProof === 'challenge' ? makeChallenge(env.random) : undefined;
  const anchors = env.trustAnchors.length ? { trustAnchors: [...env.trustAnchors] } : {};
  const details = { leafBytes: leaf.length, chainCertificates: chain.length, trustAnchors: env.trustAnchors.length };
  let back: ReadBackResult;
  try {
    back = await env.device.install(leaf, chain, { ...(challenge ? { challenge } : {}), ...anchors, ...(s.reidentifiedForWrite ? {} : { confirm: id }) });
  } catch (e) {
    // The writes went through; reading them back is the verify step's.
    if (failedPart(e) !== 'read-back') throw e;
    deferTo(s, 'write', 'verify', e);
    return { outcome: 'ok', details };
  }
  s.readBack = { challenge, ...back };
  return { outcome: 'ok', details };
};

const verify: StepFn = async (env, s) => {
  const leaf = need(s.leaf, 'leaf');
  const chain = env.issuer.deviceChain;
  // What the device reported right after the write (verify only ever follows
  // write). The signature over the fresh challenge is checked only after the
  // read-back matched, under the key of the leaf read back.
  const { installed: back, signature, challenge, digestsMatched } = need(s.readBack, 'read-back');
  const how = need(s.readBackProof, 'read-back proof');
  if (how === 'read-back') {
    if (!back.leaf || !bytesEqual(back.leaf, leaf)) {
      throw new CustodianError(StationCodes.WORKFLOW_READBACK_MISMATCH, 'the leaf read back from the device differs from the one written', { object: 'leaf' });
    }
    sameList(back.chain, chain, 'chain');
    if (env.trustAnchors.length && back.trustAnchors !== undefined) sameList(back.trustAnchors, env.trustAnchors, 'trust anchors');
  } else if (digestsMatched !== true) {
    throw new CustodianError(StationCodes.WORKFLOW_READBACK_DIGEST_MISMATCH, 'the device did not report digests equal to those of what was written', { object: 'all' });
  }
  s.proofs.push(how);
  if (s.finalProof === 'challenge') {
    if (!challenge || !signature || !back.leaf) {
      throw new CustodianError(StationCodes.WORKFLOW_FINAL_CHALLENGE_FAILED, 'the device gave no signature over the final challenge', {});
    }
    // The leaf's key exactly as encoded in it. These bytes are the leaf this run
    // signed (OpenSSL-verified at signing) or recognised/reused (chain-validated).
    checkProof(certificateSpki(back.leaf), challenge, signature, StationCodes.WORKFLOW_FINAL_CHALLENGE_FAILED, "the installed leaf's public key");
    s.proofs.push('final-challenge');
  } else if (!(s.keygenDone && s.keyPath === 'csr' && s.csr)) {
    // The CSR stands as the last proof only for a key the device made in this run.
    throw new CustodianError(StationCodes.WORKFLOW_FINAL_PROOF_UNAVAILABLE, 'the final proof is the CSR signature, but the key was not generated in this run', {
      keygenDone: s.keygenDone,
      keyPath: s.keyPath ?? null,
    });
  }
  const outcome = need(s.identity, 'identity').capabilities.includes('lock') ? 'ok' : 'no-lock';
  // The hub's server roots, where the station has some: checked as the rest, or not stored by a device that cannot store them (docs/device-protocol.md §4.9).
  const anchors = env.trustAnchors.length === 0 ? {} : { trustAnchors: how !== 'read-back' ? 'digests-equal' : back.trustAnchors === undefined ? 'not-supported' : 'identical' };
  return { outcome, details: { readBack: how === 'read-back' ? 'identical' : 'digests-equal', ...anchors, finalProof: s.finalProof, proofs: [...s.proofs] } };
};

const commit: StepFn = async (env, s) => {
  // A device that has no lock (the nRF91 modem) keeps its credentials writable: nothing to commit.
  if (!need(s.identity, 'identity').capabilities.includes('lock')) return { outcome: 'ok', details: { locked: false, lock: 'not-supported' } };
  await env.device.commit();
  return { outcome: 'ok', details: { locked: true } };
};

const done: StepFn = async (env, s) => {
  // The replaced certificate is revoked only once its successor is installed and proven (the policy's disposition).
  const old = s.replaced;
  if (old?.disposition === 'revoke') {
    await need(env.revocations, 'revocation registry').revokeSuperseded({
      serialHex: old.record.serialHex, issuerFingerprint: old.record.issuerFingerprint, deviceId: old.record.deviceId, operator: env.operator, replacedBy: need(s.serialHex, 'serial'),
    });
  }
  if (s.handle) await env.recorder.recordOutcome(s.handle, { result: 'passed', finalProof: need(s.finalProof, 'final proof'), proofs: [...s.proofs] });
  return {
    outcome: 'ok',
    details: { how: s.decision?.kind ?? 'sign', outcomeRecorded: s.handle !== undefined, ...(old ? { replaces: old.record.serialHex, oldCertificate: old.disposition === 'revoke' ? 'revoked' : 'expires' } : {}) },
  };
};

/** `fn`, first raising a failure the step before held over for it (deferTo). */
const raisingDeferred =
  (fn: StepFn): StepFn =>
  async (env, s) => {
    const held = s.deferred;
    if (held) {
      // deferTo only holds a failure for the step `ok` leads to: this one.
      s.deferred = undefined;
      throw held.error;
    }
    return fn(env, s);
  };

const BY_STEP: Readonly<Record<WorkflowStep, StepFn>> = { identify, csr, keygen, check, intent, sign, record, write, verify, commit, done };

export const STEPS: Readonly<Record<WorkflowStep, StepFn>> = Object.fromEntries(
  (Object.keys(BY_STEP) as WorkflowStep[]).map((step) => [step, raisingDeferred(BY_STEP[step])]),
) as Record<WorkflowStep, StepFn>;
