import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InputError } from '../src/errors';
import { assertInputError } from './assert-input-error';
import { OPATH_PROPERTIES, describeOpath, opathToLdap } from '../src/impersonation/opath';

/** The LDAP filter text an OPATH filter converts to. */
function ldap(text: string, resolveDn?: (property: string, value: string) => string | undefined): string {
  return opathToLdap(text, resolveDn ? { resolveDn } : {}).text;
}

/** An InputError about the filter (RecipientRestrictionFilter) whose message matches every pattern. */
function inputError(fn: () => unknown, ...patterns: RegExp[]): InputError {
  const caught = assertInputError(fn, ...patterns);
  assert.equal(caught.problem.field, 'RecipientRestrictionFilter');
  return caught;
}

test('the forms administrators paste: script block, quoted string, bare', () => {
  assert.equal(ldap("{Department -eq 'Speakers'}"), '(department=Speakers)');
  assert.equal(ldap('"Department -eq \'Speakers\'"'), '(department=Speakers)');
  assert.equal(ldap('  { Department -eq Speakers }  '), '(department=Speakers)');
  assert.equal(
    ldap("\"CustomAttribute1 -eq 'Portal' -and Department -ne 'Legal'\""),
    '(&(extensionAttribute1=Portal)(!(department=Legal)))',
  );
});

test('-eq and -ne, operators and property names case-insensitive', () => {
  assert.equal(ldap("department -EQ 'Sales'"), '(department=Sales)');
  assert.equal(ldap("Office -Ne 'Dallas'"), '(!(physicalDeliveryOfficeName=Dallas))');
  assert.equal(ldap("city \u2013eq Austin"), '(l=Austin)');
});

test('-like: prefix, suffix, infix, * alone and no wildcard', () => {
  assert.equal(ldap("Title -like 'Dir*'"), '(title=Dir*)');
  assert.equal(ldap("Title -like '*Sales'"), '(title=*Sales)');
  assert.equal(ldap("Title -like '*a*b*'"), '(title=*a*b*)');
  assert.equal(ldap("Title -like 'a*b**c'"), '(title=a*b*c)');
  assert.equal(ldap("Title -like '*'"), '(title=*)');
  assert.equal(ldap("Title -like 'CEO'"), '(title=CEO)');
  assert.equal(ldap("Title -notlike 'Dir*'"), '(!(title=Dir*))');
  assert.equal(ldap("Title -like 'R(D)*'"), '(title=R\\28D\\29*)');
});

test('precedence: -not over -and over -or; ! is -not', () => {
  assert.equal(ldap("City -eq a -or City -eq b -and Title -eq c"), '(|(l=a)(&(l=b)(title=c)))');
  assert.equal(ldap("-not City -eq a -and Title -eq c"), '(&(!(l=a))(title=c))');
  assert.equal(ldap("!(City -eq a) -or Title -eq c"), '(|(!(l=a))(title=c))');
  assert.equal(ldap("City -eq a -and Title -eq b -and Company -eq c"), '(&(l=a)(title=b)(company=c))');
});

test('parentheses override precedence, and nest', () => {
  assert.equal(ldap("(City -eq a -or City -eq b) -and Title -eq c"), '(&(|(l=a)(l=b))(title=c))');
  assert.equal(ldap("-not((City -eq a) -or (-not(Title -eq b)))"), '(!(|(l=a)(!(title=b))))');
});

test('quoted values: doubled quotes, backtick, typographic quotes, parentheses escaped', () => {
  assert.equal(ldap("Name -eq 'O''Brien'"), "(name=O'Brien)");
  assert.equal(ldap('Name -eq "say ""hi"" `"now`""'), '(name=say "hi" "now")');
  assert.equal(ldap('Department -eq \u2018Sales (EU)\u2019'), '(department=Sales \\28EU\\29)');
  assert.equal(ldap('Department -eq \u201CSales\u201D'), '(department=Sales)');
  // Inside a double-quoted filter, PowerShell's "" is a quote before Exchange reads the value.
  assert.equal(ldap('"Department -eq ""R&D (x)"""'), '(department=R&D \\28x\\29)');
  // In -eq a * is text, escaped; an injection attempt stays one value.
  assert.equal(ldap("Name -eq 'a*)(objectClass=*'"), '(name=a\\2a\\29\\28objectClass=\\2a)');
});

