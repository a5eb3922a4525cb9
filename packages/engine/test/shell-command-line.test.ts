import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertInputError } from './assert-input-error';
import {
  asBoolean,
  asEnum,
  asString,
  asStringArray,
  bindParameters,
  parseShell,
  type ShellInvocation,
  type ShellValue,
} from '../src/shell/command-line';

/** The one invocation of a one-statement, one-cmdlet text. */
function one(text: string): ShellInvocation {
  const statements = parseShell(text);
  assert.equal(statements.length, 1, `one statement in ${text}`);
  assert.equal(statements[0].pipeline.length, 1, `one cmdlet in ${text}`);
  return statements[0].pipeline[0];
}

function params(inv: ShellInvocation): Record<string, ShellValue> {
  return Object.fromEntries(inv.parameters);
}

const inputError = assertInputError;

test('Get-FederationInformation piped into New-OrganizationRelationship', () => {
  const [statement, ...rest] = parseShell(
    'Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name "Fabrikam" -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails',
  );
  assert.equal(rest.length, 0);
  assert.equal(statement.line, 1);
  const [get, create] = statement.pipeline;
  assert.equal(get.cmdlet, 'Get-FederationInformation');
  assert.equal(get.column, 1);
  assert.deepEqual(params(get), { DomainName: 'fabrikam.com' });
  assert.deepEqual(get.positional, []);
  assert.equal(create.cmdlet, 'New-OrganizationRelationship');
  assert.equal(create.column, 54);
  assert.deepEqual([...create.parameters.keys()], ['Name', 'FreeBusyAccessEnabled', 'FreeBusyAccessLevel']);
  assert.deepEqual(params(create), { Name: 'Fabrikam', FreeBusyAccessEnabled: true, FreeBusyAccessLevel: 'LimitedDetails' });
});

test('Get-FederationTrust piped into Set-FederationTrust with a switch', () => {
  const [statement] = parseShell('Get-FederationTrust | Set-FederationTrust -RefreshMetadata');
  assert.deepEqual(statement.pipeline.map((i) => i.cmdlet), ['Get-FederationTrust', 'Set-FederationTrust']);
  assert.deepEqual(params(statement.pipeline[1]), { RefreshMetadata: true });
  assert.equal(statement.text, 'Get-FederationTrust | Set-FederationTrust -RefreshMetadata');
});

test('-Name value, -Name:value, switches and -Switch:$false', () => {
  const inv = one('Set-OrganizationRelationship -Identity:Fabrikam -Enabled -ArchiveAccessEnabled:$false -MailboxMoveEnabled:$TRUE -DeliveryReportEnabled: $False -TargetOwaURL https://mail.fabrikam.com/owa');
  assert.deepEqual(params(inv), {
    Identity: 'Fabrikam',
    Enabled: true,
    ArchiveAccessEnabled: false,
    MailboxMoveEnabled: true,
    DeliveryReportEnabled: false,
    TargetOwaURL: 'https://mail.fabrikam.com/owa',
  });
  // A switch last, and a switch followed by a parameter, are true; $null is null.
  assert.deepEqual(params(one('Test-X -A -B $null -C')), { A: true, B: null, C: true });
});

test('bare words, integers and positional values', () => {
  const inv = one(
    'Set-WebServicesVirtualDirectory Server\\EWS* -ExternalUrl https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/wssecurity -TargetSharingEpr exchangedelegation.contoso.com -ResultSize 1000 -Offset -5 -Port 0443 -Version 14.1',
  );
  assert.deepEqual(inv.positional, ['Server\\EWS*']);
  assert.deepEqual(params(inv), {
    ExternalUrl: 'https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/wssecurity',
    TargetSharingEpr: 'exchangedelegation.contoso.com',
    ResultSize: 1000,
    Offset: -5,
    Port: 443,
    Version: '14.1',
  });
  // A quoted number stays text; a # inside a word is not a comment; abc'def' is one word.
  assert.deepEqual(one("Get-X '1000' https://host/#/x abc'def ghi'\"!\" -N:12").positional, ['1000', 'https://host/#/x', 'abcdef ghi!']);
});

