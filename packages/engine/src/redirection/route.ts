// A question over the model, without a browser or HTTP: what would this Client Access server decide for
// this user's OWA request? The same lookups and rules the simulated server uses on a real request.

import type { ExchangeDirectory } from '../topology/reader';
import { locateMailbox, type DecisionInput, type OwaDecision } from './decision';
import { decide2007 } from './rules-2007';
import { decide2010 } from './rules-2010';

export interface RouteQuestion {
  /** The Client Access server the request reaches. */
  server: string;
  /** The user, as she would type her user name. */
  logonName: string;
  /** The URL she used; defaults to the server's OWA ExternalURL, else its InternalURL. */
  url?: string;
  authenticatedWith?: DecisionInput['authenticatedWith'];
}

export class RouteQuestionError extends Error {}

export async function routeOwaRequest(dir: ExchangeDirectory, q: RouteQuestion): Promise<OwaDecision> {
  const self = await dir.serverByName(q.server);
  if (!self) throw new RouteQuestionError(`${q.server} is not an Exchange server in the directory`);
  const vdir = await dir.virtualDirectory(self);
  if (!vdir || vdir.kind !== 'owa') throw new RouteQuestionError(`${q.server} has no OWA virtual directory`);
  const url = q.url ?? vdir.externalUrl ?? vdir.internalUrl;
  if (!url) throw new RouteQuestionError(`${q.server}'s OWA virtual directory has no URL; give one`);
  const user = await dir.findUserByLogonName(q.logonName);
  if (!user) throw new RouteQuestionError(`no account matches ${q.logonName}`);
  const input: DecisionInput = {
    self,
    selfVdir: vdir,
    requestUrl: new URL(url),
    mailbox: await locateMailbox(dir, user),
    authenticatedWith: q.authenticatedWith ?? 'fba',
    dir,
  };
  return decideOwa(input);
}

/** The rule set is chosen by the deciding (first) Client Access server's version. */
export function decideOwa(input: DecisionInput): Promise<OwaDecision> {
  return input.self.release.family === '2007' ? decide2007(input) : decide2010(input);
}