test('$null: -eq is absence, -ne is presence', () => {
  assert.equal(ldap('Manager -eq $null'), '(!(manager=*))');
  assert.equal(ldap('CustomAttribute15 -ne $NULL'), '(extensionAttribute15=*)');
  inputError(() => ldap('Title -like $null'), /column 13: -like needs a pattern, not \$null/);
  inputError(() => ldap('Title -eq $true'), /Title holds text, not \$true/);
  inputError(() => ldap('Title -eq $x'), /column 11: \$x is a variable/);
});

test('EmailAddresses: bare address is smtp:, typed proxy addresses kept', () => {
  assert.equal(ldap("EmailAddresses -eq 'kim@contoso.com'"), '(proxyAddresses=smtp:kim@contoso.com)');
  assert.equal(ldap("EmailAddresses -eq 'SMTP:kim@contoso.com'"), '(proxyAddresses=SMTP:kim@contoso.com)');
  assert.equal(ldap("EmailAddresses -like 'kim*'"), '(proxyAddresses=smtp:kim*)');
  assert.equal(ldap("EmailAddresses -like '*@contoso.com'"), '(proxyAddresses=*@contoso.com)');
});

test('PrimarySmtpAddress: SMTP: proxy address and mail both', () => {
  assert.equal(ldap("PrimarySmtpAddress -eq 'kim@contoso.com'"), '(&(proxyAddresses=SMTP:kim@contoso.com)(mail=kim@contoso.com))');
  assert.equal(ldap("PrimarySmtpAddress -like '*@contoso.com'"), '(&(proxyAddresses=SMTP:*@contoso.com)(mail=*@contoso.com))');
  assert.equal(ldap("PrimarySmtpAddress -ne 'kim@contoso.com'"), '(!(&(proxyAddresses=SMTP:kim@contoso.com)(mail=kim@contoso.com)))');
});

test('RecipientTypeDetails: names become numbers, numbers pass, unknown names refused', () => {
  assert.equal(ldap("RecipientTypeDetails -eq 'UserMailbox'"), '(msExchRecipientTypeDetails=1)');
  assert.equal(ldap('RecipientTypeDetails -ne roommailbox'), '(!(msExchRecipientTypeDetails=16))');
  assert.equal(ldap('RecipientTypeDetails -eq 128'), '(msExchRecipientTypeDetails=128)');
  const e = inputError(
    () => ldap("RecipientTypeDetails -eq 'Mailbox'"),
    /column 26: "Mailbox" is not a RecipientTypeDetails value; accepted: UserMailbox, LinkedMailbox, SharedMailbox, RoomMailbox, EquipmentMailbox, MailUser/,
  );
  assert.ok(e.problem.accepted?.includes('SharedMailbox'));
  inputError(() => ldap("RecipientTypeDetails -like 'User*'"), /cannot be matched with wildcards/);
});

