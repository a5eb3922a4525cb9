// 10,000 random and mutated command lines thrown at the shell parser: each either parses or is refused
// with an InputError (a clear message naming the line), never any other exception. Then mutated topology
// scripts run against a real (in-process) directory: each either applies whole or is refused, and a refused
// one changes nothing in the directory.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessDirectoryServer } from '../src/directory/in-process';
import { DirectoryClient } from '../src/directory/client';
import { present } from '../src/directory/filter';
import { InputError } from '../src/errors';
import { ExchangeSimulation, type DirectoryEnvironment } from '../src/simulation';
import { closeNetwork } from '../src/network/network';
import { parseShell } from '../src/shell/command-line';
import { runTopologyShell } from '../src/topology/shell';
import { releaseByName } from '../src/topology/versions';
import { prng } from '../src/util/prng';


/** Every doc string of the features that holds a cmdlet: the scripts administrators really write here. */
function corpus(): string[] {
  const root = join(__dirname, '..', '..', '..', 'features');
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(dir, f.name));
      else if (f.name.endsWith('.feature')) {
        for (const m of readFileSync(join(dir, f.name), 'utf8').matchAll(/"""\n([\s\S]*?)\n\s*"""/g)) {
          const text = m[1].split('\n').map((l) => l.trim()).join('\n');
          if (/\b[A-Z][a-z]+-[A-Z][A-Za-z]+\b/.test(text)) out.push(text);
        }
      }
    }
  };
  walk(root);
  return out;
}

const SPECIAL = ['"', "'", '`', '$', '(', ')', '{', '}', '@', ',', ';', '|', '#', '-', ':', ' ', '\n', '\\', '<#', '#>', '“', '”', '–', '$null', '$true', '-Identity', '\u0000', '\uD800', '`\n'];

function mutate(text: string, random: () => number): string {
  let t = text;
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (t.length + 1));
    const pick = SPECIAL[Math.floor(random() * SPECIAL.length)];
    switch (Math.floor(random() * 5)) {
      case 0: t = t.slice(0, at) + pick + t.slice(at); break; // insert
      case 1: t = t.slice(0, at) + t.slice(at + 1 + Math.floor(random() * 5)); break; // delete
      case 2: t = t.slice(0, at) + pick + t.slice(at + 1); break; // replace
      case 3: t = t.slice(0, at); break; // truncate
      default: t = t.slice(0, at) + t.slice(Math.floor(random() * t.length)); break; // splice
    }
  }
  return t;
}

function randomLine(random: () => number): string {
  const n = 1 + Math.floor(random() * 40);
  let s = '';
  for (let i = 0; i < n; i++) s += random() < 0.5 ? SPECIAL[Math.floor(random() * SPECIAL.length)] : String.fromCharCode(32 + Math.floor(random() * 95));
  return s;
}

test('10,000 random and mutated command lines: each parses or is refused with an InputError naming where', () => {
  const random = prng(20261122);
  const scripts = corpus();
  assert.ok(scripts.length > 20, `the features hold ${scripts.length} scripts`);
  let parsed = 0;
  let refused = 0;
  for (let i = 0; i < 10_000; i++) {
    const text = i % 10 === 0 ? randomLine(random) : mutate(scripts[Math.floor(random() * scripts.length)], random);
    try {
      parseShell(text);
      parsed++;
    } catch (e) {
      if (!(e instanceof InputError)) assert.fail(`not an InputError for ${JSON.stringify(text)}: ${(e as Error).stack}`);
      assert.match(e.message, /line \d+|column \d+|no command|empty/i, `the refusal of ${JSON.stringify(text)} says where: ${e.message}`);
      refused++;
    }
  }
  assert.ok(parsed > 1000 && refused > 1000, `both outcomes are exercised: ${parsed} parsed, ${refused} refused`);
});

const serviceAccount = { dn: 'CN=svc,CN=Service Accounts', password: 'fuzz-only-service' };
let server: InProcessDirectoryServer;
let sim: ExchangeSimulation;
let client: DirectoryClient;

