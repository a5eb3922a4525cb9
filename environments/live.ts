// A live Active Directory forest, read-only: EXCHANGE_SCENARIOS_ENVIRONMENT=live. The scenarios read a
// production organization over LDAPS as its Client Access servers would, and never change it: every
// scenario adopts the organization its domain controller's RootDSE names, nothing is emptied, and any
// step that would add, modify, delete, move or import is refused before a request is sent.
//
//   EXCHANGE_SCENARIOS_LDAP_URL              ldaps://dc1.contoso.com:636; ldap:// only with StartTLS (give a
//                                            CA file) or to a loopback address (a tunnel ending on this host)
//   EXCHANGE_SCENARIOS_BIND_DN               the (read-only) service account: its DN, or user@domain
//   EXCHANGE_SCENARIOS_BIND_PASSWORD         its password, or EXCHANGE_SCENARIOS_BIND_PASSWORD_FILE: a file
//                                            holding it (one trailing line break is ignored)
//   EXCHANGE_SCENARIOS_CA_FILE               PEM file of the CA(s) that issued the domain controller's
//                                            certificate; "system" trusts Node's default CA list instead
//                                            (its Mozilla bundle, NODE_EXTRA_CA_CERTS, and the OS store
//                                            when Node runs with --use-system-ca). Certificates are always
//                                            verified, host name included: there is no "trust anything".
//   EXCHANGE_SCENARIOS_USER_PASSWORDS_FILE   optional: "alias=password" (or "upn=password") lines, for users
//                                            who sign in by typing a password; # starts a comment
//
// Users sign in with integrated Windows authentication (a domain-joined workstation, the OWA host in the
// Local Intranet zone) without any password; a user who must type hers needs a line in the passwords file,
// else the step stops with an error saying so. A wrong password is never tried: against a live forest it
// is a failed logon that counts towards locking the account out. For the same reason the directory is
// bound as a user only with a password from that file.
//
// No password (the service account's or a user's) appears in an error, a log or a report.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ReadOnlyDirectoryError, type DirectoryCredentials, type DirectoryWriteEntry, type NamingContexts } from '@exchange-scenarios/engine';
import type { ScenarioEnvironment, UserPasswords } from './environment';

const V = {
  url: 'EXCHANGE_SCENARIOS_LDAP_URL',
  bindDn: 'EXCHANGE_SCENARIOS_BIND_DN',
  password: 'EXCHANGE_SCENARIOS_BIND_PASSWORD',
  passwordFile: 'EXCHANGE_SCENARIOS_BIND_PASSWORD_FILE',
  caFile: 'EXCHANGE_SCENARIOS_CA_FILE',
  userPasswordsFile: 'EXCHANGE_SCENARIOS_USER_PASSWORDS_FILE',
} as const;

const NEEDS = [
  `  ${V.url}  ldaps://<domain controller>:636 (ldap:// needs StartTLS, i.e. a CA file, unless it is a loopback address)`,
  `  ${V.bindDn}  the service account that reads the forest: CN=…,OU=…,DC=… or user@domain`,
  `  ${V.password}  its password, or ${V.passwordFile}: a file holding it (give one of the two)`,
  `  ${V.caFile}  PEM file of the CA that issued the domain controller's certificate, or "system" for Node's default CA list`,
  `  ${V.userPasswordsFile}  optional: alias=password lines for users who type a password to sign in`,
].join('\n');

export interface LiveSettings {
  /** The URL as given (it carries no credentials: those are refused). */
  url: string;
  serviceAccount: DirectoryCredentials;
  tlsOptions?: ConnectionOptions;
  startTls: boolean;
  /** Users' passwords by lower-case alias or user principal name. */
  userPasswords: Map<string, string>;
  userPasswordsFile?: string;
}