test('Database: resolved by name, or a DN as written; otherwise refused', () => {
  const dbDn = 'CN=DB01,CN=Databases,CN=Exchange Administrative Group,CN=Configuration,DC=contoso,DC=com';
  const calls: string[] = [];
  const resolve = (property: string, value: string): string | undefined => {
    calls.push(`${property}=${value}`);
    return value === 'DB01' ? dbDn : undefined;
  };
  assert.equal(ldap("Database -eq 'DB01'", resolve), `(homeMDB=${dbDn})`);
  assert.deepEqual(calls, ['Database=DB01']);
  assert.equal(ldap(`Database -eq '${dbDn}'`), `(homeMDB=${dbDn})`);
  assert.equal(ldap("Manager -eq 'CN=Kim (CEO),CN=Users,DC=contoso,DC=com'"), '(manager=CN=Kim \\28CEO\\29,CN=Users,DC=contoso,DC=com)');
  inputError(() => ldap("Database -eq 'DB02'", resolve), /column 14: Database needs the database's name or distinguished name; "DB02"/);
  inputError(() => ldap("Database -eq 'DB01'"), /Database needs the database's name or distinguished name/);
});

test('MemberOfGroup is refused: memberOf back-links are not maintained', () => {
  const e = inputError(
    () => ldap("Department -eq 'x' -and MemberOfGroup -eq 'CN=Speakers,DC=contoso,DC=com'"),
    /column 25: "MemberOfGroup"/,
    /memberOf back-links/,
    /not maintain/,
    /accepted: Alias, City, Company/,
  );
  assert.ok(e.problem.accepted?.includes('Department'));
});

test('an unknown property names the column, the token and the accepted properties', () => {
  const e = inputError(
    () => ldap("{Department -eq 'x' -or Dept -eq 'y'}"),
    /^column 25: "Dept" is not a filterable recipient property; accepted: Alias, City, Company, CustomAttribute1, CustomAttribute2,/,
  );
  assert.deepEqual(e.problem.accepted, OPATH_PROPERTIES.map((p) => p.name));
  assert.equal(e.problem.value, "{Department -eq 'x' -or Dept -eq 'y'}");
});

test('an unknown operator names the column and the accepted operators', () => {
  inputError(
    () => ldap("Department -equals 'Sales'"),
    /^column 12: "-equals" is not an OPATH operator; accepted: -eq, -ne, -like, -notlike, -and, -or, -not$/,
  );
  inputError(() => ldap("Department = 'Sales'"), /^column 12: "=" is not an OPATH operator/);
  inputError(() => ldap('Department -gt 5'), /column 12: "-gt" is an OPATH operator this simulation does not support/);
  inputError(() => ldap("Department -and 'x'"), /column 12: expected a comparison operator after Department \(accepted: -eq, -ne, -like, -notlike\), found "-and"/);
});

test('empty filters', () => {
  inputError(() => ldap(''), /^column 1: the filter is empty/);
  inputError(() => ldap('  {  }  '), /the filter is empty/);
  inputError(() => ldap('""'), /the filter is empty/);
});

test('unbalanced parentheses and braces', () => {
  inputError(() => ldap("(Department -eq 'x'"), /^column 1: the \( opened here is not closed: expected \)/);
  inputError(() => ldap("Department -eq 'x')"), /^column 19: unexpected "\)" with no matching "\("/);
  inputError(() => ldap("(Department -eq 'x' Title"), /^column 21: unexpected "Title": expected -and, -or or "\)"/);
  inputError(() => ldap("{Department -eq 'x'"), /^column 1: the \{ opened here is not closed/);
  inputError(() => ldap("Department -eq x}"), /^column 17: unexpected "}": braces may only wrap the whole filter/);
  inputError(() => ldap("()"), /^column 2: expected a property name or "\(", found "\)"/);
});

test('a missing value, an unterminated quote, trailing tokens', () => {
  inputError(() => ldap('Department -eq'), /^column 15: -eq needs a value after it .*found the end of the filter/);
  inputError(() => ldap('(Department -like)'), /^column 18: -like needs a value after it .*found "\)"/);
  inputError(() => ldap('Department -eq -and Title -eq x'), /^column 16: -eq needs a value after it .*found "-and"/);
  inputError(() => ldap("Department -eq 'Sales"), /^column 16: unterminated string: the ' opened here is not closed/);
  inputError(() => ldap('Department -eq "Sales'), /^column 16: unterminated string: the " opened here is not closed/);
  inputError(() => ldap('Department -eq Sales Marketing'), /^column 22: unexpected "Marketing": expected -and, -or or the end of the filter \(a value with spaces needs quotes\)/);
  inputError(() => ldap("Department -eq 'x' -and"), /^column 24: expected a property name or "\(", found the end of the filter/);
});

test('a filter over several lines reports line and column', () => {
  inputError(() => ldap("{Department -eq 'x' -and\n  Foo -eq 'y'}"), /^line 2, column 3: "Foo" is not a filterable/);
});

test('describeOpath normalizes names, operators, values and parentheses', () => {
  assert.equal(describeOpath("{Department -eq 'Speakers'}"), "Department -eq 'Speakers'");
  assert.equal(
    describeOpath('"customattribute1 -EQ Portal -AND department -NE \'Legal\'"'),
    "CustomAttribute1 -eq 'Portal' -and Department -ne 'Legal'",
  );
  assert.equal(
    describeOpath("!(city -eq \"O'Hare\") -and (title -like 'a*' -or ((Manager -eq $null)))"),
    "-not (City -eq 'O''Hare') -and (Title -like 'a*' -or Manager -eq $null)",
  );
  // Values are not resolved for display, so a database name is fine here.
  assert.equal(describeOpath('Database -eq DB01'), "Database -eq 'DB01'");
  inputError(() => describeOpath('Dept -eq x'), /not a filterable recipient property/);
});

test('every property maps to a distinct canonical name and a valid attribute', () => {
  const names = OPATH_PROPERTIES.map((p) => p.name.toLowerCase());
  assert.equal(new Set(names).size, names.length);
  for (const p of OPATH_PROPERTIES) {
    assert.doesNotThrow(() => ldap(`${p.name} -ne $null`), p.name);
  }
  assert.equal(ldap("CustomAttribute10 -eq 'x'"), '(extensionAttribute10=x)');
  assert.equal(ldap("SamAccountName -eq 'kim' -or WindowsEmailAddress -eq 'k@x' -or Alias -eq kim"), '(|(sAMAccountName=kim)(mail=k@x)(mailNickname=kim))');
});
