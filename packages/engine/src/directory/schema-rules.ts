// The schema checks a directory server makes on every add and modify, from the one schema in ./ad-schema:
// the in-process server runs them so that it accepts nothing OpenLDAP's slapd (loaded with the same
// schema) would refuse. The texts follow slapd's own ("object class 'person' requires attribute 'cn'",
// "attribute 'foo' not allowed") so an administrator sees the same reason on either server.
//
// What is checked, as slapd does: every object class and attribute type is defined; the structural classes
// form one chain; every MUST of every class (and its superiors) is there; every attribute is allowed by
// some class; single-valued attributes have one value; values obey their syntax; the RDN's value is in
// the entry (both AD and slapd fill a missing naming attribute in from the RDN on an add, so this bites
// when a modify takes it away, or when the attribute holds other values only).

import { AD_ATTRIBUTE_TYPES, AD_OBJECT_CLASSES, LDAP_SYNTAX, type AttributeTypeDefinition, type ObjectClassDefinition } from './ad-schema';

export type SchemaViolationCode = 'undefinedAttributeType' | 'invalidAttributeSyntax' | 'constraintViolation' | 'objectClassViolation' | 'namingViolation';

export class SchemaViolation extends Error {
  constructor(
    readonly code: SchemaViolationCode,
    message: string,
  ) {
    super(message);
    this.name = 'SchemaViolation';
  }
}

