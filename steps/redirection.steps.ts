// Steps for OWA: a user signs in at a URL in her browser, follows links; then what Exchange did with her
// request (direct connect, proxy, silent/manual/temporary redirection, error), how often she typed her
// password and which server rendered her mailbox. Assertions read the trace and the pages' structure.

import { defineParameterType, Given, Then, When } from '@cucumber/cucumber';
import { InputError, type Decision, type Hop } from '@exchange-scenarios/engine';
import { located } from '../support/input-errors';
import type { ScenarioWorld, UserSession } from '../support/world';

/** A user's name, or she/he/they for the user the previous step named. */
function userNamed(world: ScenarioWorld, name: string): string {
  if (['she', 'he', 'they'].includes(name)) {
    if (!world.lastUser) throw new Error(`"${name}" refers to nobody yet: name the user first`);
    return world.lastUser;
  }
  return name;
}

/** A user's alias (alice, dave), or she, he or they for the user the previous step named. */
defineParameterType({
  name: 'user',
  regexp: /she|he|they|[A-Za-z][\w.-]*/,
  // It matches any word, so it must not turn every word of a snippet into a parameter.
  useForSnippets: false,
  transformer(this: ScenarioWorld, name: string) {
    return userNamed(this, name);
  },
});

function session(world: ScenarioWorld, alias: string): UserSession {
  world.lastUser = alias;
  let s = world.sessions.get(alias);
  if (!s) {
    const mailbox = world.sim.writer.planner.mailbox(alias);
    const browser = world.sim.browser(`${alias}'s browser`, {
      logonName: mailbox.userPrincipalName,
      // Asked for only when she has to type it: integrated Windows sign-in never does (see World.passwordFor).
      get password() {
        return world.passwordFor(alias, mailbox.userPrincipalName);
      },
      domainJoined: world.domainJoined.has(alias),
    });
    for (const pattern of world.intranetZones.get(alias) ?? []) browser.addToLocalIntranetZone(pattern);
    s = { alias, browser, journeyStart: 0 };
    world.sessions.set(alias, s);
  }
  return s;
}

/** Her browser signs in with Kerberos without asking, wherever its zone settings allow integrated Windows authentication. */
Given('{user} is signed in to a domain-joined workstation', function (this: ScenarioWorld, user: string) {
  this.lastUser = user;
  this.domainJoined.add(user);
});

/** A site pattern in Internet Explorer's Local Intranet zone (`*.contoso.com`), where integrated Windows authentication is used without a prompt. */
Given('the Local Intranet zone of {user}\'s browser includes {string}', function (this: ScenarioWorld, user: string, pattern: string) {
  this.lastUser = user;
  this.intranetZones.set(user, [...(this.intranetZones.get(user) ?? []), pattern]);
});

/**
 * She opens the URL; she types her credentials wherever she is asked, and her browser follows redirects
 * and submits forms that submit themselves. Manual redirection pages are not followed (see "follows the link").
 */
When('{user} signs in to OWA at {string}', async function (this: ScenarioWorld, user: string, url: string) {
  await located(this.locator, async () => {
    const s = session(this, user);
    await this.sim.refreshNetwork();
    s.journeyStart = this.sim.network.trace.hops.length;
    s.lastPage = await s.browser.open(url);
  });
});

/** She clicks the link on the manual or temporary redirection page she is on. */
When('{user} follows the link', async function (this: ScenarioWorld, user: string) {
  await located(this.locator, async () => {
    const s = session(this, user);
    await this.sim.refreshNetwork();
    s.journeyStart = this.sim.network.trace.hops.length;
    s.lastPage = await s.browser.followLink();
  });
});

// ---- what happened ----

function journey(world: ScenarioWorld, alias: string): { s: UserSession; hops: Hop[]; decisions: Array<Decision & { hop: Hop }> } {
  const s = session(world, alias);
  const hops = world.sim.network.trace.hops.slice(s.journeyStart);
  const decisions = hops.flatMap((hop) => hop.decisions.map((d) => ({ ...d, hop })));
  return { s, hops, decisions };
}

