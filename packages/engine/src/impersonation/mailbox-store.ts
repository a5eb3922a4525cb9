// What is inside the mailboxes EWS opens for an application: folders (the distinguished ones and those a
// user creates), their items, and each folder's permissions, the way Set-MailboxFolderPermission /
// Add-MailboxFolderPermission set them. Mailbox content is not topology, so it is not in the directory;
// an organization keeps its own store, addressed by the owner's SID.
//
// Access is decided for the account EWS acts as: under impersonation that is the impersonated user, never
// the application's service account, which is why the seed's "this access control is respected" holds.

import { randomBytes } from 'node:crypto';
import { InputError, acceptedList } from '../errors';
import type { BusyType } from '../federation/free-busy';
import type { DistinguishedFolderName } from './ews-soap';

/** Folder permission levels (roles) of Exchange 2007/2010; AvailabilityOnly and LimitedDetails are calendar-only (2010). */
export const FOLDER_ROLES = [
  'Owner', 'PublishingEditor', 'Editor', 'PublishingAuthor', 'Author', 'NonEditingAuthor', 'Reviewer', 'Contributor',
  'AvailabilityOnly', 'LimitedDetails', 'None',
] as const;
export type FolderRole = (typeof FOLDER_ROLES)[number];

/** The individual rights a role is made of (Add-MailboxFolderPermission -AccessRights accepts these too). */
export const FOLDER_RIGHTS = [
  'ReadItems', 'CreateItems', 'EditOwnedItems', 'EditAllItems', 'DeleteOwnedItems', 'DeleteAllItems',
  'CreateSubfolders', 'FolderOwner', 'FolderContact', 'FolderVisible',
] as const;
export type FolderRight = (typeof FOLDER_RIGHTS)[number];

export type FreeBusyRight = 'None' | 'TimeOnly' | 'TimeAndSubjectAndLocation';

export interface FolderRights {
  rights: ReadonlySet<FolderRight>;
  /** Calendar folders only: what of the user's free/busy the entry shows without ReadItems. */
  freeBusy: FreeBusyRight;
  /** The role the rights match, or "Custom". */
  role: FolderRole | 'Custom';
}

const ROLE_RIGHTS: Record<FolderRole, readonly FolderRight[]> = {
  Owner: FOLDER_RIGHTS,
  PublishingEditor: ['ReadItems', 'CreateItems', 'EditOwnedItems', 'EditAllItems', 'DeleteOwnedItems', 'DeleteAllItems', 'CreateSubfolders', 'FolderVisible'],
  Editor: ['ReadItems', 'CreateItems', 'EditOwnedItems', 'EditAllItems', 'DeleteOwnedItems', 'DeleteAllItems', 'FolderVisible'],
  PublishingAuthor: ['ReadItems', 'CreateItems', 'EditOwnedItems', 'DeleteOwnedItems', 'CreateSubfolders', 'FolderVisible'],
  Author: ['ReadItems', 'CreateItems', 'EditOwnedItems', 'DeleteOwnedItems', 'FolderVisible'],
  NonEditingAuthor: ['ReadItems', 'CreateItems', 'DeleteOwnedItems', 'FolderVisible'],
  Reviewer: ['ReadItems', 'FolderVisible'],
  Contributor: ['CreateItems', 'FolderVisible'],
  AvailabilityOnly: [],
  LimitedDetails: [],
  None: ['FolderVisible'],
};

function roleFreeBusy(role: FolderRole): FreeBusyRight {
  if (role === 'None') return 'None';
  if (role === 'AvailabilityOnly' || role === 'Contributor') return 'TimeOnly';
  return 'TimeAndSubjectAndLocation';
}

export function rightsOfRole(role: FolderRole): FolderRights {
  // "None" still shows the folder in the hierarchy (FolderVisible) in Exchange 2007's role table; EWS
  // reading its items is what it refuses.
  return { rights: new Set(ROLE_RIGHTS[role]), freeBusy: roleFreeBusy(role), role };
}

/**
 * -AccessRights as an administrator writes it: one role, or individual rights ("CreateItems,
 * EditOwnedItems, FolderVisible"), optionally with FreeBusyTimeOnly / FreeBusyTimeAndSubjectAndLocation.
 */
