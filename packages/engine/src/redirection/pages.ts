// The pages the simulated OWA servers answer with. Each page says what it is in data-* attributes so the
// simulated browser and the scenario's assertions read structure, never prose.
//
// Texts: the two Exchange 2007 errors are Exchange's own words (seed 000). Exchange's English for the
// other pages could not be found (docs/attributes.md, "Page texts"), so those are ours, written to say
// what the page does; they are marked OURS below.

export const TEXT = {
  /** Exchange 2007, exact: no CAS in the mailbox's site can take the request. */
  noCasWithNecessaryConfiguration:
    'Outlook Web Access is not available. If the problem continues, contact technical support for your organization and tell them the following: There is no Microsoft Exchange Client Access server that has the necessary configuration in the Active Directory site where the mailbox is stored.',
  /** Exchange 2007, exact: the CAS servers of the target site did not answer the proxied request. */
  casNotResponding:
    'Outlook Web Access is not currently available for the user mailbox that you are trying to access. Please try again in a few minutes. If the problem continues, contact technical support for your organization and tell them the following: The available Microsoft Exchange Client Access servers in the target Active Directory site are not responding.',
  /** OURS (Exchange's string OwaLocalizedStrings id 967320822 is unpublished). */
  manualRedirect: 'Use the following link to open this mailbox with the best performance:',
  /** OURS. */
  temporaryRedirect: 'Your mailbox is temporarily being served from another location. Use the following link to open it:',
  /** OURS, for WrongCASServerBecauseOfOutOfDateDNSCache. */
  closeAllBrowserSessions:
    'Outlook Web App could not send you to the server that holds your mailbox, because this computer still resolves its address to the server you are on. Close all browser windows and try again.',
  /** OURS. */
  exchange2003UrlMissing: 'Outlook Web App cannot open a mailbox on Exchange 2003 here: the Exchange2003URL of this virtual directory is not set.',
  /** OURS (the CAFE error page calls it NoLegacyCAS). */
  noLegacyCas: 'Outlook Web App cannot open this Exchange 2007 mailbox: no Exchange 2007 Client Access server in its Active Directory site has an OWA URL.',
  /** OURS. */
  newerMailbox: 'Outlook Web Access cannot open this mailbox: it is on a newer version of Exchange than this Client Access server.',
  /** OURS. */
  noMailbox: 'Outlook Web Access could not find a mailbox for this account.',
  /** OURS. */
  badCredentials: 'The user name or password you entered isn\'t correct. Try entering it again.',
  /** OURS. */
  legacyBackEndRefused: 'Outlook Web Access could not open the Exchange 2003 mailbox: the back-end server refused the Client Access server.',
} as const;

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function page(kind: string, attrs: Record<string, string>, body: string): string {
  const data = Object.entries(attrs)
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join('');
  return `<!DOCTYPE html><html><head><title>Outlook Web Access</title></head><body data-page="${kind}"${data}>${body}</body></html>`;
}

export function mailboxPage(opts: { server: string; mailboxServer: string; user: string; version: string }): string {
  return page('mailbox', { 'rendered-by': opts.server, 'mailbox-server': opts.mailboxServer, user: opts.user, version: opts.version },
    `<h1>${esc(opts.user)} - Inbox</h1><p>Outlook Web Access (${esc(opts.version)}) on ${esc(opts.server)}</p>`);
}

export function linkPage(kind: 'manual-redirect' | 'temporary-redirect', text: string, url: string, server: string): string {
  return page(kind, { link: url, server }, `<p>${esc(text)}</p><p><a href="${esc(url)}">${esc(url)}</a></p>`);
}

export function errorPage(text: string, server: string): string {
  return page('error', { server }, `<p>${esc(text)}</p>`);
}

export function logonPage(action: string, destination: string, server: string, reason?: string): string {
  return page('logon', { server, action, destination },
    `${reason ? `<p class="error">${esc(reason)}</p>` : ''}<form method="POST" action="${esc(action)}" data-logon-form="true">` +
      `<input type="hidden" name="destination" value="${esc(destination)}"><input type="hidden" name="flags" value="0">` +
      '<input name="username"><input type="password" name="password"><input type="submit" value="Log On"></form>');
}

/** A form the browser submits as soon as it loads (single sign-on across a redirect). */
export function autoSubmitPage(action: string, fields: Record<string, string>, server: string): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  return page('auto-submit', { server, action }, `<form method="POST" action="${esc(action)}" data-auto-submit="true">${inputs}</form>` +
    '<script>document.forms[0].submit()</script>');
}

export function htmlResponse(html: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } });
}

/** Reads a page's data-* attributes (the browser's and the assertions' view). */
export function readPage(html: string): { kind: string; attrs: Record<string, string>; text: string; forms: ParsedForm[] } {
  const body = /<body data-page="([^"]*)"([^>]*)>/.exec(html);
  const attrs: Record<string, string> = {};
  if (body) {
    for (const m of body[2].matchAll(/data-([a-z-]+)="([^"]*)"/g)) attrs[m[1]] = unesc(m[2]);
  }
  const forms: ParsedForm[] = [];
  for (const f of html.matchAll(/<form method="POST" action="([^"]*)"([^>]*)>([\s\S]*?)<\/form>/g)) {
    const fields: Record<string, string> = {};
    for (const i of f[3].matchAll(/<input (?:type="(?:hidden|password)" )?name="([^"]*)"(?: value="([^"]*)")?>/g)) fields[unesc(i[1])] = unesc(i[2] ?? '');
    forms.push({ action: unesc(f[1]), fields, autoSubmit: f[2].includes('data-auto-submit'), logon: f[2].includes('data-logon-form') });
  }
  const text = html.replace(/<script>[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return { kind: body ? body[1] : 'other', attrs, text: unesc(text), forms };
}

export interface ParsedForm {
  action: string;
  fields: Record<string, string>;
  autoSubmit: boolean;
  logon: boolean;
}

function unesc(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
