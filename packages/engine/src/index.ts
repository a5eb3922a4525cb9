// The engine's public API. Steps, environments and the bench import from here, never from internals.

export { ExchangeSimulation, ExchangeOrganization, type DirectoryEnvironment } from './simulation';
export { VirtualClock, parseDuration } from './clock/clock';
export { Trace, type Hop, type Decision } from './trace/trace';
export { sequenceDiagram, redact, redactHops, REDACTED, type DrawnHop, type SequenceDiagramOptions } from './trace/sequence-diagram';
export { SimulatedBrowser, type BrowserUser, type Page } from './network/browser';
export { SimulatedNetwork, closeNetwork, NetworkError } from './network/network';
export { InProcessDirectoryServer, type DirectoryEntry } from './directory/in-process';
export { DirectoryClient, Entry, ReadOnlyDirectoryError, describeChange, type DirectoryClientOptions, type DirectoryCredentials, type DirectoryWriteEntry, type ReadOnlyDirectory } from './directory/client';
export * as filter from './directory/filter';
export { escapeFilterValue } from './directory/filter';
export { escapeRdnValue, domainToDn, normalizeDn } from './directory/dn';
export { ATTR, AUTH_METHOD_BITS, SERVER_ROLE_BITS, EXTENDED_RIGHTS, INVENTED_ATTRIBUTES, extensionAttribute, type AuthMethodName, type ServerRoleName } from './directory/schema';
export { InputError, type InputProblem } from './errors';
export { parseShell } from './shell/command-line';
export { TopologyWriter, TopologyPlanner, type NamingContexts } from './topology/writer';
export { ExchangeDirectory, TopologyCache, type ExchangeForestView } from './topology/reader';
export { ForestLayout } from './topology/layout';
export { releaseByName, RELEASE_NAMES, releaseFromSerialNumber, serialNumberOf, type ExchangeRelease } from './topology/versions';
export {
  CROSS_SITE_REDIRECT_TYPES,
  LEGACY_REDIRECT_TYPES,
  type CrossSiteRedirectType,
  type LegacyRedirectType,
  type DatabaseSpec,
  type MailboxSpec,
  type OwaVirtualDirectoryChange,
  type ServerSpec,
} from './topology/model';
export { TEXT as OWA_PAGE_TEXT } from './redirection/pages';
export { routeOwaRequest, RouteQuestionError, type RouteQuestion } from './redirection/route';
export type { OwaDecision, OwaAction } from './redirection/decision';
// Federation loads X.509, XML-signature and DNS libraries: it has its own entry point
// (@exchange-scenarios/engine/src/federation) so that scenarios that do not federate never load them.
export type { Federation, OrganizationFederation, ShellOutput, EventLogEntry } from './federation/federation';
export type { FreeBusyClient, FreeBusyLookup } from './federation/client';
export type { BusyType, CalendarEvent, FreeBusyAnswer, FreeBusyViewType } from './federation/free-busy';
export type { GatewayInstanceName } from './federation/gateway';
// Impersonation (EWS for application servers) has its own entry point too (@exchange-scenarios/engine/src/impersonation).
export type { Impersonation, EwsCall, EwsOutcome } from './impersonation/impersonation';
export type { ImpersonationShellOutput } from './impersonation/shell';
export type { LoopbackDnsServer } from './network/dns-server';
// Migration impact: the OWA question over the model and the differential (network questions: src/migration/network-questions).
export { snapshotOwa, owaEntryPoints, describeOwaAction, mailboxKey, type OwaSnapshot, type OwaOutcome, type OwaEntryPoint } from './migration/owa';
export { diffOwa, diffRows, summarizeImpact, impactTable, renderTable, type ImpactChange, type ImpactQuestion, type ImpactSummaryRow, type OutcomeRows } from './migration/impact';
