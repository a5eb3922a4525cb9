// Folder permissions as Exchange combines them: roles, individual rights, the owner, groups, Default.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../src/errors';
import { Mailbox, describeRights, parseAccessRights, rightsOfRole } from '../src/impersonation/mailbox-store';

const owner = { sid: 'S-1-5-21-1-2-3-1100', name: 'CONTOSO\\alice', address: 'alice@contoso.com' };
const bob = { sid: 'S-1-5-21-1-2-3-1101', name: 'CONTOSO\\bob' };
const team = { sid: 'S-1-5-21-1-2-3-1200', name: 'CONTOSO\\Team' };

test('a role stands for its rights, and a list of rights that equals a role is named after it', () => {
  assert.equal(parseAccessRights('Editor').role, 'Editor');
  assert.equal(parseAccessRights('ReadItems, FolderVisible, FreeBusyTimeAndSubjectAndLocation').role, 'Reviewer');
  assert.equal(parseAccessRights('ReadItems, FolderVisible').role, 'Custom'); // Reviewer also shows free/busy details
  const custom = parseAccessRights('CreateItems,EditOwnedItems,FolderVisible');
  assert.equal(custom.role, 'Custom');
  assert.equal(describeRights(custom), 'CreateItems, EditOwnedItems, FolderVisible');
});

test('an unknown right, or a role mixed with rights, is refused naming what is accepted', () => {
  assert.throws(() => parseAccessRights('ReadEverything'), (e: unknown) => e instanceof InputError && /not a folder permission; accepted: Owner/.test(e.message));
  assert.throws(() => parseAccessRights('Editor, ReadItems'), /a role \(Editor\) stands alone/);
});

test('the owner has every right; others get Default until an entry names them or their group', () => {
  const mailbox = new Mailbox(owner);
  const calendar = mailbox.distinguishedFolder('calendar')!;
  assert.ok(mailbox.rightsOf(calendar, [owner.sid]).rights.has('EditAllItems'));
  assert.equal(mailbox.rightsOf(calendar, [bob.sid]).role, 'AvailabilityOnly');
  assert.equal(mailbox.rightsOf(calendar, [bob.sid]).freeBusy, 'TimeOnly');
  mailbox.setPermission(calendar, team, rightsOfRole('Reviewer'));
  assert.ok(mailbox.rightsOf(calendar, [bob.sid, team.sid]).rights.has('ReadItems'));
  assert.equal(mailbox.rightsOf(calendar, [bob.sid]).role, 'AvailabilityOnly');
});

test('an explicit entry replaces Default, even one that grants less', () => {
  const mailbox = new Mailbox(owner);
  const calendar = mailbox.distinguishedFolder('calendar')!;
  mailbox.setPermission(calendar, bob, parseAccessRights('CreateItems,EditOwnedItems,FolderVisible'));
  assert.equal(mailbox.rightsOf(calendar, [bob.sid]).freeBusy, 'None');
});

test('folders are found by path, created on demand, and ids do not reveal their neighbours', () => {
  const mailbox = new Mailbox(owner);
  const folder = mailbox.ensureFolder('Inbox\\Project X');
  assert.equal(mailbox.pathOf(folder), 'Inbox\\Project X');
  assert.equal(mailbox.folderAtPath('inbox/project x'), folder);
  const a = mailbox.addItem(folder, { subject: 'a' }, owner);
  const b = mailbox.addItem(folder, { subject: 'b' }, owner);
  assert.notEqual(a.id.slice(0, 12), b.id.slice(0, 12));
});
