import { test } from 'node:test';
import assert from 'node:assert/strict';
import { releaseByName, releaseFromSerialNumber, serialNumberOf, versionNumberOf } from '../src/topology/versions';
import { checkExtendedRight, denyExtendedRight, formatSddl, grantExtendedRight, parseSddl } from '../src/directory/security';
import { EXTENDED_RIGHTS } from '../src/directory/schema';
import { TopologyPlanner } from '../src/topology/writer';
import { InputError } from '../src/errors';

test('serialNumber is written as Exchange writes it, +30000 on the build from version 8', () => {
  assert.equal(serialNumberOf(releaseByName('Exchange 2010 SP2')), 'Version 14.2 (Build 30247.5)');
  assert.equal(serialNumberOf(releaseByName('Exchange 2010 SP1')), 'Version 14.1 (Build 30218.15)');
  assert.equal(serialNumberOf(releaseByName('Exchange 2003')), 'Version 6.5 (Build 7638.2)');
  assert.equal(versionNumberOf(releaseByName('Exchange 2010 SP1')), 1937866970);
  assert.equal(versionNumberOf(releaseByName('Exchange 2010 RTM')), 1937801855);
});

test('serialNumber is read back into the release, an update rollup keeping its service pack', () => {
  assert.equal(releaseFromSerialNumber('Version 14.1 (Build 30218.15)').name, 'Exchange 2010 SP1');
  assert.equal(releaseFromSerialNumber('Version 14.2 (Build 30283.3)').name, 'Exchange 2010 SP2');
  assert.equal(releaseFromSerialNumber('Version 8.1 (Build 30240.6)').family, '2007');
  assert.throws(() => releaseFromSerialNumber('Version 15.0 (Build 30516.32)'), /outside Exchange 2003 to 2010 SP2/);
});

test('a bare "Exchange 2010" is refused: its service packs redirect differently', () => {
  assert.throws(() => releaseByName('Exchange 2010'), /say which/);
  assert.throws(() => releaseByName('Exchange 5.5'), /accepted: Exchange 2003/);
});

test('extended rights: explicit deny wins, groups count, absence is denial', () => {
  const group = 'S-1-5-21-1-2-3-1001';
  const server = 'S-1-5-21-1-2-3-1105';
  const sd = parseSddl(formatSddl({ aces: [grantExtendedRight(EXTENDED_RIGHTS.tokenSerialization, group)] }));
  assert.equal(checkExtendedRight(sd, EXTENDED_RIGHTS.tokenSerialization, [server, group]).granted, true);
  assert.equal(checkExtendedRight(sd, EXTENDED_RIGHTS.tokenSerialization, [server]).granted, false);
  assert.equal(checkExtendedRight(sd, EXTENDED_RIGHTS.impersonation, [server, group]).granted, false);
  sd.aces.push(denyExtendedRight(EXTENDED_RIGHTS.tokenSerialization, server));
  assert.equal(checkExtendedRight(sd, EXTENDED_RIGHTS.tokenSerialization, [server, group]).granted, false);
});

function organization(): TopologyPlanner {
  const p = new TopologyPlanner();
  p.planOrganization({ name: 'Fourth Coffee', forestDomain: 'fourthcoffee.com' }).commit();
  p.planSites(['Chicago', 'Dallas']).commit();
  return p;
}

test('a plan that fails on its second row declares nothing', () => {
  const p = organization();
  const release = releaseByName('Exchange 2007 SP1');
  assert.throws(
    () => p.planServers([
      { name: 'CHI-CAS', site: 'Chicago', release, roles: ['ClientAccess'] },
      { name: 'DAL-CAS', site: 'Dalas', release, roles: ['ClientAccess'] },
    ]),
    (e: unknown) => e instanceof InputError && e.problem.index === 1 && e.problem.field === 'Site' && /accepted: Chicago, Dallas/.test(e.message),
  );
  assert.deepEqual(p.serverNames(), []);
});

test('a Client Access server gets an OWA virtual directory with InternalURL and no ExternalURL', () => {
  const p = organization();
  const plan = p.planServers([{ name: 'DAL-CAS', site: 'Dallas', release: releaseByName('Exchange 2010 SP2'), roles: ['ClientAccess', 'Mailbox'] }]);
  const vdir = plan.adds.find((e) => e.dn.startsWith('CN=owa (Default Web Site)'))!;
  assert.equal(vdir.attributes.msExchInternalHostName, 'https://dal-cas.fourthcoffee.com/owa');
  assert.equal(vdir.attributes.msExchExternalHostName, undefined);
  assert.equal(vdir.attributes.msExchInternalAuthenticationMethods, '5'); // Basic | Fba
  const db = plan.adds.find((e) => e.dn.startsWith('CN=Mailbox Database DAL-CAS'))!;
  // RpcClientAccessServer is encoded in the database's legacyExchangeDN
  assert.match(String(db.attributes.legacyExchangeDN), /cn=DAL-CAS\/cn=Microsoft Private MDB$/);
});

test('Set-OwaVirtualDirectory parameters are checked against the server version', () => {
  const p = organization();
  p.planServers([{ name: 'CAS07', site: 'Chicago', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess'] }]).commit();
  assert.throws(() => p.planOwaVirtualDirectories([{ server: 'CAS07', crossSiteRedirectType: 'Silent' }]), /exists on Exchange 2010 SP2/);
  assert.throws(() => p.planOwaVirtualDirectories([{ server: 'CAS07', externalUrl: 'owa.example.com' }]), /not an absolute URL/);
});
