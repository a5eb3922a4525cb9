// Exchange Web Services on a 2007 or 2010 Client Access server, for applications: POST /EWS/Exchange.asmx
// with GetFolder, FindItem, CreateItem, UpdateItem, and GetUserAvailability when it impersonates someone.
// The caller signs in with Basic; an ExchangeImpersonation header makes the server act as the user it names
// once server-to-server authorization allows it (authorization.ts). Folder permissions are then checked for
// that user, and the Client Access server's log records the action as hers.
//
// Anything else reaching /EWS/Exchange.asmx (a user's own free/busy request, handled by federation's
// layer) goes to the endpoint underneath, as does every other path.

import type { Endpoint, RequestContext } from '../network/network';
import { verifyUser } from '../redirection/http-auth';
import type { ExchangeOrganization } from '../simulation';
import type { ExchangeDirectory, MailboxUserView, ServerView } from '../topology/reader';
import { NS, SoapParseError, children, parseEnvelopeParts } from '../federation/soap';
import {
  getUserAvailabilityResponse,
  parseGetUserAvailabilityRequest,
  shapeView,
  type CalendarEvent,
  type FreeBusyAnswer,
  type FreeBusyViewType,
} from '../federation/free-busy';
import { actingToken, authorizeImpersonation, conditionDecision, type ImpersonationRefusal } from './authorization';
import {
  createItemResponse,
  ewsFault,
  findItemResponse,
  getFolderResponse,
  parseEwsRequest,
  parseImpersonationHeader,
  updateItemResponse,
  type EwsFolder,
  type EwsItem,
  type FolderRef,
  type ParsedEwsRequest,
} from './ews-soap';
import type { Mailbox, MailboxStore, Principal, StoredFolder, StoredItem } from './mailbox-store';

const XML = { 'content-type': 'text/xml; charset=utf-8' };

/** Exchange's texts for the header-level refusals (the ResponseCode is what a client acts on). */
export const FAULT_TEXT: Record<ImpersonationRefusal, string> = {
  ErrorImpersonationDenied: 'The server to which the application is trying to connect cannot impersonate the requested user due to insufficient permission.',
  ErrorImpersonateUserDenied: 'The account does not have permission to impersonate the requested user.',
  ErrorInvalidExchangeImpersonationHeaderData: 'The impersonation header data is not valid.',
  ErrorNonExistentMailbox: 'The SMTP address has no mailbox associated with it.',
  ErrorNonPrimarySmtpAddress: 'The SMTP address is not the primary SMTP address of the mailbox.',
  ErrorInvalidSid: 'The SID is not valid.',
  ErrorImpersonationFailed: 'Impersonation failed.',
};

export interface EwsLogEntry {
  at: Date;
  server: string;
  operation: string;
  /** Who the log says acted: the impersonated user, not the application's account. */
  user: string;
  responseCode: string;
}

/** One line of the Client Access server's EWS log, as scenarios assert it. */
export function formatLogEntry(e: EwsLogEntry): string {
  return `${e.at.toISOString()} ${e.server} ${e.operation} ${e.user} ${e.responseCode}`;
}

/** What the service needs of its organization: the directory, the mailboxes' content, the log. */
export interface EwsContext {
  org: ExchangeOrganization;
  store: MailboxStore;
  log: EwsLogEntry[];
  now(): Date;
  netbiosName(): string;
}

function xml(body: string, status = 200): Response {
  return new Response(body, { status, headers: XML });
}

type Operation = ParsedEwsRequest['operation'] | 'GetUserAvailability';

/** The operation of a request this service answers, or undefined to hand it on. */
function operationOf(body: string): Operation | undefined {
  try {
    const { header, payload } = parseEnvelopeParts(body, 'EWS request');
    if (!payload || payload.namespaceURI !== NS.messages) return undefined;
    const name = payload.localName ?? '';
    if (name === 'GetFolder' || name === 'FindItem' || name === 'CreateItem' || name === 'UpdateItem') return name;
    const impersonating = !!header && children(header, NS.types, 'ExchangeImpersonation').length > 0;
    return name === 'GetUserAvailabilityRequest' && impersonating ? 'GetUserAvailability' : undefined;
  } catch {
    return undefined; // not SOAP: the layer underneath answers it as it would
  }
}