function explain(world: ScenarioWorld, alias: string): string {
  const { s, decisions } = journey(world, alias);
  const page = s.lastPage;
  const said = decisions.map((d) => `  ${d.hop.to} [${d.ruleSet} ${d.rule}]: ${d.reason}`).join('\n') || '  (no server decided anything)';
  return `${alias} ended on a ${page?.kind ?? 'no'} page (HTTP ${page?.status ?? '-'}, ${page?.url ?? ''})${page?.attrs.link ? ` linking to ${page.attrs.link}` : ''}${page?.attrs['rendered-by'] ? ` rendered by ${page.attrs['rendered-by']}` : ''}.\nDecisions:\n${said}`;
}

function assertThat(world: ScenarioWorld, alias: string, ok: boolean, expected: string): void {
  if (!ok) throw new Error(`Expected: ${expected}\nActual: ${explain(world, alias)}`);
}

function sameUrl(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const norm = (u: string) => u.replace(/\/+$/, '').toLowerCase();
  return norm(a) === norm(b);
}

/**
 * Passes when the last decision on a request her browser sent was that server's direct connect and it
 * rendered her mailbox (a proxied request does not count: the proxying server decided).
 */
Then('{user} is connected directly by {word}', function (this: ScenarioWorld, user: string, server: string) {
  const { s, decisions } = journey(this, user);
  // The last decision on a request her browser sent: a server that proxied her made it on its own
  // request instead, and an earlier silent redirection (say /exchange → /owa) may come before it.
  const last = decisions.filter((d) => d.hop.parent === undefined).pop();
  assertThat(this, user,
    last?.outcome?.kind === 'direct-connect' && last.hop.to.toLowerCase() === server.toLowerCase() && s.lastPage?.kind === 'mailbox' && s.lastPage.attrs['rendered-by']?.toLowerCase() === server.toLowerCase(),
    `${server} opens ${user}'s mailbox itself (direct connect)`);
});

/** Passes when the first Client Access server proxied her request to that server at that URL, which answered 200 and rendered her mailbox. */
Then('{user} is proxied to {word} via {string}', function (this: ScenarioWorld, user: string, server: string, url: string) {
  const { s, hops, decisions } = journey(this, user);
  const proxy = decisions.find((d) => d.outcome?.kind === 'proxy' || d.outcome?.kind === 'proxy-legacy');
  const delivered = proxy && hops.find((h) => h.parent === proxy.hop.id && h.to.toLowerCase() === server.toLowerCase() && h.url.toLowerCase().startsWith(url.replace(/\/+$/, '').toLowerCase()) && h.status === 200);
  assertThat(this, user, !!delivered && s.lastPage?.kind === 'mailbox' && s.lastPage.attrs['rendered-by']?.toLowerCase() === server.toLowerCase(),
    `the first Client Access server proxies ${user}'s request to ${server} at ${url}, which renders her mailbox`);
});

/** Passes when a silent redirection to that URL was decided; "with single sign-on" means a hidden form carried her credentials across. */
Then(/^(\S+) is silently redirected to "([^"]*)"( with single sign-on| without single sign-on)?$/, function (this: ScenarioWorld, who: string, url: string, sso?: string) {
  const user = userNamed(this, who);
  const { decisions } = journey(this, user);
  const d = decisions.find((x) => (x.outcome?.kind === 'silent-redirect' || (x.outcome?.kind === 'temporary-redirect' && x.rule.includes('silent'))) && sameUrl(x.outcome?.url, url));
  let ok = !!d;
  if (ok && sso) ok = sso.includes('without') ? d!.outcome?.sso !== 'hidden-form' : d!.outcome?.sso === 'hidden-form';
  assertThat(this, user, ok, `a silent redirection of ${user} to ${url}${sso ?? ''}`);
});