export function parseAccessRights(text: string): FolderRights {
  const parts = text.split(/\s*,\s*/).map((p) => p.trim()).filter((p) => p);
  const accepted = [...FOLDER_ROLES, ...FOLDER_RIGHTS, 'FreeBusyTimeOnly', 'FreeBusyTimeAndSubjectAndLocation'];
  if (parts.length === 0) throw new InputError(`no access rights given; accepted: ${acceptedList(accepted)}`, { field: 'AccessRights', accepted });
  const role = FOLDER_ROLES.find((r) => r.toLowerCase() === parts[0].toLowerCase());
  if (role) {
    if (parts.length > 1) throw new InputError(`"${text}": a role (${role}) stands alone; combine individual rights instead`, { field: 'AccessRights', value: text, accepted });
    return rightsOfRole(role);
  }
  const rights = new Set<FolderRight>();
  let freeBusy: FreeBusyRight = 'None';
  for (const part of parts) {
    const right = FOLDER_RIGHTS.find((r) => r.toLowerCase() === part.toLowerCase());
    if (right) rights.add(right);
    else if (part.toLowerCase() === 'freebusytimeonly') freeBusy = freeBusy === 'None' ? 'TimeOnly' : freeBusy;
    else if (part.toLowerCase() === 'freebusytimeandsubjectandlocation') freeBusy = 'TimeAndSubjectAndLocation';
    else throw new InputError(`"${part}" is not a folder permission; accepted: ${acceptedList(accepted)}`, { field: 'AccessRights', value: part, accepted });
  }
  const matching = FOLDER_ROLES.find((r) => ROLE_RIGHTS[r].length === rights.size && ROLE_RIGHTS[r].every((x) => rights.has(x)) && roleFreeBusy(r) === freeBusy);
  return { rights, freeBusy, role: matching ?? 'Custom' };
}

export function describeRights(r: FolderRights): string {
  if (r.role !== 'Custom') return r.role;
  const fb = r.freeBusy === 'None' ? [] : [r.freeBusy === 'TimeOnly' ? 'FreeBusyTimeOnly' : 'FreeBusyTimeAndSubjectAndLocation'];
  return [...FOLDER_RIGHTS.filter((x) => r.rights.has(x)), ...fb].join(', ') || 'None';
}

export interface Principal {
  sid: string;
  /** As Exchange shows it, e.g. CONTOSO\alice. */
  name: string;
}

export interface StoredItem {
  id: string;
  changeKey: string;
  folderId: string;
  subject: string;
  start?: string;
  end?: string;
  location?: string;
  /** Calendar items: how the time shows in free/busy (Busy unless said otherwise). */
  busyType?: BusyType;
  createdBy: Principal;
  lastModifiedBy: Principal;
}

export interface StoredFolder {
  id: string;
  displayName: string;
  distinguished?: DistinguishedFolderName;
  parentId?: string;
  /** Entries by trustee SID, plus Default (everyone else) and Anonymous. */
  permissions: Map<string, { trustee: string; rights: FolderRights }>;
}

const DEFAULT = 'Default';
const ANONYMOUS = 'Anonymous';

/** The distinguished folders every mailbox has, under the root of its IPM subtree. */
const DISTINGUISHED: ReadonlyArray<[DistinguishedFolderName, string]> = [
  ['inbox', 'Inbox'], ['calendar', 'Calendar'], ['contacts', 'Contacts'], ['deleteditems', 'Deleted Items'],
  ['drafts', 'Drafts'], ['outbox', 'Outbox'], ['sentitems', 'Sent Items'], ['tasks', 'Tasks'], ['notes', 'Notes'],
  ['journal', 'Journal'], ['junkemail', 'Junk E-mail'],
];

function newId(kind: 'folder' | 'item'): string {
  // EWS ids are opaque base64; these carry no meaning a client could forge a neighbour's id from.
  return (kind === 'folder' ? 'AQMk' : 'AAMk') + randomBytes(24).toString('base64');
}

export class Mailbox {
  readonly folders = new Map<string, StoredFolder>();
  readonly items = new Map<string, StoredItem>();
  readonly root: StoredFolder;

  constructor(readonly owner: Principal & { address: string }) {
    this.root = this.addFolder('Top of Information Store', undefined, 'msgfolderroot');
    for (const [id, name] of DISTINGUISHED) {
      const folder = this.addFolder(name, this.root.id, id);
      // A new calendar lets everyone see free/busy times (Default: AvailabilityOnly / FreeBusyTimeOnly).
      const rights = id === 'calendar' ? rightsOfRole('AvailabilityOnly') : { rights: new Set<FolderRight>(), freeBusy: 'None' as const, role: 'None' as const };
      folder.permissions.set(DEFAULT, { trustee: DEFAULT, rights });
    }
  }

  private addFolder(displayName: string, parentId: string | undefined, distinguished?: DistinguishedFolderName): StoredFolder {
    const folder: StoredFolder = { id: newId('folder'), displayName, parentId, distinguished, permissions: new Map() };
    if (!distinguished) folder.permissions.set(DEFAULT, { trustee: DEFAULT, rights: { rights: new Set(), freeBusy: 'None', role: 'None' } });
    folder.permissions.set(ANONYMOUS, { trustee: ANONYMOUS, rights: { rights: new Set(), freeBusy: 'None', role: 'None' } });
    this.folders.set(folder.id, folder);
    return folder;
  }

  distinguishedFolder(name: DistinguishedFolderName): StoredFolder | undefined {
    return [...this.folders.values()].find((f) => f.distinguished === name);
  }

