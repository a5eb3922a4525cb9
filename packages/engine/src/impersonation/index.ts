// Impersonation's public API, a separate entry point from the engine's (see ../index.ts) as federation's
// is: it loads the SOAP stack (xmldom), which scenarios without EWS should not pay for.

export { Impersonation, IMPERSONATION_RIGHTS, type EwsCall, type EwsOutcome } from './impersonation';
export { runImpersonationShell, IMPERSONATION_CMDLETS, type ImpersonationShellOutput } from './shell';
export { CONNECTING_SID_KINDS, DISTINGUISHED_FOLDER_NAMES, type ConnectingSidKind, type DistinguishedFolderName, type FolderRef } from './ews-soap';
export { FOLDER_ROLES, FOLDER_RIGHTS, describeRights } from './mailbox-store';
export { CONDITIONS, RBAC_CONDITION, IMPERSONATION_RULE_SET } from './authorization';