/** Passes when she ends on a manual redirection page linking to the URL. */
Then('{user} is shown a link to {string}', function (this: ScenarioWorld, user: string, url: string) {
  const { s } = journey(this, user);
  assertThat(this, user, s.lastPage?.kind === 'manual-redirect' && sameUrl(s.lastPage.attrs.link, url), `a manual redirection page with a link to ${url}`);
});

/** Passes when she ends on a temporary redirection page linking to the URL. */
Then('{user} is shown a temporary redirection to {string}', function (this: ScenarioWorld, user: string, url: string) {
  const { s } = journey(this, user);
  assertThat(this, user, s.lastPage?.kind === 'temporary-redirect' && sameUrl(s.lastPage.attrs.link, url), `a temporary redirection page with a link to ${url}`);
});

/** Passes when a temporary redirection was issued as a plain 302 (Exchange 2010 SP2 with CrossSiteRedirectType Silent). */
Then('{user} is temporarily redirected to {string} without a page', function (this: ScenarioWorld, user: string, url: string) {
  const { decisions } = journey(this, user);
  assertThat(this, user, decisions.some((d) => d.outcome?.kind === 'temporary-redirect' && sameUrl(d.outcome.url, url)), `a silent (302) temporary redirection to ${url}`);
});

/** Passes when she ends on an error page containing the text. */
Then('{user} sees the error page {string}', function (this: ScenarioWorld, user: string, text: string) {
  const { s } = journey(this, user);
  assertThat(this, user, s.lastPage?.kind === 'error' && s.lastPage.text.includes(text), `an error page saying "${text}"`);
});

/** Passes when the last page she got had that HTTP status and contains the text. */
Then('{user} gets HTTP {int} {string}', function (this: ScenarioWorld, user: string, status: number, text: string) {
  const { s } = journey(this, user);
  assertThat(this, user, s.lastPage?.status === status && s.lastPage.text.includes(text), `HTTP ${status} ${text}`);
});

/** Passes when her last page is her mailbox, rendered by that server. */
Then(/^(?:(\S+)'s|her|his|their) mailbox is rendered by (\S+)$/, function (this: ScenarioWorld, who: string | undefined, server: string) {
  const user = who ?? this.lastUser!;
  const { s } = journey(this, user);
  assertThat(this, user, s.lastPage?.kind === 'mailbox' && s.lastPage.attrs['rendered-by']?.toLowerCase() === server.toLowerCase(), `${user}'s mailbox rendered by ${server}`);
});

/** Counts every credential prompt she answered and every logon form she filled: once, twice, `3 times`, or never. */
Then(/^(\S+) (?:typed (?:her|his|their) password (once|twice|\d+ times) in all|(never) typed (?:her|his|their) password)$/, function (this: ScenarioWorld, who: string, times: string | undefined, never: string | undefined) {
  const user = userNamed(this, who);
  const s = session(this, user);
  const n = never ? 0 : times === 'once' ? 1 : times === 'twice' ? 2 : parseInt(times!, 10);
  const typed = s.browser.typedCredentials;
  assertThat(this, user, typed === n, `${user} typed her credentials ${n} time(s) in all; she typed them ${typed} time(s)`);
});

/** Counts the links she followed on redirection pages: no links, 1 link, 2 links. */
Then(/^(\S+) clicked (no|\d+) links?$/, function (this: ScenarioWorld, who: string, n: string) {
  const user = userNamed(this, who);
  const clicked = session(this, user).browser.linksFollowed;
  const wanted = n === 'no' ? 0 : Number(n);
  assertThat(this, user, clicked === wanted, `${user} clicked ${wanted} link(s); she clicked ${clicked}`);
});

/** Passes when a decision in the last user's journey was made by that rule; rule names appear in the trace (`2010sp2.cross-site-silent-fba`). */
Then('the rule that decided was {string}', function (this: ScenarioWorld, rule: string) {
  const { decisions } = journey(this, this.lastUser!);
  assertThat(this, this.lastUser!, decisions.some((d) => d.rule === rule), `a decision by rule ${rule}`);
});

// ---- the proxy protocol, as the trace shows it ----

