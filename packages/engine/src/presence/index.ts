// Presence's public API, a separate entry point as federation's and impersonation's are: it loads X.509,
// the SOAP stack and the DNS server, which scenarios without a presence server should not pay for.

export { Presence } from './presence';
export { PresenceServer, GATEWAY_TYPES, PRESENCE_SERVER_VERSIONS, PRESENCE_ENGINE_PARAMETERS, NOTIFICATION_PORT, type CupsUser, type GatewayType, type PresenceGateway, type PresenceEngineParameter } from './presence-server';
export { AUTHENTICATION_FORMS, AUTHENTICATION_STANDARD, type ExchangeVdirAuthentication } from './exchange-side';
export { AVAILABILITY_STATUSES, PHONE_STATUSES, CUPC_CALENDAR_SETTING, compositePresence, calendarPresenceOf, type AvailabilityStatus, type PhoneStatus } from './composite';
export { LoopbackDnsServer } from '../network/dns-server';