test('single-quoted strings have no escapes; double-quoted ones have backtick escapes', () => {
  const inv = one(`New-X -A 'It''s C:\\temp\`n' -B "say \`"hi\`" and \`\`back\`\` and ""q""" -C "tab\`there" -D '' -E "cost: 5 $" -F 'P@ss$word'`);
  assert.deepEqual(params(inv), {
    A: "It's C:\\temp`n",
    B: 'say "hi" and `back` and "q"',
    C: 'tab\there',
    D: '',
    E: 'cost: 5 $',
    F: 'P@ss$word',
  });
});

test('typographic quotes and dashes pasted from blogs read as the ASCII ones', () => {
  const inv = one('New\u2013OrganizationRelationship \u2013Name \u201CFabrikam Inc\u201D \u2014DomainNames \u2018fabrikam.com\u2019,\u201Cfabrikam.net\u201D \u2013Enabled:$true \u2013Note \u2018O\u2019\u2019Brien\u2019');
  assert.equal(inv.cmdlet, 'New-OrganizationRelationship');
  assert.deepEqual(params(inv), {
    Name: 'Fabrikam Inc',
    DomainNames: ['fabrikam.com', 'fabrikam.net'],
    Enabled: true,
    Note: 'O\u2019Brien',
  });
  // A non-breaking space, as web pages have, separates like a space.
  assert.deepEqual(params(one('Get-X\u00A0-Name\u00A0a')), { Name: 'a' });
});

test('comma arrays, @( ) and ( )', () => {
  const inv = one(
    'Set-X -A "a","b" -B a,b -C a , b -D @("a","b") -E @() -F @("only") -G ("x", 2) -H ("one") -I @(1,2;3) -J @(@("a","b")) -K @(@("a"),"b") -L @(\n  "multi"\n  "line"\n) -M $true,$null,7',
  );
  assert.deepEqual(params(inv), {
    A: ['a', 'b'],
    B: ['a', 'b'],
    C: ['a', 'b'],
    D: ['a', 'b'],
    E: [],
    F: ['only'],
    G: ['x', 2],
    H: 'one',
    I: [1, 2, 3],
    J: ['a', 'b'],
    K: [['a'], 'b'],
    L: ['multi', 'line'],
    M: [true, null, 7],
  });
  // A trailing comma continues onto the next line, as in PowerShell.
  assert.deepEqual(params(one('Set-X -DomainNames contoso.com,\n   fabrikam.com')), { DomainNames: ['contoso.com', 'fabrikam.com'] });
  // A list in positional place.
  assert.deepEqual(one('fl Name,ServerRole').positional, [['Name', 'ServerRole']]);
});

test('script blocks are kept raw, after ? and Where-Object', () => {
  const [statement] = parseShell(
    'Get-ExchangeServer | ?{$_.ServerRole -like "*ClientAccess*" -and $_.Name -ne \'}\'} | Where-Object { $_.Site -match "Dallas" <# } #> } | % { $_.Name }',
  );
  assert.deepEqual(statement.pipeline.map((i) => i.cmdlet), ['Get-ExchangeServer', '?', 'Where-Object', '%']);
  assert.deepEqual(statement.pipeline[1].positional, ['{$_.ServerRole -like "*ClientAccess*" -and $_.Name -ne \'}\'}']);
  assert.deepEqual(statement.pipeline[2].positional, ['{ $_.Site -match "Dallas" <# } #> }']);
  assert.deepEqual(statement.pipeline[3].positional, ['{ $_.Name }']);
  // A script block can be a parameter's value and span lines.
  const inv = one('Where-Object -FilterScript {\n  $_.Name -eq "a" # a comment with a } brace\n}');
  assert.deepEqual(params(inv), { FilterScript: '{\n  $_.Name -eq "a" # a comment with a } brace\n}' });
});