export class ImpersonationEwsServer implements Endpoint {
  constructor(
    private readonly inner: Endpoint,
    private readonly context: EwsContext,
    readonly server: string,
  ) {}

  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    const path = new URL(request.url).pathname.toLowerCase().replace(/\/+$/, '');
    if (request.method !== 'POST' || path !== '/ews/exchange.asmx') return this.inner.handle(request, ctx);
    const body = await request.clone().text();
    const operation = operationOf(body);
    if (!operation) return this.inner.handle(request, ctx);
    return this.serve(request, body, operation, ctx);
  };

  private directory(ctx: RequestContext): ExchangeDirectory {
    return this.context.org.directory.withLog((r) => ctx.hop.searches.push(r));
  }

  private principal(user: MailboxUserView): Principal {
    return { sid: user.sid, name: `${this.context.netbiosName()}\\${user.alias}` };
  }

  private record(operation: string, user: string, responseCode: string): void {
    this.context.log.push({ at: this.context.now(), server: this.server, operation, user, responseCode });
  }

  private async serve(request: Request, body: string, operation: Operation, ctx: RequestContext): Promise<Response> {
    const dir = this.directory(ctx);
    const basic = /^Basic\s+(.+)$/i.exec(request.headers.get('authorization') ?? '');
    const challenge = { status: 401, headers: { 'www-authenticate': `Basic realm="${new URL(request.url).hostname}"` } };
    if (!basic) {
      conditionDecision(ctx.hop, 1, false, 'the request carries no credentials');
      return new Response(null, challenge);
    }
    const text = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const auth = await verifyUser(dir, text.slice(0, colon), text.slice(colon + 1), 'basic');
    if (!auth.ok || auth.who.kind !== 'user') {
      conditionDecision(ctx.hop, 1, false, auth.ok ? 'not a user account' : auth.reason);
      return new Response(null, challenge);
    }
    const caller = auth.who.user;
    let acting = caller;
    const header = parseImpersonationHeader(body);
    if (header.present) {
      const cas = (await dir.serverByName(this.server)) as ServerView;
      if (!header.ok) {
        conditionDecision(ctx.hop, 3, false, header.why);
        return this.fault('ErrorInvalidExchangeImpersonationHeaderData', operation, caller);
      }
      const outcome = await authorizeImpersonation({ dir, hop: ctx.hop, cas, caller, identity: { kind: header.kind, value: header.value }, org: this.context.org });
      if (!outcome.ok) return this.fault(outcome.code, operation, caller);
      acting = outcome.user;
      ctx.hop.notes.push(`acting as ${this.principal(acting).name} for ${this.principal(caller).name}`);
    }
    const token = await actingToken(dir, acting);
    const actor = this.principal(acting);
    if (operation === 'GetUserAvailability') return this.availability(body, dir, token, actor);
    let parsed: ParsedEwsRequest;
    try {
      parsed = parseEwsRequest(body);
    } catch (e) {
      if (!(e instanceof SoapParseError)) throw e;
      this.record(operation, actor.name, 'ErrorSchemaValidation');
      return xml(ewsFault('ErrorSchemaValidation', e.message), 500);
    }
    const run = new Execution(this.context.store, dir, acting, actor, token, (u) => this.principal(u));
    const { response, code } = await run.execute(parsed);
    this.record(parsed.operation, actor.name, code);
    return xml(response);
  }

  private fault(code: ImpersonationRefusal, operation: string, caller: MailboxUserView): Response {
    this.record(operation, this.principal(caller).name, code);
    return xml(ewsFault(code, FAULT_TEXT[code]), 500);
  }

  /** Free/busy as the impersonated user may see it: her rights on each calendar decide the view. */
  private async availability(body: string, dir: ExchangeDirectory, token: string[], actor: Principal): Promise<Response> {
    let asked;
    try {
      asked = parseGetUserAvailabilityRequest(body);
    } catch (e) {
      return xml(ewsFault('ErrorSchemaValidation', (e as Error).message), 500);
    }
    const answers: FreeBusyAnswer[] = [];
    for (const { address } of asked.mailboxes) {
      const user = await dir.findUserByLogonName(address);
      if (!user || !user.homeMdbDn) {
        answers.push({ responseClass: 'Error', responseCode: 'ErrorMailRecipientNotFound', messageText: `${address} is not a mailbox of this organization.` });
        continue;
      }
      const mailbox = this.context.store.mailbox({ ...this.principal(user), address: user.primarySmtpAddress });
      const calendar = mailbox.distinguishedFolder('calendar')!;
      const rights = mailbox.rightsOf(calendar, token);
      const cap: FreeBusyViewType = rights.rights.has('ReadItems') || rights.freeBusy === 'TimeAndSubjectAndLocation' ? 'Detailed' : rights.freeBusy === 'TimeOnly' ? 'FreeBusy' : 'None';
      if (cap === 'None') {
        answers.push({ responseClass: 'Error', responseCode: 'ErrorNoFreeBusyAccess', messageText: `No permission to view the free/busy information of ${address}.` });
        continue;
      }
      const requested = asked.requestedView;
      const view: FreeBusyViewType = cap === 'FreeBusy' && (requested === 'Detailed' || requested === 'DetailedMerged') ? (requested === 'DetailedMerged' ? 'FreeBusyMerged' : 'FreeBusy') : requested;
      // Items created over EWS, and the calendar a scenario declared for the organization (the one federation and presence read).
      const events = [...calendarEvents(mailbox, calendar), ...this.context.org.calendars.calendar(user.primarySmtpAddress).events];
      answers.push({ responseClass: 'Success', responseCode: 'NoError', view: shapeView(events, view, asked.window, asked.mergedIntervalMinutes) });
    }
    this.record('GetUserAvailability', actor.name, answers.find((a) => a.responseCode !== 'NoError')?.responseCode ?? 'NoError');
    return xml(getUserAvailabilityResponse(answers));
  }
}