  children(folder: StoredFolder): StoredFolder[] {
    return [...this.folders.values()].filter((f) => f.parentId === folder.id);
  }

  /** "Inbox\Project X" (or with '/'); the first part may be a distinguished folder's display name. */
  folderAtPath(path: string): StoredFolder | undefined {
    let folder: StoredFolder | undefined = this.root;
    for (const part of path.replace(/^[\\/]+/, '').split(/[\\/]/).filter((p) => p)) {
      folder = this.children(folder!).find((f) => f.displayName.toLowerCase() === part.toLowerCase());
      if (!folder) return undefined;
    }
    return folder;
  }

  pathOf(folder: StoredFolder): string {
    const parts: string[] = [];
    for (let f: StoredFolder | undefined = folder; f && f !== this.root; f = f.parentId ? this.folders.get(f.parentId) : undefined) parts.unshift(f.displayName);
    return parts.join('\\');
  }

  /** Creates the folders of a path that do not exist (New-MailboxFolder, or the owner in Outlook). */
  ensureFolder(path: string): StoredFolder {
    let folder = this.root;
    for (const part of path.replace(/^[\\/]+/, '').split(/[\\/]/).filter((p) => p)) {
      folder = this.children(folder).find((f) => f.displayName.toLowerCase() === part.toLowerCase()) ?? this.addFolder(part, folder.id);
    }
    if (folder === this.root) throw new InputError(`"${path}" names no folder`, { field: 'Folder', value: path });
    return folder;
  }

  addItem(folder: StoredFolder, fields: Pick<StoredItem, 'subject' | 'start' | 'end' | 'location' | 'busyType'>, by: Principal): StoredItem {
    const item: StoredItem = { id: newId('item'), changeKey: 'CQAAAA1', folderId: folder.id, ...fields, createdBy: by, lastModifiedBy: by };
    this.items.set(item.id, item);
    return item;
  }

  itemsIn(folder: StoredFolder): StoredItem[] {
    return [...this.items.values()].filter((i) => i.folderId === folder.id);
  }

  /** Sets a trustee's entry (Add-/Set-MailboxFolderPermission); trustee SID, or Default / Anonymous. */
  setPermission(folder: StoredFolder, trustee: Principal | 'Default' | 'Anonymous', rights: FolderRights): void {
    if (typeof trustee === 'string') folder.permissions.set(trustee, { trustee, rights });
    else folder.permissions.set(trustee.sid, { trustee: trustee.name, rights });
  }

  /**
   * The rights an account has on a folder: the owner has them all; otherwise the entries for the SIDs in
   * its token (its own and its groups') combine, and only when none applies does Default.
   */
  rightsOf(folder: StoredFolder, token: readonly string[]): FolderRights {
    if (token.includes(this.owner.sid)) return rightsOfRole('Owner');
    const entries = token.map((sid) => folder.permissions.get(sid)).filter((e): e is { trustee: string; rights: FolderRights } => !!e);
    if (entries.length === 0) return folder.permissions.get(DEFAULT)!.rights;
    const rights = new Set<FolderRight>(entries.flatMap((e) => [...e.rights.rights]));
    const order: FreeBusyRight[] = ['None', 'TimeOnly', 'TimeAndSubjectAndLocation'];
    const freeBusy = order[Math.max(...entries.map((e) => order.indexOf(e.rights.freeBusy)))];
    return { rights, freeBusy, role: entries.length === 1 ? entries[0].rights.role : 'Custom' };
  }

  /** Who holds what on a folder, as Get-MailboxFolderPermission lists it. */
  permissionsOf(folder: StoredFolder): Array<{ user: string; accessRights: string }> {
    return [...folder.permissions.values()].map((e) => ({ user: e.trustee, accessRights: describeRights(e.rights) }));
  }
}

/** An organization's mailboxes' content, created on first use for a mailbox the directory holds. */
export class MailboxStore {
  private readonly mailboxes = new Map<string, Mailbox>();

  mailbox(owner: Principal & { address: string }): Mailbox {
    let mailbox = this.mailboxes.get(owner.sid);
    if (!mailbox) {
      mailbox = new Mailbox(owner);
      this.mailboxes.set(owner.sid, mailbox);
    }
    return mailbox;
  }

  /** The mailbox holding a folder or item id, whoever asks (the id is all EWS is given). */
  findByFolderId(id: string): { mailbox: Mailbox; folder: StoredFolder } | undefined {
    for (const mailbox of this.mailboxes.values()) {
      const folder = mailbox.folders.get(id);
      if (folder) return { mailbox, folder };
    }
    return undefined;
  }

  findByItemId(id: string): { mailbox: Mailbox; item: StoredItem } | undefined {
    for (const mailbox of this.mailboxes.values()) {
      const item = mailbox.items.get(id);
      if (item) return { mailbox, item };
    }
    return undefined;
  }
}
