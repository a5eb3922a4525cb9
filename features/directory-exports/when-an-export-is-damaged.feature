@directory-exports
Feature: A damaged or incomplete export is refused whole, with the line at fault
  A copy of an export damaged on the way, an export edited by hand, one that misses a partition: the
  load reads and checks the whole file before the directory sees any of it, and the directory takes
  every object or none. The refusal names the file, the line and what is wrong.

  Scenario: A value damaged in transit names its line
    When the administrator loads the directory export "fixtures/broken/contoso-damaged.ldf"
    Then the export is refused with "fixtures/broken/contoso-damaged.ldf, line 122: the value of objectSid after \"::\" is not base64"
    And the directory holds nothing under "DC=contoso,DC=com"

  Scenario: A line without a colon
    When the administrator loads this directory export:
      """
      dn: DC=example,DC=com
      changetype: add
      objectClass top
      """
    Then the export is refused with "when-an-export-is-damaged.feature, line 17: \"objectClass top\" has no colon; expected \"attribute: value\""

  Scenario: A single-valued attribute given twice
    When the administrator loads this directory export:
      """
      dn: DC=example,DC=com
      changetype: add
      objectClass: top
      objectClass: domain
      objectClass: domainDNS
      dc: example

      dn: CN=Bob,DC=example,DC=com
      changetype: add
      objectClass: user
      cn: Bob
      sAMAccountName: bob
      sAMAccountName: robert
      """
    Then the export is refused with "when-an-export-is-damaged.feature, line 36: sAMAccountName is single-valued; a second value here (the first is on line 35)"

  Scenario: An export of the domain alone lacks Exchange's configuration
    When the administrator loads this directory export:
      """
      dn: DC=example,DC=com
      changetype: add
      objectClass: top
      objectClass: domain
      objectClass: domainDNS
      dc: example
      """
    Then the export is refused with "holds no configuration partition (CN=Configuration,DC=example,DC=com)"
    And the directory holds nothing under "DC=example,DC=com"

  Scenario: A value the directory's schema refuses: nothing of the export is loaded
    The file reads well, but a hand edit typed the letter O for a zero in an integer; the objects before
    it were accepted one by one and are taken back.
    When the administrator loads this directory export:
      """
      dn: DC=example,DC=com
      changetype: add
      objectClass: top
      objectClass: domain
      objectClass: domainDNS
      dc: example

      dn: CN=Configuration,DC=example,DC=com
      changetype: add
      objectClass: top
      objectClass: configuration
      cn: Configuration

      dn: CN=Branch,DC=example,DC=com
      changetype: add
      objectClass: top
      objectClass: container
      cn: Branch
      uSNCreated: 12O45
      """
    Then the export is refused with "when-an-export-is-damaged.feature, line 71"
    And the export is refused with "uSNCreated: value #0 invalid per syntax"
    And the export is refused with "nothing of it was loaded"
    And the directory holds nothing under "DC=example,DC=com"