function calendarEvents(mailbox: Mailbox, calendar: StoredFolder): CalendarEvent[] {
  return mailbox
    .itemsIn(calendar)
    .filter((i) => i.start && i.end)
    .map((i) => ({ start: new Date(i.start!), end: new Date(i.end!), busyType: i.busyType ?? 'Busy', subject: i.subject, location: i.location }));
}

type Denied = { code: 'ErrorAccessDenied' | 'ErrorFolderNotFound' | 'ErrorItemNotFound' | 'ErrorNonExistentMailbox' | 'ErrorIrresolvableConflict'; text: string };

/** One request, run as the acting user against the mailbox store. */
class Execution {
  constructor(
    private readonly store: MailboxStore,
    private readonly dir: ExchangeDirectory,
    private readonly acting: MailboxUserView,
    private readonly actor: Principal,
    private readonly token: readonly string[],
    private readonly principalOf: (user: MailboxUserView) => Principal,
  ) {}

  private own(user: MailboxUserView): Mailbox {
    return this.store.mailbox({ ...this.principalOf(user), address: user.primarySmtpAddress });
  }

  private async folder(ref: FolderRef): Promise<{ mailbox: Mailbox; folder: StoredFolder } | Denied> {
    if (ref.kind === 'folder') {
      const found = this.store.findByFolderId(ref.id);
      return found ?? { code: 'ErrorFolderNotFound', text: 'The specified folder could not be found in the store.' };
    }
    let owner = this.acting;
    if (ref.mailbox !== undefined) {
      const other = await this.dir.findUserByLogonName(ref.mailbox);
      if (!other || !other.homeMdbDn) return { code: 'ErrorNonExistentMailbox', text: `No mailbox with such guid or SMTP address exists: ${ref.mailbox}.` };
      owner = other;
    }
    if (!owner.homeMdbDn) return { code: 'ErrorNonExistentMailbox', text: `${owner.alias} has no mailbox.` };
    const mailbox = this.own(owner);
    const folder = mailbox.distinguishedFolder(ref.id);
    return folder ? { mailbox, folder } : { code: 'ErrorFolderNotFound', text: 'The specified folder could not be found in the store.' };
  }

