/**
 * The station's signing identity as the workflow sees it: the issuing CA
 * certificate, its (non-extractable) private key and its chain to the brand
 * root. `prepareIssuer` checks it once per session and derives what the
 * workflow needs: the chain injected into devices (issuing CA first, root
 * left out: the hub already trusts it) and the trust anchor used to recognise
 * devices this station provisioned before.
 */
import { CustodianError } from '../errors';
import { fingerprintSha256, readCertificate, validateChain, type SigningKey } from '../pki/index';
import { bytesEqual } from '../pki/bytes';
import { StationCodes } from './codes';

export interface StationIssuer {
  /** Issuing CA certificate (DER), e.g. Technician-Z. */
  certificate: Uint8Array;
  /** In-process or token-held; the workflow signs with it and never asks which. */
  privateKey: SigningKey;
  /** Issuing CA first, then each issuer up to and including the root (DER). */
  caChain: readonly Uint8Array[];
}

export interface PreparedIssuer extends StationIssuer {
  /** SHA-256 of the issuing CA certificate, lowercase hex (ledger `issuerFingerprint`). */
  fingerprint: string;
  /** What is written to the device after the leaf: issuing CA first, root excluded (unless it is the issuer). */
  deviceChain: Uint8Array[];
  root: Uint8Array;
  /** The issuing CA's subject name (DER): every leaf's issuer field. */
  subjectDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

export function prepareIssuer(issuer: StationIssuer, at: Date = new Date()): PreparedIssuer {
  const unusable = (why: string, cause?: unknown): CustodianError =>
    new CustodianError(StationCodes.WORKFLOW_ISSUER_UNUSABLE, `the station's issuer cannot sign device certificates: ${why}`, {}, cause ? { cause } : undefined);
  const chain = [...issuer.caChain];
  if (chain.length === 0) throw unusable('its CA chain is empty');
  if (!bytesEqual(chain[0]!, issuer.certificate)) throw unusable('the CA chain does not start with the issuing certificate');
  const root = chain[chain.length - 1]!;
  try {
    validateChain({ leaf: issuer.certificate, intermediates: chain.slice(1, -1), roots: [root], at, expectLeaf: 'ca' });
  } catch (e) {
    throw unusable((e as Error).message, e);
  }
  const facts = readCertificate(issuer.certificate);
  return {
    ...issuer,
    caChain: chain,
    fingerprint: fingerprintSha256(issuer.certificate),
    deviceChain: chain.length > 1 ? chain.slice(0, -1) : chain,
    root,
    subjectDer: facts.subjectDer,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
  };
}
