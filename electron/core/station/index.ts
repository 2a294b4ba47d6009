/**
 * Public API of the provisioning workflow (electron/core/station).
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
export { DEFAULT_ISSUANCE_POLICY, checkPolicy, decideIssuance, type IssuanceDecision, type IssuanceFacts, type IssuancePolicy } from './policy';
export type * from './recorder';
export { remedyFor } from './remedies';
export { errorInfo, provisionDevice, type ProvisionOptions } from './workflow';
export { STATION_DEVICE_OPTIONS, defaultStationId, openStationSession, type StationSession } from './session';
export { serveDevices, type ServeOptions } from './watch';
export { buildDemoChain, runDemo, type DemoDevice, type DemoOptions, type DemoSummary } from './demo';