/** Reads and checks the variables; one Error lists every problem and what is needed, never a secret. */
export function readLiveSettings(env: NodeJS.ProcessEnv = process.env): LiveSettings {
  const problems: string[] = [];
  const value = (name: string) => env[name]?.trim() || undefined;

  let url: URL | undefined;
  const rawUrl = value(V.url);
  if (!rawUrl) problems.push(`${V.url} is not set`);
  else {
    try {
      url = new URL(rawUrl);
    } catch {
      problems.push(`${V.url}=${rawUrl} is not a URL; write it as ldaps://dc1.contoso.com:636`);
    }
    if (url && (url.username || url.password)) {
      // Not echoed: it holds a credential.
      problems.push(`${V.url} carries a user name or password; give them in ${V.bindDn} and ${V.password} instead`);
      url = undefined;
    } else if (url && url.protocol !== 'ldaps:' && url.protocol !== 'ldap:') {
      problems.push(`${V.url}=${rawUrl} is not an ldap:// or ldaps:// URL`);
      url = undefined;
    } else if (url && ((url.pathname !== '' && url.pathname !== '/') || url.search)) {
      problems.push(`${V.url}=${rawUrl} names a path or query; give only the domain controller (ldaps://host:port): the forest is found through its RootDSE`);
      url = undefined;
    }
  }

  const bindDn = value(V.bindDn);
  if (!bindDn) problems.push(`${V.bindDn} is not set`);

  let password: string | undefined;
  const inline = env[V.password];
  const passwordFile = value(V.passwordFile);
  if (inline !== undefined && inline !== '' && passwordFile) problems.push(`both ${V.password} and ${V.passwordFile} are set; give one of the two`);
  else if (passwordFile) {
    try {
      password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
      if (password === '') problems.push(`${V.passwordFile}=${passwordFile} is empty`);
    } catch (e) {
      problems.push(`${V.passwordFile}=${passwordFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else if (inline !== undefined && inline !== '') password = inline;
  else problems.push(`neither ${V.password} nor ${V.passwordFile} is set`);

  let tlsOptions: ConnectionOptions | undefined;
  const caFile = value(V.caFile);
  if (caFile === 'system') tlsOptions = { minVersion: 'TLSv1.2' };
  else if (caFile) {
    try {
      const pem = readFileSync(caFile, 'utf8');
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${V.caFile}=${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
      else tlsOptions = { ca: [pem], minVersion: 'TLSv1.2' };
    } catch (e) {
      problems.push(`${V.caFile}=${caFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  let startTls = false;
  if (url && !caFile) {
    if (url.protocol === 'ldaps:') problems.push(`${V.url} is ldaps:// but ${V.caFile} is not set: give the CA that issued the domain controller's certificate, or "system" to trust Node's default CA list`);
    else if (!isLoopback(url.hostname)) problems.push(`${V.url}=${rawUrl} would send the service account's password in clear: use ldaps://, or give ${V.caFile} for StartTLS`);
  }
  if (url && caFile && url.protocol === 'ldap:') startTls = true;

  const userPasswords = new Map<string, string>();
  const userPasswordsFile = value(V.userPasswordsFile);
  if (userPasswordsFile) {
    try {
      readFileSync(userPasswordsFile, 'utf8').split(/\r?\n/).forEach((line, i) => {
        if (line.trim() === '' || line.trimStart().startsWith('#')) return;
        const at = line.indexOf('=');
        const name = at > 0 ? line.slice(0, at).trim() : '';
        // The line is not quoted back: it holds a password.
        if (!name || at === line.length - 1) problems.push(`${V.userPasswordsFile}=${userPasswordsFile}, line ${i + 1}: not "alias=password"`);
        else userPasswords.set(name.toLowerCase(), line.slice(at + 1));
      });
    } catch (e) {
      problems.push(`${V.userPasswordsFile}=${userPasswordsFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  if (problems.length > 0 || !url || !bindDn || password === undefined) {
    throw new Error(`EXCHANGE_SCENARIOS_ENVIRONMENT=live cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}\nIt needs:\n${NEEDS}`);
  }
  const serviceAccount = { dn: bindDn } as DirectoryCredentials;
  // Not enumerable: printing or serializing the environment never shows it.
  Object.defineProperty(serviceAccount, 'password', { value: password, enumerable: false });
  return { url: rawUrl!, serviceAccount, tlsOptions, startTls, userPasswords, userPasswordsFile };
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export async function startLive(env: NodeJS.ProcessEnv = process.env): Promise<ScenarioEnvironment> {
  const settings = readLiveSettings(env);
  const reason = `the live directory ${settings.url} is read-only; run topology-changing scenarios on the in-process or openldap environment`;
  const known = new Set(settings.userPasswords.values());
  const fileNamed = settings.userPasswordsFile ? `the file ${V.userPasswordsFile} names (${settings.userPasswordsFile})` : `a file named by ${V.userPasswordsFile}`;
  const userPasswords: UserPasswords = {
    passwordOf: (alias, userPrincipalName) => settings.userPasswords.get(alias.toLowerCase()) ?? settings.userPasswords.get(userPrincipalName.toLowerCase()),
    unknownPassword: (alias) =>
      `${alias} would have to type a password, and the live forest's passwords are not known here: add the line "${alias}=<password>" to ${fileNamed}, or let her sign in with integrated Windows authentication (Given ${alias} is signed in to a domain-joined workstation, and the Local Intranet zone of ${alias}'s browser includes the OWA host)`,
    wrongPasswordRefusal: (alias) =>
      `a wrong password for ${alias} would be a failed logon in the live forest ${settings.url}, counted towards locking the account out; run wrong-password scenarios on the in-process or openldap environment`,
  };
  return {
    name: 'live',
    url: settings.url,
    serviceAccount: settings.serviceAccount,
    connection: {
      readOnly: { reason },
      tlsOptions: settings.tlsOptions,
      startTls: settings.startTls,
      securityDescriptorFlags: true,
      // Only a password someone listed is ever tried: any other would be a failed logon on a real account.
      userBindPolicy: (dn, password) =>
        known.has(password)
          ? undefined
          : `signing in as ${dn} with a password nobody listed in ${fileNamed} would be a failed logon in the live forest ${settings.url}, counted towards locking the account out`,
    },
    adoptsExisting: true,
    userPasswords,
    async declareNamingContexts(contexts: NamingContexts) {
      throw new ReadOnlyDirectoryError(`declare the naming contexts ${contexts.defaultNamingContext} and ${contexts.configurationNamingContext}`, reason);
    },
    async importEntries(entries: readonly DirectoryWriteEntry[]) {
      throw new ReadOnlyDirectoryError(`import ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${entries[0] ? `, the first ${entries[0].dn}` : ''}`, reason);
    },
    async prepareScenario() {
      // Nothing to empty: a production forest is read as it is, and each scenario adopts it afresh.
    },
    async dispose() {
      // The connection is the hooks'; the forest is not ours to stop.
    },
  };
}