before(async () => {
  server = await InProcessDirectoryServer.start({ serviceAccount });
  const environment: DirectoryEnvironment = {
    name: 'in-process',
    url: server.url,
    serviceAccount,
    declareNamingContexts: async (c) => server.setNamingContexts(c),
    importEntries: async (entries) => server.importEntries([...entries]),
  };
  sim = await ExchangeSimulation.start(environment);
  await sim.declareOrganization({ name: 'Contoso', forestDomain: 'contoso.com' });
  await sim.writer.addSites(['Seattle', 'Dallas', 'Chicago']);
  await sim.writer.addServers([
    { name: 'SEA-CAS', site: 'Seattle', release: releaseByName('Exchange 2010 SP2'), roles: ['ClientAccess', 'Mailbox'] },
    { name: 'DAL-CAS', site: 'Dallas', release: releaseByName('Exchange 2010 SP1'), roles: ['ClientAccess', 'Mailbox'] },
    { name: 'CHI-CAS', site: 'Chicago', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess', 'Mailbox'] },
  ]);
  await sim.writer.setOwaVirtualDirectories([{ server: 'SEA-CAS', externalUrl: 'https://mail.seattle.contoso.com/owa' }]);
  await sim.writer.addMailboxes([{ alias: 'alice', server: 'DAL-CAS', password: 'fuzz-only-Pa55' }]);
  client = await DirectoryClient.connect(server.url, serviceAccount);
});

after(async () => {
  await client.close();
  await sim.close();
  await server.close();
  closeNetwork();
});

/** The whole forest as text: what a refused script must leave exactly as it was. */
async function snapshot(): Promise<string> {
  const entries = await client.search('DC=contoso,DC=com', present('objectClass'), { scope: 'sub', attributes: ['*'] });
  const config = await client.search('CN=Configuration,DC=contoso,DC=com', present('objectClass'), { scope: 'sub', attributes: ['*'] });
  return JSON.stringify([...entries, ...config].map((e) => [e.dn, e.all('msExchInternalHostName'), e.all('msExchExternalHostName'), e.all('msExchOWAFailbackURL'), e.all('exscCrossSiteRedirectType'), e.all('msExchInternalAuthenticationMethods'), e.all('homeMDB')]).sort());
}

const TOPOLOGY_SCRIPTS = [
  'Set-OwaVirtualDirectory -Identity "SEA-CAS\\owa (Default Web Site)" -FailbackUrl https://failback.contoso.com/owa\nSet-OwaVirtualDirectory -Identity DAL-CAS -CrossSiteRedirectType Silent',
  'Set-OwaVirtualDirectory -Identity SEA-CAS -ExternalUrl https://new.contoso.com/owa\nSet-OwaVirtualDirectory -Identity CHI-CAS -Exchange2003Url https://legacy.contoso.com/exchange',
  'Set-OwaVirtualDirectory -Identity DAL-CAS -FormsAuthentication $true\nSet-OwaVirtualDirectory -Identity SEA-CAS -FailbackUrl https://mail.seattle.contoso.com/owa',
  'New-Mailbox -Name "Erin Hill" -Alias erin -UserPrincipalName erin@contoso.com -Database "Mailbox Database SEA-CAS"\nNew-MoveRequest -Identity erin -TargetDatabase "Mailbox Database CHI-CAS"',
  'New-MoveRequest -Identity alice -TargetDatabase "Mailbox Database SEA-CAS"\nMove-Mailbox -Identity alice -TargetDatabase "Mailbox Database DAL-CAS"',
  'Get-OwaVirtualDirectory -Server SEA-CAS | Set-OwaVirtualDirectory -WindowsAuthentication $true -BasicAuthentication:$false',
];

test('600 mutated topology scripts against a directory: each applies whole or is refused and changes nothing', async () => {
  const random = prng(7);
  let applied = 0;
  let refused = 0;
  for (let i = 0; i < 600; i++) {
    // A third as written (some are refused by Exchange's own checks in their second statement), the rest mutated.
    const script = TOPOLOGY_SCRIPTS[i % TOPOLOGY_SCRIPTS.length];
    const text = Math.floor(i / TOPOLOGY_SCRIPTS.length) % 3 === 0 ? script : mutate(script, random);
    const before = await snapshot();
    try {
      await runTopologyShell(text, sim.current, { password: 'fuzz-only-Pa55' });
      applied++;
    } catch (e) {
      if (!(e instanceof InputError)) assert.fail(`not an InputError for ${JSON.stringify(text)}: ${(e as Error).stack}`);
      assert.equal(await snapshot(), before, `the refused script changed the directory: ${JSON.stringify(text)}\n${e.message}`);
      refused++;
    }
  }
  assert.ok(refused > 100 && applied > 20, `both outcomes exercised: ${applied} applied, ${refused} refused`);
});
