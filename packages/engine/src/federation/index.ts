// Federation's public API, a separate entry point from the engine's (see ../index.ts): it loads
// @peculiar/x509, xml-crypto, xmldom and dns2, which scenarios without federation should not pay for.

export { LoopbackDnsServer } from '../network/dns-server';
export { Federation, OrganizationFederation, RELATIONSHIP_CACHE_MS, type ShellOutput, type EventLogEntry } from './federation';
export { runShell, SHELL_CMDLETS } from './shell';
export { askFreeBusy, FREE_BUSY_CLIENTS, type FreeBusyClient, type FreeBusyLookup } from './client';
export { BUSY_TYPES, type BusyType, type CalendarEvent, type FreeBusyAnswer, type FreeBusyViewType } from './free-busy';
export { GATEWAY_INSTANCES, type GatewayInstanceName } from './gateway';
export { SECURITY_TOKEN_ERROR } from './services';
export { OFFICE_365 } from './office365';