/** An answer between two servers in the last journey, such as `DAL-CAS answered 441 to CHI-CAS`; "twice in a row" counts the retry after proxyLogon.owa. */
Then(/^(\S+) answered (\d{3})(?: \w+)? to (\S+)(?: (twice) in a row)?$/, function (this: ScenarioWorld, target: string, status: string, from: string, twice?: string) {
  const { hops } = journey(this, this.lastUser!);
  const answers = hops.filter((h) => h.to.toLowerCase() === target.toLowerCase() && h.from.toLowerCase() === from.toLowerCase()).map((h) => h.status);
  const wanted = Number(status);
  const ok = twice
    ? answers.some((s, i) => s === wanted && answers[i + 1] === wanted) || hasTwiceAcrossLogon(hops, target, from, wanted)
    : answers.includes(wanted);
  assertThat(this, this.lastUser!, ok, `${target} answering ${status} to ${from}${twice ? ' twice in a row' : ''} (answers seen: ${answers.join(', ') || 'none'})`);
});

/** Two answers of `status` to the same proxied request, with only the proxyLogon.owa POST between them. */
function hasTwiceAcrossLogon(hops: Hop[], target: string, from: string, status: number): boolean {
  const mine = hops.filter((h) => h.from.toLowerCase() === from.toLowerCase());
  for (let i = 0; i + 2 < mine.length; i++) {
    const [a, logon, b] = [mine[i], mine[i + 1], mine[i + 2]];
    if (a.status === status && b.status === status && a.url === b.url && logon.url.toLowerCase().endsWith('/proxylogon.owa') && a.to.toLowerCase() === target.toLowerCase()) return true;
  }
  return false;
}

/** Passes when the proxying server POSTed her serialized security context to proxyLogon.owa and the target answered 241. */
Then('{word} accepted the client security context of {user} from {word}', function (this: ScenarioWorld, target: string, user: string, from: string) {
  const { hops } = journey(this, user);
  const logon = hops.find((h) => h.to.toLowerCase() === target.toLowerCase() && h.from.toLowerCase() === from.toLowerCase() && h.url.toLowerCase().endsWith('/proxylogon.owa'));
  assertThat(this, user, logon?.status === 241, `${from} POSTing ${user}'s serialized security context to ${target}'s proxyLogon.owa, answered 241`);
});

/** She types a wrong password wherever she is asked (refused at this step on a live directory, whose accounts could be locked out). */
Given('{user} uses a wrong password', async function (this: ScenarioWorld, user: string) {
  await located(this.locator, () => {
    // Said here, at the step that asks for it, rather than when she first types.
    const refusal = this.environment.userPasswords?.wrongPasswordRefusal(user);
    if (refusal) throw new InputError(refusal, { value: user });
    this.lastUser = user;
    this.wrongPassword.add(user);
  });
});

/** Passes when she ends on the logon form again, showing the text. */
Then('{user} is back at the logon page with {string}', function (this: ScenarioWorld, user: string, text: string) {
  const { s } = journey(this, user);
  assertThat(this, user, s.lastPage?.kind === 'logon' && s.lastPage.text.includes(text), `the logon page again, saying "${text}"`);
});

/** Passes when her password is written nowhere in the trace or the report (and she did type it, or this would prove nothing). */
Then(/^(?:(\S+)'s|her|his|their) password appears nowhere in the trace$/, function (this: ScenarioWorld, who: string | undefined) {
  const user = who ?? this.lastUser!;
  const s = session(this, user);
  const drawn = this.sim.network.trace.render();
  const password = this.passwordFor(user, this.sim.writer.planner.mailbox(user).userPrincipalName);
  // The hidden form carried it across the redirection; the trace and the report must not.
  if (drawn.includes(password) || JSON.stringify(this.sim.network.trace.hops).includes(password)) {
    throw new Error(`${user}'s password is written in the trace`);
  }
  assertThat(this, user, s.browser.typedCredentials > 0, `${user} having typed her password at least once (otherwise this proves nothing)`);
});
