// Reads a subtree back over LDAP as entries to write out, the way ldifde -f exports a forest: every
// attribute the schema names (passwords are never returned), parents before children.

import { AD_ATTRIBUTE_TYPES } from './ad-schema';
import type { DirectoryClient, DirectoryWriteEntry } from './client';
import { parseDn } from './dn';
import { present } from './filter';

/** Every entry under `base` (itself included), in the schema's attribute spelling, parents first. */
export async function exportSubtree(client: DirectoryClient, base: string): Promise<DirectoryWriteEntry[]> {
  const found = await client.search(base, present('objectClass'), { scope: 'sub', attributes: ['*'], paged: true });
  const entries = found.map((e, order) => {
    const attributes: Record<string, string | string[]> = {};
    for (const a of AD_ATTRIBUTE_TYPES) {
      const values = e.all(a.name);
      if (values.length > 0) attributes[a.name] = values.length === 1 ? values[0] : values;
    }
    return { entry: { dn: e.dn, attributes }, depth: parseDn(e.dn).length, order };
  });
  // A search returns entries in the server's order; an export must list each parent before its children.
  entries.sort((a, b) => a.depth - b.depth || a.order - b.order);
  return entries.map((e) => e.entry);
}