test('a backtick at the end of a line continues the statement', () => {
  const text = [
    '# Federation with Fabrikam',
    '',
    'New-OrganizationRelationship -Name "Fabrikam" `',
    '    -DomainNames fabrikam.com, "fabrikam.net" `   ',
    '    -FreeBusyAccessEnabled $true `',
    '    -FreeBusyAccessLevel LimitedDetails',
    'Get-OrganizationRelationship',
  ].join('\r\n');
  const statements = parseShell(text);
  assert.equal(statements.length, 2);
  assert.equal(statements[0].line, 3);
  assert.deepEqual(params(statements[0].pipeline[0]), {
    Name: 'Fabrikam',
    DomainNames: ['fabrikam.com', 'fabrikam.net'],
    FreeBusyAccessEnabled: true,
    FreeBusyAccessLevel: 'LimitedDetails',
  });
  assert.equal(statements[0].text, text.split('\r\n').slice(2, 6).join('\n'));
  assert.equal(statements[1].line, 7);
  assert.equal(statements[1].text, 'Get-OrganizationRelationship');
  // The text ends at the last token, not at a trailing backtick or comment.
  assert.equal(parseShell('Set-FederationTrust -RefreshMetadata `  \n# done')[0].text, 'Set-FederationTrust -RefreshMetadata');
  // A pipe at the end of a line continues too; the next cmdlet's line and column are its own.
  const [piped] = parseShell('Get-FederationTrust |\n  # refresh it\n  Set-FederationTrust -RefreshMetadata');
  assert.equal(piped.line, 1);
  assert.deepEqual(piped.pipeline.map((i) => [i.cmdlet, i.line, i.column]), [['Get-FederationTrust', 1, 1], ['Set-FederationTrust', 3, 3]]);
});

