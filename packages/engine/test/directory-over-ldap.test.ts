import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessDirectoryServer } from '../src/directory/in-process';
import { DirectoryClient } from '../src/directory/client';
import { VirtualClock } from '../src/clock/clock';
import { ExchangeDirectory, TopologyCache } from '../src/topology/reader';
import { TopologyWriter } from '../src/topology/writer';
import { releaseByName } from '../src/topology/versions';
import * as filter from '../src/directory/filter';

const serviceAccount = { dn: 'CN=svc,CN=Service Accounts', password: 'test-only' };
let server: InProcessDirectoryServer;
let client: DirectoryClient;
let dir: ExchangeDirectory;
let writer: TopologyWriter;

before(async () => {
  server = await InProcessDirectoryServer.start({ serviceAccount });
  client = await DirectoryClient.connect(server.url, serviceAccount);
  const cache = new TopologyCache(new VirtualClock());
  dir = new ExchangeDirectory(client, cache);
  writer = new TopologyWriter({ directory: client, declareNamingContexts: async (c) => server.setNamingContexts(c) });
  writer.onChange(() => cache.invalidate());
  await writer.createOrganization({ name: 'Fourth Coffee', forestDomain: 'fourthcoffee.com' });
  await writer.addSites(['Dallas']);
  await writer.addServers([{ name: 'DAL-MBX', site: 'Dallas', release: releaseByName('Exchange 2010 SP2'), roles: ['Mailbox'] }]);
  await writer.addMailboxes([
    { alias: 'dave', server: 'DAL-MBX', password: 'pw-dave' },
    { alias: 'zoe', server: 'DAL-MBX', password: 'pw-zoe', userPrincipalName: 'zoë*(x)@fourthcoffee.com' },
  ]);
});

after(async () => {
  await client.close();
  await server.close();
});

test('a logon name cannot widen the filter it is put into', async () => {
  assert.equal(await dir.findUserByLogonName('*'), undefined);
  assert.equal(await dir.findUserByLogonName('dave@fourthcoffee.com)(objectClass=*'), undefined);
  assert.equal(await dir.findUserByLogonName('*)(|(sAMAccountName=*'), undefined);
  assert.equal((await dir.findUserByLogonName('dave@fourthcoffee.com'))?.alias, 'dave');
});

test('special and non-ASCII characters in a value are matched exactly, over the wire', async () => {
  assert.equal((await dir.findUserByLogonName('zoë*(x)@fourthcoffee.com'))?.alias, 'zoe');
  assert.equal((await dir.findUserByLogonName('ZOË*(X)@FOURTHCOFFEE.COM'))?.alias, 'zoe', 'AD compares strings case-insensitively');
});

test('a password is checked by binding as the user', async () => {
  const dave = (await dir.findUserByLogonName('FOURTHCOFFEE\\dave'))!;
  assert.equal(await dir.verifyPassword(dave.dn, 'pw-dave'), true);
  assert.equal(await dir.verifyPassword(dave.dn, 'pw-zoe'), false);
});

test('a mailbox is found through homeMDB, its database and the server it is mounted on', async () => {
  const dave = (await dir.findUserByLogonName('dave'))!;
  const db = (await dir.database(dave.homeMdbDn!))!;
  assert.equal(db.server.name, 'DAL-MBX');
  assert.equal(db.server.site.name, 'Dallas');
  assert.equal(db.server.release.name, 'Exchange 2010 SP2');
});

test('the topology cache serves configuration until it is invalidated or outlives its lifetime', async () => {
  const clock = new VirtualClock();
  const cache = new TopologyCache(clock, 60_000);
  const view = new ExchangeDirectory(client, cache);
  await view.serverByName('DAL-MBX');
  const misses = cache.misses;
  await view.serverByName('DAL-MBX');
  assert.equal(cache.misses, misses, 'a second read is served from the cache');
  assert.ok(cache.hits >= 1);
  clock.advance(59_000);
  await view.serverByName('DAL-MBX');
  assert.equal(cache.misses, misses, 'still within its lifetime');
  clock.advance(1_000);
  await view.serverByName('DAL-MBX');
  assert.equal(cache.misses, misses + 1, 'read again once its lifetime is over');
  cache.invalidate();
  await view.serverByName('DAL-MBX');
  assert.equal(cache.misses, misses + 2, 'read again after an invalidation');
});

test('when the directory refuses part of a change, what was written of it is undone', async () => {
  // Someone already created an object where DAL-CAS's computer account goes.
  await client.add({ dn: 'CN=DAL-CAS,CN=Computers,DC=fourthcoffee,DC=com', attributes: { objectClass: ['top', 'container'], cn: 'DAL-CAS' } });
  await assert.rejects(
    writer.addServers([{ name: 'DAL-CAS', site: 'Dallas', release: releaseByName('Exchange 2010 SP2'), roles: ['ClientAccess'] }]),
    (err: { code?: number }) => err.code === 68, // entryAlreadyExists
  );
  assert.equal(await dir.serverByName('DAL-CAS'), undefined, 'the server object was removed again');
  const vdirs = await client.search('CN=Configuration,DC=fourthcoffee,DC=com', filter.eq('cn', 'owa (Default Web Site)'));
  assert.deepEqual(vdirs.map((e) => e.dn), [], 'and so was its virtual directory');
  assert.throws(() => writer.planner.server('DAL-CAS'), /not a server of this topology/, 'the writer does not count it as declared');
});