  async execute(request: ParsedEwsRequest): Promise<{ response: string; code: string }> {
    switch (request.operation) {
      case 'GetFolder': {
        const messages = [];
        for (const ref of request.folderIds) {
          const found = await this.folder(ref);
          if ('code' in found) messages.push({ ...error(found), folders: [] });
          else if (!found.mailbox.rightsOf(found.folder, this.token).rights.has('FolderVisible')) messages.push({ ...error(accessDenied()), folders: [] });
          else messages.push({ responseClass: 'Success' as const, responseCode: 'NoError', folders: [folderView(found.mailbox, found.folder)] });
        }
        return { response: getFolderResponse(messages), code: worst(messages) };
      }
      case 'FindItem': {
        const found = await this.folder(request.parentFolderId);
        let message;
        if ('code' in found) message = { ...error(found), items: [], totalItemsInView: 0, includesLastItemInRange: true };
        else if (!found.mailbox.rightsOf(found.folder, this.token).rights.has('ReadItems')) message = { ...error(accessDenied()), items: [], totalItemsInView: 0, includesLastItemInRange: true };
        else {
          const items = found.mailbox.itemsIn(found.folder).map(itemView);
          message = { responseClass: 'Success' as const, responseCode: 'NoError', items, totalItemsInView: items.length, includesLastItemInRange: true };
        }
        return { response: findItemResponse([message]), code: message.responseCode };
      }
      case 'CreateItem': {
        const found = await this.folder(request.savedItemFolderId ?? { kind: 'distinguished', id: 'calendar' });
        let message;
        if ('code' in found) message = { ...error(found), items: [] };
        else if (!found.mailbox.rightsOf(found.folder, this.token).rights.has('CreateItems')) message = { ...error(accessDenied()), items: [] };
        else {
          const item = found.mailbox.addItem(found.folder, { subject: request.item.subject, start: request.item.start, end: request.item.end, location: request.item.location }, this.actor);
          message = { responseClass: 'Success' as const, responseCode: 'NoError', items: [itemView(item)] };
        }
        return { response: createItemResponse([message]), code: message.responseCode };
      }
      case 'UpdateItem': {
        const found = this.store.findByItemId(request.itemId);
        let message;
        if (!found) message = { ...error({ code: 'ErrorItemNotFound', text: 'The specified object was not found in the store.' }), items: [] };
        else {
          const { mailbox, item } = found;
          const rights = mailbox.rightsOf(mailbox.folders.get(item.folderId)!, this.token).rights;
          const mine = this.token.includes(item.createdBy.sid);
          if (!(rights.has('EditAllItems') || (rights.has('EditOwnedItems') && mine))) message = { ...error(accessDenied()), items: [] };
          else if (request.conflictResolution !== 'AlwaysOverwrite' && request.changeKey !== '' && request.changeKey !== item.changeKey) {
            message = { ...error({ code: 'ErrorIrresolvableConflict', text: 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.' }), items: [] };
          } else {
            if (request.subject !== undefined) item.subject = request.subject;
            if (request.location !== undefined) item.location = request.location;
            item.changeKey = nextChangeKey(item.changeKey);
            item.lastModifiedBy = this.actor;
            message = { responseClass: 'Success' as const, responseCode: 'NoError', items: [itemView(item)] };
          }
        }
        return { response: updateItemResponse([message]), code: message.responseCode };
      }
    }
  }
}

function accessDenied(): Denied {
  return { code: 'ErrorAccessDenied', text: 'Access is denied. Check credentials and try again.' };
}

function error(d: Denied): { responseClass: 'Error'; responseCode: string; messageText: string } {
  return { responseClass: 'Error', responseCode: d.code, messageText: d.text };
}

function worst(messages: ReadonlyArray<{ responseCode: string }>): string {
  return messages.find((m) => m.responseCode !== 'NoError')?.responseCode ?? 'NoError';
}

function folderView(mailbox: Mailbox, folder: StoredFolder): EwsFolder {
  return { folderId: folder.id, displayName: folder.displayName, totalCount: mailbox.itemsIn(folder).length };
}

function itemView(item: StoredItem): EwsItem {
  const out: EwsItem = { itemId: item.id, changeKey: item.changeKey, subject: item.subject };
  if (item.start !== undefined) out.start = item.start;
  if (item.end !== undefined) out.end = item.end;
  if (item.location !== undefined) out.location = item.location;
  return out;
}

function nextChangeKey(key: string): string {
  const n = Number(/(\d+)$/.exec(key)?.[1] ?? '0') + 1;
  return key.replace(/\d*$/, String(n));
}
