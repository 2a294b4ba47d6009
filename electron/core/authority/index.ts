/** The station's certificate authority and its ceremonies (docs/ceremonies.md). */
export { Authority, type AuthorityOptions, type AuthorityState, type UnlockedIssuer } from './authority';
export { AuthorityCodes, type AuthorityCode } from './codes';
export type { AuthorityEvent, AuthorityEventType, AuthorityListener } from './events';
export type { AuthorityJournal, CaSigningHandle, CaSigningIntent } from './journal';
export type { InitRootParams, InitRootResult } from './init-root';
export type { CreateRequestParams, CreateRequestResult } from './request';
export type { SignSubordinateParams, SignSubordinateResult } from './sign-subordinate';
export type { ImportBundleParams, ImportBundleResult } from './import-bundle';
export type { VerificationCertParams, VerificationCertResult } from './verification';
export type { WorkOrderSignerParams, WorkOrderSignerResult } from './work-order-signer';
export type { AuthorityReport, ChainEntry, ExportedChain } from './report';
export type { CaSubject } from './subject';
export type { PinnedRoot, RootPinInput } from './root-pin';
export { AUTHORITY_FORMAT, type AuthorityMeta } from './store';
export type { CaGeneration, SuccessorRequestParams, SuccessorRequestResult } from './rollover';
export type { RetiredSigner } from './rollover';