/** One attribute of an entry as it would be stored: its name as written and every value. */
export interface CheckedAttribute {
  name: string;
  values: readonly string[];
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:?=]+$/;
const SYNTAX_CHECKS: Record<string, { what: string; ok: (v: string) => boolean }> = {
  [LDAP_SYNTAX.directoryString]: { what: 'a non-empty string', ok: (v) => v.length > 0 },
  [LDAP_SYNTAX.integer]: { what: 'an integer without leading zeros', ok: (v) => /^-?(0|[1-9][0-9]*)$/.test(v) },
  [LDAP_SYNTAX.boolean]: { what: 'TRUE or FALSE', ok: (v) => v === 'TRUE' || v === 'FALSE' },
  [LDAP_SYNTAX.printableString]: { what: "letters, digits, spaces and '()+,-./:?=", ok: (v) => PRINTABLE.test(v) },
  [LDAP_SYNTAX.ia5String]: { what: 'ASCII text', ok: (v) => /^[\x00-\x7f]*$/.test(v) },
  [LDAP_SYNTAX.countryString]: { what: 'a two-letter country code', ok: (v) => /^[A-Za-z0-9 '()+,\-./:?=]{2}$/.test(v) },
  [LDAP_SYNTAX.telephoneNumber]: { what: 'a telephone number in printable characters', ok: (v) => PRINTABLE.test(v) },
  [LDAP_SYNTAX.oid]: { what: 'an OID or a name', ok: (v) => /^([0-9]+(\.[0-9]+)+|[A-Za-z][A-Za-z0-9-]*)$/.test(v) },
  [LDAP_SYNTAX.generalizedTime]: { what: 'a GeneralizedTime such as 20261122103000.0Z', ok: (v) => /^[0-9]{10}([0-9]{2}([0-9]{2})?)?([.,][0-9]+)?(Z|[+-][0-9]{4})$/.test(v) },
};

export class SchemaRules {
  private readonly attributes = new Map<string, AttributeTypeDefinition>();
  private readonly classes = new Map<string, ObjectClassDefinition>();
  /** Per class (lower-cased): its MUST and MAY attributes with those of every superior, lower-cased. */
  private readonly closure = new Map<string, { must: Set<string>; may: Set<string>; chain: string[] }>();

  constructor(attributes: readonly AttributeTypeDefinition[], classes: readonly ObjectClassDefinition[]) {
    for (const a of attributes) this.attributes.set(a.name.toLowerCase(), a);
    for (const c of classes) this.classes.set(c.name.toLowerCase(), c);
    for (const c of classes) this.closure.set(c.name.toLowerCase(), this.close(c));
  }

  /** The schema every directory of this project obeys (ad-schema.ts). */
  static readonly activeDirectory = new SchemaRules(AD_ATTRIBUTE_TYPES, AD_OBJECT_CLASSES);

  private close(c: ObjectClassDefinition): { must: Set<string>; may: Set<string>; chain: string[] } {
    const must = new Set<string>();
    const may = new Set<string>();
    const chain: string[] = [];
    for (let at: ObjectClassDefinition | undefined = c; at; at = at.superior ? this.classes.get(at.superior.toLowerCase()) : undefined) {
      chain.push(at.name.toLowerCase());
      at.must.forEach((a) => must.add(a.toLowerCase()));
      at.may.forEach((a) => may.add(a.toLowerCase()));
    }
    return { must, may, chain };
  }

  /** Every attribute (lower-cased) an entry of these classes may hold: their MUSTs and MAYs with their superiors'. */
  allowedAttributes(classNames: readonly string[]): Set<string> {
    const out = new Set<string>(['objectclass']);
    for (const n of classNames) {
      const closed = this.closure.get(n.toLowerCase());
      closed?.must.forEach((a) => out.add(a));
      closed?.may.forEach((a) => out.add(a));
    }
    return out;
  }

  /** The attribute's definition, or undefined when the schema has none. */
  attribute(name: string): AttributeTypeDefinition | undefined {
    return this.attributes.get(name.toLowerCase());
  }

  /**
   * Checks a whole entry as it would be stored (after an add, or after a modify's changes). `rdn` is the
   * DN's first RDN, unescaped. Throws a SchemaViolation naming the entry, the attribute or class, and why.
   */
  checkEntry(dn: string, rdn: { type: string; value: string } | undefined, attributes: readonly CheckedAttribute[]): void {
    const fail = (code: SchemaViolationCode, text: string): never => {
      throw new SchemaViolation(code, `"${dn}": ${text}`);
    };
    const present = new Map<string, CheckedAttribute>();
    for (const a of attributes) {
      const definition = this.attributes.get(a.name.toLowerCase());
      if (!definition) fail('undefinedAttributeType', `${a.name}: attribute type undefined (the schema in ad-schema.ts does not define it)`);
      if (definition!.singleValued && a.values.length > 1) fail('constraintViolation', `attribute '${definition!.name}' cannot have multiple values`);
      const check = SYNTAX_CHECKS[definition!.syntax];
      if (check) {
        a.values.forEach((v, i) => {
          if (!check.ok(v)) fail('invalidAttributeSyntax', `${definition!.name}: value #${i} invalid per syntax (expected ${check.what})`);
        });
      }
      present.set(definition!.name.toLowerCase(), a);
    }
    const classNames = present.get('objectclass')?.values ?? [];
    if (classNames.length === 0) fail('objectClassViolation', 'no objectClass attribute');
    const must = new Set<string>();
    const may = new Set<string>(['objectclass']);
    const structural: string[][] = [];
    classNames.forEach((name, i) => {
      const c = this.classes.get(name.toLowerCase());
      const closed = this.closure.get(name.toLowerCase());
      if (!c || !closed) return fail('invalidAttributeSyntax', `objectClass: value #${i} invalid per syntax ("${name}" is not an object class of the schema in ad-schema.ts)`);
      closed.must.forEach((a) => must.add(a));
      closed.may.forEach((a) => may.add(a));
      if (c.kind === 'STRUCTURAL') structural.push(closed.chain);
    });
    if (structural.length === 0) fail('objectClassViolation', `no structural object class provided (objectClass: ${classNames.join(', ')})`);
    // One structural chain: the most specific class has every other structural class among its superiors.
    const leaf = structural.reduce((a, b) => (b.length > a.length ? b : a));
    for (const chain of structural) {
      if (!leaf.includes(chain[0])) fail('objectClassViolation', `invalid structural object class chain (${leaf[0]}/${chain[0]})`);
    }
    for (const a of must) {
      if (!present.has(a)) {
        const owner = classNames.find((n) => this.closure.get(n.toLowerCase())?.must.has(a)) ?? classNames[0];
        fail('objectClassViolation', `object class '${owner}' requires attribute '${this.attributes.get(a)?.name ?? a}'`);
      }
    }
    for (const [key, a] of present) {
      if (!must.has(key) && !may.has(key)) fail('objectClassViolation', `attribute '${a.name}' not allowed (by objectClass ${classNames.join(', ')})`);
    }
    if (rdn) {
      const naming = present.get(rdn.type.toLowerCase());
      if (!naming) fail('namingViolation', `naming attribute '${rdn.type}' is not present in entry`);
      if (!naming!.values.some((v) => v.toLowerCase() === rdn.value.toLowerCase())) {
        fail('namingViolation', `value of naming attribute '${rdn.type}' is not present in entry ("${rdn.value}")`);
      }
    }
  }
}
