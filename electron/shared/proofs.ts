/**
 * The possession proofs a run can give, as data the core, the API contract,
 * the CLI and the renderer share: their names (the core's station/proofs.ts
 * checks it names the same ones) and what they mean in the operator's words.
 * Pure data: no Node, no Electron, no zod.
 */

export const PROOF_NAMES = ['csr-signature', 'key-challenge', 'attestation', 'read-back', 'read-back-digest', 'final-challenge'] as const;
export type ProofName = (typeof PROOF_NAMES)[number];

/** The last word that the device holds the key its new certificate names (a driver's default: shared/drivers.ts). */
export const FINAL_PROOF_NAMES = ['challenge', 'csr-signature'] as const;
export type FinalProofName = (typeof FINAL_PROOF_NAMES)[number];

/** What each proof established, one short phrase each (the PASS screen lists the ones a run passed). */
export const PROOF_WORDS: Readonly<Record<ProofName, string>> = {
  'csr-signature': 'CSR signature verified',
  'key-challenge': 'key signed a station challenge',
  attestation: 'key generation attested by the device identity key',
  'read-back': 'read back byte for byte',
  'read-back-digest': 'stored digests match what was written',
  'final-challenge': 'installed key signed a fresh challenge',
};

/** The PASS screen's sentence for the final proof a run ended on. */
export const FINAL_PROOF_WORDS: Readonly<Record<FinalProofName, string>> = {
  challenge: 'Possession proved by challenge signature: after the install the device signed a fresh station challenge with the certificate\'s key.',
  'csr-signature': 'Possession proved by CSR signature of a key generated on the device in this run.',
};

/** The proof in `proofs` that gives this final proof: a run only claims a final proof it passed. */
export const FINAL_PROOF_EVIDENCE: Readonly<Record<FinalProofName, ProofName>> = {
  challenge: 'final-challenge',
  'csr-signature': 'csr-signature',
};

/** The final proof a run may claim on its PASS screen: `final` when `proofs` holds its evidence, else null. */
export function provedFinal(final: FinalProofName | null | undefined, proofs: readonly ProofName[]): FinalProofName | null {
  return final && proofs.includes(FINAL_PROOF_EVIDENCE[final]) ? final : null;
}
