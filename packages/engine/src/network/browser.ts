// A simulated web browser: a cookie jar, its own DNS cache (through the network), redirects followed one
// hop at a time so every hop is traced, forms that submit themselves submitted as a browser would, and a
// count of how often its user had to type her credentials and how many links she had to click.
//
// Windows authentication is simulated, not implemented: a Kerberos ticket is `Negotiate <base64
// "kerberos:<upn>">`, and NTLM with typed credentials is `NTLM <base64 "ntlm:<user>:<password>">`.

import { readPage } from '../redirection/pages';
import { NetworkError, type SimulatedNetwork } from './network';

export interface BrowserUser {
  /** What she types as her user name (usually her UPN). */
  logonName: string;
  password: string;
  /** Signed in to a domain-joined workstation as herself: Kerberos without typing, in the Local Intranet zone. */
  domainJoined: boolean;
}

export interface Page {
  url: string;
  status: number;
  /** mailbox, manual-redirect, temporary-redirect, error, logon, not-found, unauthorized, network-error, redirect-loop, other */
  kind: string;
  attrs: Record<string, string>;
  text: string;
}

const MAX_HOPS = 30;

export class SimulatedBrowser {
  readonly pages: Page[] = [];
  typedCredentials = 0;
  linksFollowed = 0;
  /** Host-only cookies by host, and domain cookies by ".domain" (sent to every host under it). */
  private readonly cookies = new Map<string, Map<string, string>>();
  private readonly authorization = new Map<string, string>();
  private readonly intranet: RegExp[] = [];

  constructor(
    readonly name: string,
    private readonly network: SimulatedNetwork,
    private readonly user: BrowserUser,
  ) {}

  /** Adds a host pattern (e.g. *.fourthcoffee.com) to the Local Intranet security zone. */
  addToLocalIntranetZone(pattern: string): void {
    const re = new RegExp(`^${pattern.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    this.intranet.push(re);
  }

  private inIntranetZone(host: string): boolean {
    return this.intranet.some((re) => re.test(host.toLowerCase()));
  }

  get currentPage(): Page | undefined {
    return this.pages[this.pages.length - 1];
  }

  /** Types a URL into the address bar. */
  open(url: string): Promise<Page> {
    return this.navigate(new Request(url));
  }

  /** Clicks the link on the current page (a manual or temporary redirection page). */
  async followLink(): Promise<Page> {
    const link = this.currentPage?.attrs.link;
    if (!link) throw new Error(`the current page (${this.currentPage?.kind ?? 'none'}) has no link to follow`);
    this.linksFollowed++;
    return this.navigate(new Request(link));
  }

  private async navigate(first: Request): Promise<Page> {
    let request = first;
    let answeredChallenge = '';
    let typedAtLogonForm = '';
    for (let hops = 0; hops < MAX_HOPS; hops++) {
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      const sent = this.cookiesFor(url.host);
      if (sent.length) headers.set('cookie', sent.join('; '));
      const auth = this.authorization.get(url.origin);
      if (auth && !headers.has('authorization')) headers.set('authorization', auth);
      const body = request.method === 'GET' ? undefined : await request.clone().arrayBuffer();
      let response: Response;
      try {
        response = await this.network.send(this.name, new Request(request.url, { method: request.method, headers, body }), { pinDns: true });
      } catch (err) {
        if (err instanceof NetworkError) return this.record({ url: request.url, status: 0, kind: 'network-error', attrs: { host: err.host }, text: err.message });
        throw err;
      }
      this.storeCookies(url.host, response);
      if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
        const next = new URL(response.headers.get('location')!, request.url).toString();
        request = new Request(next);
        continue;
      }
      if (response.status === 401) {
        const challenge = response.headers.get('www-authenticate') ?? '';
        if (answeredChallenge === request.url) {
          return this.record({ url: request.url, status: 401, kind: 'unauthorized', attrs: { challenge }, text: await response.text() });
        }
        answeredChallenge = request.url;
        const header = this.answerChallenge(url, challenge);
        if (!header) return this.record({ url: request.url, status: 401, kind: 'unauthorized', attrs: { challenge }, text: await response.text() });
        this.authorization.set(url.origin, header);
        request = new Request(request.url, { method: request.method, headers: { ...Object.fromEntries(request.headers), authorization: header }, body });
        continue;
      }
      const html = await response.text();
      const parsed = readPage(html);
      const kind = response.status === 404 ? 'not-found' : parsed.kind;
      const auto = parsed.forms.find((f) => f.autoSubmit);
      if (auto && response.status === 200) {
        request = formPost(new URL(auto.action, request.url).toString(), auto.fields);
        continue;
      }
      const logon = parsed.forms.find((f) => f.logon);
      if (logon && response.status === 200 && typedAtLogonForm !== request.url) {
        // A logon page that comes back after she typed means the credentials were refused: stop there.
        if (parsed.attrs.reason || html.includes('class="error"')) {
          return this.record({ url: request.url, status: response.status, kind: 'logon', attrs: parsed.attrs, text: parsed.text });
        }
        typedAtLogonForm = request.url;
        this.typedCredentials++;
        request = formPost(new URL(logon.action, request.url).toString(), { ...logon.fields, username: this.user.logonName, password: this.user.password });
        continue;
      }
      return this.record({ url: request.url, status: response.status, kind, attrs: parsed.attrs, text: parsed.text });
    }
    return this.record({ url: request.url, status: 0, kind: 'redirect-loop', attrs: {}, text: `more than ${MAX_HOPS} redirects` });
  }

  /** What the browser sends for a 401: Kerberos silently in the intranet zone, otherwise it asks her. */
  private answerChallenge(url: URL, challenge: string): string | undefined {
    const schemes = challenge.split(',').map((s) => s.trim().split(' ')[0].toLowerCase());
    const windows = schemes.includes('negotiate') || schemes.includes('ntlm');
    if (windows && this.user.domainJoined && this.inIntranetZone(url.hostname)) {
      if (schemes.includes('negotiate')) return `Negotiate ${b64(`kerberos:${this.user.logonName}`)}`;
      return `NTLM ${b64(`ntlm-sso:${this.user.logonName}`)}`;
    }
    if (schemes.includes('basic')) {
      this.typedCredentials++;
      return `Basic ${b64(`${this.user.logonName}:${this.user.password}`)}`;
    }
    if (windows) {
      this.typedCredentials++;
      return `NTLM ${b64(`ntlm:${this.user.logonName}:${this.user.password}`)}`;
    }
    return undefined;
  }

  private cookiesFor(host: string): string[] {
    const h = host.toLowerCase();
    const jars = [...this.cookies].filter(([key]) => key === h || (key.startsWith('.') && (h.endsWith(key) || h === key.slice(1))));
    return jars.flatMap(([, jar]) => [...jar].map(([k, v]) => `${k}=${v}`));
  }

  private storeCookies(host: string, response: Response): void {
    for (const c of response.headers.getSetCookie()) {
      const [pair, ...attributes] = c.split(';');
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const domain = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('domain='))?.slice(7).toLowerCase();
      // A server may set a cookie for a domain it belongs to, never for another.
      const key = domain && host.toLowerCase().endsWith(domain.replace(/^\./, '')) ? `.${domain.replace(/^\./, '')}` : host.toLowerCase();
      const jar = this.cookies.get(key) ?? new Map<string, string>();
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
      this.cookies.set(key, jar);
    }
  }

  private record(page: Page): Page {
    this.pages.push(page);
    return page;
  }
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function formPost(action: string, fields: Record<string, string>): Request {
  return new Request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}
