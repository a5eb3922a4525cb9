// The pieces the shells share to check a script whole and to say where it went wrong: the hint for a value
// written as a parameter, errors placed at "Cmdlet -Parameter (line N)", and ScriptStopped for a statement
// that failed only when it ran, naming what stays applied.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../src/errors';
import { asInteger, bindParameters, parseShell, placedInStatement, ScriptStopped, scriptStopped } from '../src/shell/command-line';
import { assertInputError } from './assert-input-error';

const REL = ['Name', 'DomainNames', 'FreeBusyAccessEnabled', 'FreeBusyAccessLevel'];
const LEVELS = { FreeBusyAccessLevel: ['None', 'AvailabilityOnly', 'LimitedDetails'] };

function invocation(text: string) {
  return parseShell(text)[0].pipeline[0];
}

test('a value written with a dash, as a blog printed it, is refused with the fix', () => {
  const e = assertInputError(
    () => bindParameters(invocation('New-OrganizationRelationship -Name X -FreeBusyAccessLevel -limiteddetails'), REL, { enums: LEVELS }),
    /has no parameter -limiteddetails; accepted: -Name, -DomainNames/,
    /-limiteddetails is a value of -FreeBusyAccessLevel: write -FreeBusyAccessLevel LimitedDetails, without a dash/,
  );
  assert.equal(e.problem.field, 'limiteddetails');
  // By an unambiguous prefix too, as PowerShell binds it.
  assertInputError(() => bindParameters(invocation('New-OrganizationRelationship -FreeBusyAccessL -None'), REL, { enums: LEVELS }), /write -FreeBusyAccessLevel None/);
});

test('no hint when the parameter had a value, or the unknown name is no value of it', () => {
  const withValue = assertInputError(() => bindParameters(invocation('New-OrganizationRelationship -FreeBusyAccessLevel None -LimitedDetails'), REL, { enums: LEVELS }), /has no parameter -LimitedDetails/);
  assert.doesNotMatch(withValue.message, /is a value of/);
  const other = assertInputError(() => bindParameters(invocation('New-OrganizationRelationship -FreeBusyAccessLevel -Detailed'), REL, { enums: LEVELS }), /has no parameter -Detailed/);
  assert.doesNotMatch(other.message, /is a value of/);
});

test('placedInStatement names the cmdlet and line, and the parameter when the message does not', () => {
  const named = placedInStatement(new InputError('"x" is not a group', { field: 'freebusyaccessscope' }), 'Set-OrganizationRelationship', 3, ['Identity', 'FreeBusyAccessScope']);
  assert.ok(named instanceof InputError);
  assert.equal(named.message, 'Set-OrganizationRelationship -FreeBusyAccessScope (line 3): "x" is not a group');
  assert.equal(named.problem.field, 'freebusyaccessscope');
  const already = placedInStatement(new InputError('Set-OrganizationRelationship -Enabled expects $true or $false', { field: 'Enabled' }), 'Set-OrganizationRelationship', 3, ['Enabled']);
  assert.equal((already as InputError).message, 'Set-OrganizationRelationship (line 3): Set-OrganizationRelationship -Enabled expects $true or $false');
  // A field that is no parameter of the cmdlet (a table column, a cmdlet name) is not named as one.
  const column = placedInStatement(new InputError('no', { field: 'Server' }), 'Add-ADPermission', 1, ['Identity']);
  assert.equal((column as InputError).message, 'Add-ADPermission (line 1): no');
  const fault = new TypeError('a bug');
  assert.equal(placedInStatement(fault, 'X', 1), fault);
});

test('scriptStopped says what stays applied, and is an InputError the steps report', () => {
  const none = scriptStopped(new InputError('Autodiscover did not answer', { field: 'DomainName' }), 'Get-FederationInformation', ['Get-FederationInformation', 'New-OrganizationRelationship'], 1, [], ['DomainName']);
  assert.ok(none instanceof ScriptStopped && none instanceof InputError);
  assert.equal(none.message, 'Get-FederationInformation -DomainName (line 1): Autodiscover did not answer — the script stopped there, as with -ErrorAction Stop: nothing had been applied before it');
  assert.deepEqual([none.cmdlet, none.line, none.pipeline], ['Get-FederationInformation', 1, ['Get-FederationInformation', 'New-OrganizationRelationship']]);
  const one = scriptStopped(new InputError('no proof'), 'Add-FederatedDomain', ['Add-FederatedDomain'], 4, [2]) as ScriptStopped;
  assert.match(one.message, /what the statements of line 2 did stays applied$/);
  const three = scriptStopped(new InputError('no proof'), 'Add-FederatedDomain', ['Add-FederatedDomain'], 9, [1, 3, 5]) as ScriptStopped;
  assert.match(three.message, /what the statements of lines 1, 3 and 5 did stays applied$/);
  assert.deepEqual(three.appliedLines, [1, 3, 5]);
  const fault = new RangeError('a bug');
  assert.equal(scriptStopped(fault, 'X', ['X'], 1, [1]), fault);
});

test('asInteger takes a whole number, not text or a switch', () => {
  assert.equal(asInteger(2048, 'New-ExchangeCertificate', 'KeySize'), 2048);
  assertInputError(() => asInteger('2048', 'New-ExchangeCertificate', 'KeySize'), /-KeySize expects a whole number, found "2048"/);
  assertInputError(() => asInteger(true, 'New-ExchangeCertificate', 'KeySize'), /found \$true \(or no value after the parameter\)/);
  assertInputError(() => asInteger(undefined, 'New-ExchangeCertificate', 'KeySize'), /New-ExchangeCertificate needs -KeySize: expected a whole number/);
});
