// The engine's public API. Steps, environments and the bench import from here, never from internals.

export { ExchangeSimulation, ExchangeOrganization, type DirectoryEnvironment } from './simulation';
export { VirtualClock, parseDuration } from './clock/clock';
export { Trace, type Hop, type Decision } from './trace/trace';
export { SimulatedBrowser, type BrowserUser, type Page } from './network/browser';
export { SimulatedNetwork, closeNetwork, NetworkError } from './network/network';
export { InProcessDirectoryServer, type DirectoryEntry } from './directory/in-process';
export { DirectoryClient, Entry, type DirectoryCredentials, type DirectoryWriteEntry } from './directory/client';
export * as filter from './directory/filter';
export { escapeFilterValue } from './directory/filter';
export { escapeRdnValue, domainToDn, normalizeDn } from './directory/dn';
export { ATTR, AUTH_METHOD_BITS, SERVER_ROLE_BITS, EXTENDED_RIGHTS, INVENTED_ATTRIBUTES, type AuthMethodName, type ServerRoleName } from './directory/schema';
export { InputError, type InputProblem } from './errors';
export { TopologyWriter, TopologyPlanner, type NamingContexts } from './topology/writer';
export { ExchangeDirectory, TopologyCache } from './topology/reader';
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
export { LoopbackDnsServer } from './network/dns-server';
export { Federation, OrganizationFederation, RELATIONSHIP_CACHE_MS, type ShellOutput, type EventLogEntry } from './federation/federation';
export { runShell, SHELL_CMDLETS } from './federation/shell';
export { askFreeBusy, FREE_BUSY_CLIENTS, type FreeBusyClient, type FreeBusyLookup } from './federation/client';
export { BUSY_TYPES, type BusyType, type CalendarEvent, type FreeBusyAnswer, type FreeBusyViewType } from './federation/free-busy';
export { GATEWAY_INSTANCES, type GatewayInstanceName } from './federation/gateway';
export { SECURITY_TOKEN_ERROR } from './federation/services';