test('comments, blank lines, semicolons and pasted prompts', () => {
  const statements = parseShell(
    [
      '   ',
      '# a comment line with "quotes and \'apostrophes',
      'Get-FederationTrust # trailing comment | Not-Piped',
      'Get-A -Name "x # not a comment"; Get-B;; Get-C <# inline #> -D 1',
      '<# a block',
      '   comment #>',
      '[PS] C:\\Windows\\system32>Get-ExchangeServer',
      'PS C:\\> Get-Mailbox',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    statements.map((s) => [s.line, s.text, s.pipeline.map((i) => i.cmdlet).join('|')]),
    [
      [3, 'Get-FederationTrust', 'Get-FederationTrust'],
      [4, 'Get-A -Name "x # not a comment"', 'Get-A'],
      [4, 'Get-B', 'Get-B'],
      [4, 'Get-C <# inline #> -D 1', 'Get-C'],
      [7, 'Get-ExchangeServer', 'Get-ExchangeServer'],
      [8, 'Get-Mailbox', 'Get-Mailbox'],
    ],
  );
  assert.deepEqual(params(statements[1].pipeline[0]), { Name: 'x # not a comment' });
  assert.equal(statements[3].pipeline[0].column, 42);
  assert.deepEqual(parseShell('\n  # only comments\n\n'), []);
});

test('unterminated quotes name the line and column of the opening quote', () => {
  const e = inputError(() => parseShell('Get-A\nNew-X -Name "Fabrikam -Enabled 1'), /^line 2, column 13: unterminated string/, /expected a closing "/);
  assert.equal(e.problem.field, 'Name');
  inputError(() => parseShell("New-X -Name 'Fabrikam\n'"), /^line 1, column 13: unterminated string/, /expected a closing '/);
  inputError(() => parseShell('New-X -Name \u201CFabrikam'), /^line 1, column 13: unterminated string/);
  // An apostrophe in a bare word opens a string, as in PowerShell.
  inputError(() => parseShell('New-X -Name O\u2019Brien'), /^line 1, column 14: unterminated string/);
  inputError(() => parseShell('Get-X | ?{ $_.Name -eq "a }'), /^line 1, column 24: unterminated string/);
  inputError(() => parseShell('Get-X | ?{ $_.Name'), /^line 1, column 10: the script block \{ opened here is not closed: expected \}/);
  inputError(() => parseShell('Set-X -A @("a",\n"b"'), /^line 1, column 10: the @\( opened here is not closed: expected \)/);
  inputError(() => parseShell('Set-X -A ("a"'), /^line 1, column 10: the \( opened here is not closed/);
});

test('a pipe with nothing after it', () => {
  inputError(() => parseShell('Get-FederationTrust |'), /^line 1, column 21: a pipe with nothing after it: expected a cmdlet after "\|"/);
  inputError(() => parseShell('Get-FederationTrust |   \n\n# nothing\n'), /^line 1, column 21: a pipe with nothing after it/);
  inputError(() => parseShell('Get-A | ; Get-B'), /^line 1, column 7: a pipe with nothing after it/);
  inputError(() => parseShell('Get-A || Get-B'), /^line 1, column 7: a pipe with nothing after it/);
  inputError(() => parseShell('| Get-B'), /^line 1, column 1: expected a cmdlet name such as Get-FederationTrust, found "\|"/);
});

test('a parameter without a name', () => {
  inputError(() => parseShell('Set-X - Name a'), /^line 1, column 7: a parameter without a name: expected -Name after the dash, found " "/);
  inputError(() => parseShell('Set-X -Name a -'), /^line 1, column 15: a parameter without a name/);
  inputError(() => parseShell('Set-X \u2013:a'), /^line 1, column 7: a parameter without a name/);
  inputError(() => parseShell('Set-X -Enabled:'), /^line 1, column 16: expected a value after -Enabled:, found the end of the text/);
  inputError(() => parseShell('Set-X -Name=Fabrikam'), /^line 1, column 12: "=" cannot follow the parameter name -Name: write -Name value or -Name:value/);
  const twice = inputError(() => parseShell('Set-X -Name a -name b'), /^line 1, column 15: Set-X is given -Name twice/);
  assert.equal(twice.problem.field, 'name');
});

test('variables other than $true, $false and $null are refused', () => {
  const e = inputError(() => parseShell('New-X -Name $name'), /^line 1, column 13: \$name is a variable; variables are not supported: write the value/);
  assert.equal(e.problem.field, 'Name');
  assert.equal(e.problem.value, '$name');
  inputError(() => parseShell('New-X -Enabled $trueish'), /\$trueish is a variable; variables are not supported/);
  inputError(() => parseShell('New-X -Name "Fabrikam $env:COMPUTERNAME"'), /^line 1, column 23: \$env:COMPUTERNAME is a variable/);
  inputError(() => parseShell('New-X -Name abc$x'), /^line 1, column 16: \$x is a variable/);
  inputError(() => parseShell('New-X -Name P@$$word'), /\$\$word is a variable.*in single quotes if it contains \$/);
  inputError(() => parseShell('New-X -Name $(Get-Date)'), /^line 1, column 13: subexpressions \$\( \) are not supported: write the value/);
  inputError(() => parseShell('$trust = Get-FederationTrust'), /^line 1, column 1: \$trust is a variable/);
  inputError(() => parseShell('New-X -A @{Add="x"}'), /hash tables @\{ \} are not supported/);
  inputError(() => parseShell('New-X @params'), /splatting/);
  inputError(() => parseShell('Get-X > out.txt'), /^line 1, column 7: redirection is not supported/);
  inputError(() => parseShell('& Get-X'), /call operator & is not supported/);
});

test('other syntax errors name what was expected', () => {
  inputError(() => parseShell('"Get-X" -A b'), /^line 1, column 1: expected a cmdlet name such as Get-FederationTrust, found '"'/);
  inputError(() => parseShell('Get-X -A b\n  -C d'), /^line 2, column 3: expected a cmdlet name.*found "-C".*does the line before need a ` at its end/);
  inputError(() => parseShell('Set-X -A a,'), /^line 1, column 11: expected a value after ","/);
  inputError(() => parseShell('Set-X -A a,,b'), /^line 1, column 11: expected a value after ","/);
  inputError(() => parseShell('Set-X -A @(contoso.com)'), /^line 1, column 12: inside \( \) or @\( \) PowerShell would run contoso.com as a command: put text in quotes/);
  inputError(() => parseShell('Set-X -A (Get-Mailbox alice)'), /commands inside \( \) or @\( \) are not supported: write the value that Get-Mailbox would return/);
  inputError(() => parseShell('Set-X -A @("a" "b")'), /^line 1, column 16: unexpected '"' inside @\( \): expected "," or "\)"/);
  inputError(() => parseShell('Get-X )'), /^line 1, column 7: unexpected "\)"/);
  inputError(() => parseShell('Get-X <# never closed'), /^line 1, column 7: the comment <# is not closed/);
});

const NEW_ORG_REL = ['Name', 'DomainNames', 'DeliveryReportEnabled', 'Enabled', 'FreeBusyAccessEnabled', 'FreeBusyAccessLevel', 'FreeBusyAccessScope', 'TargetApplicationUri', 'TargetAutodiscoverEpr'];

test('bindParameters: case-insensitive names and unambiguous prefixes give canonical names', () => {
  const inv = one('New-OrganizationRelationship -name Fabrikam -Dom fabrikam.com -freebusyaccessenabled $true -FreeBusyAccessL LimitedDetails -En');
  const bound = bindParameters(inv, NEW_ORG_REL);
  assert.deepEqual(Object.fromEntries(bound), {
    Name: 'Fabrikam',
    DomainNames: 'fabrikam.com',
    FreeBusyAccessEnabled: true,
    FreeBusyAccessLevel: 'LimitedDetails',
    Enabled: true,
  });
  // An exact name wins over a longer one it prefixes.
  assert.deepEqual(Object.fromEntries(bindParameters(one('Get-X -Name a'), ['NameSuffix', 'Name'])), { Name: 'a' });
});

test('bindParameters: unknown, ambiguous and duplicated parameters', () => {
  const unknown = inputError(
    () => bindParameters(one('New-OrganizationRelationship -Name F -FreeBusyLevel LimitedDetails'), NEW_ORG_REL),
    /^New-OrganizationRelationship has no parameter -FreeBusyLevel; accepted: -Name, -DomainNames, -DeliveryReportEnabled/,
  );
  assert.equal(unknown.problem.field, 'FreeBusyLevel');
  assert.deepEqual(unknown.problem.accepted, NEW_ORG_REL);
  const ambiguous = inputError(
    () => bindParameters(one('New-OrganizationRelationship -D fabrikam.com'), NEW_ORG_REL),
    /^-D is ambiguous for New-OrganizationRelationship: it could be -DomainNames or -DeliveryReportEnabled; write more of the name/,
    /accepted: -Name, -DomainNames/,
  );
  assert.equal(ambiguous.problem.field, 'D');
  assert.deepEqual(ambiguous.problem.accepted, NEW_ORG_REL);
  inputError(() => bindParameters(one('New-OrganizationRelationship -FreeBusyAccess x'), NEW_ORG_REL), /could be -FreeBusyAccessEnabled or -FreeBusyAccessLevel or -FreeBusyAccessScope/);
  inputError(() => bindParameters(one('New-X -Dom a -DomainNames b'), NEW_ORG_REL), /^New-X is given -DomainNames twice \(as -Dom and -DomainNames\)/);
  inputError(() => bindParameters(one('New-X -A b'), []), /has no parameter -A; accepted: none are defined yet/);
});

test('bindParameters: positional values bind only when positions are given', () => {
  const inv = one('Set-OrganizationRelationship Fabrikam -Enabled:$false');
  assert.deepEqual(Object.fromEntries(bindParameters(inv, ['Identity', 'Enabled'])), { Enabled: false });
  assert.deepEqual(Object.fromEntries(bindParameters(inv, ['Identity', 'Enabled'], { positional: ['Identity'] })), { Enabled: false, Identity: 'Fabrikam' });
  inputError(() => bindParameters(one('Set-X a b'), ['Identity'], { positional: ['Identity'] }), /^Set-X takes 1 positional value \(-Identity\); "b" needs a parameter name/);
  inputError(() => bindParameters(one('Set-X a -Identity b'), ['Identity'], { positional: ['Identity'] }), /^Set-X is given -Identity twice \(by name and by position as "a"\)/);
});

test('asString', () => {
  assert.equal(asString('Fabrikam', 'New-X', 'Name'), 'Fabrikam');
  assert.equal(asString(443, 'New-X', 'Name'), '443');
  const e = inputError(() => asString(true, 'New-X', 'Name'), /^New-X -Name expects one text value, found \$true \(or no value after the parameter\)/);
  assert.equal(e.problem.field, 'Name');
  inputError(() => asString(['a', 'b'], 'New-X', 'Name'), /^New-X -Name expects one text value, found a list of 2, @\("a", "b"\)/);
  inputError(() => asString(null, 'New-X', 'Name'), /found \$null/);
  inputError(() => asString(undefined, 'New-X', 'Name'), /^New-X needs -Name: expected one text value/);
});

test('asBoolean accepts $true/$false and 1/0, not text', () => {
  assert.equal(asBoolean(true, 'Set-X', 'Enabled'), true);
  assert.equal(asBoolean(false, 'Set-X', 'Enabled'), false);
  assert.equal(asBoolean(1, 'Set-X', 'Enabled'), true);
  assert.equal(asBoolean(0, 'Set-X', 'Enabled'), false);
  const e = inputError(() => asBoolean('True', 'Set-X', 'Enabled'), /^Set-X -Enabled expects \$true or \$false, not text: Boolean parameters accept only \$true, \$false, 1 or 0 \(write \$true\), found "True"/);
  assert.deepEqual(e.problem.accepted, ['$true', '$false']);
  assert.equal(e.problem.field, 'Enabled');
  inputError(() => asBoolean('yes', 'Set-X', 'Enabled'), /not text/);
  inputError(() => asBoolean(2, 'Set-X', 'Enabled'), /expects \$true or \$false \(or 1 or 0\), found 2/);
  inputError(() => asBoolean(null, 'Set-X', 'Enabled'), /found \$null/);
  inputError(() => asBoolean(undefined, 'Set-X', 'Enabled'), /^Set-X needs -Enabled/);
});

test('asStringArray takes one value or a list', () => {
  assert.deepEqual(asStringArray('fabrikam.com', 'New-X', 'DomainNames'), ['fabrikam.com']);
  assert.deepEqual(asStringArray(['a', 2], 'New-X', 'DomainNames'), ['a', '2']);
  assert.deepEqual(asStringArray(null, 'New-X', 'DomainNames'), []);
  assert.deepEqual(asStringArray(parseShell('New-X -D @("a","b")')[0].pipeline[0].parameters.get('D'), 'New-X', 'DomainNames'), ['a', 'b']);
  inputError(() => asStringArray(['a', true], 'New-X', 'DomainNames'), /^New-X -DomainNames expects a list of text values, found \$true in @\("a", \$true\)/);
  inputError(() => asStringArray(true, 'New-X', 'DomainNames'), /expects text or a list of text values/);
  inputError(() => asStringArray(undefined, 'New-X', 'DomainNames'), /^New-X needs -DomainNames/);
});

test('asEnum matches case-insensitively and returns the canonical spelling', () => {
  const levels = ['None', 'AvailabilityOnly', 'LimitedDetails'] as const;
  const level: 'None' | 'AvailabilityOnly' | 'LimitedDetails' = asEnum('limiteddetails', 'New-X', 'FreeBusyAccessLevel', levels);
  assert.equal(level, 'LimitedDetails');
  const e = inputError(() => asEnum('Limited', 'New-X', 'FreeBusyAccessLevel', levels), /^New-X -FreeBusyAccessLevel does not accept "Limited"; accepted: None, AvailabilityOnly, LimitedDetails/);
  assert.deepEqual(e.problem, { field: 'FreeBusyAccessLevel', value: 'Limited', accepted: levels });
  inputError(() => asEnum(true, 'New-X', 'FreeBusyAccessLevel', levels), /expects one of None, AvailabilityOnly, LimitedDetails, found \$true/);
  inputError(() => asEnum(undefined, 'New-X', 'FreeBusyAccessLevel', levels), /^New-X needs -FreeBusyAccessLevel/);
});
