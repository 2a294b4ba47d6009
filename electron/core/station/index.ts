/**
 * Public API of the provisioning workflow (electron/core/station): the
 * machine, its steps, the issuance policy and the recorder contract. Nothing
 * here opens a port, a ledger or a simulator; electron/core/line does.
 *
 *   const issuer = prepareIssuer({ certificate, privateKey, caChain });
 *   const result = await provisionDevice({ device, issuer, recorder, operator, onEvent });
 *
 * See workflow.ts for the runner, machine.ts for the states and transitions,
 * events.ts for the progress events, policy.ts for the issuance policy.
 */
export { StationCodes, type StationCode } from './codes';
export * from './events';
export { prepareIssuer, type PreparedIssuer, type StationIssuer } from './issuer';
export { INITIAL_STEP, STEP_ORDER, TRANSITIONS, isTerminal, transition, type StepOutcome, type WorkflowState, type WorkflowStep } from './machine';
export { DEFAULT_ISSUANCE_POLICY, checkPolicy, decideIssuance, issuancePolicyFromSettings, type IssuanceDecision, type IssuanceFacts, type IssuancePolicy } from './policy';
export { FINAL_PROOFS, PROOFS, READ_BACK_PROOFS, type FinalProof, type Proof, type ReadBackProof } from './proofs';
export type * from './recorder';
export { recordStatements, remedyFor, stoppedStatements } from './remedies';
export { RENEWAL_MODES, assertRenewalKey, replaceableCertificate, type RenewalMode, type RenewalRequest, type ReplacedCertificate, type RevocationRegistry, type RevocationStatus } from './renewal';
export { quotaExhausted, reconcileCommand } from './recorder';
export { admitToWorkOrder, assertInWindow, type WorkOrderBounds, type WorkOrderPolicy } from './work-order-gate';
export { errorInfo, provisionDevice, type ProvisionOptions } from './workflow';
