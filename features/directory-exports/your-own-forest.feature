@directory-exports
Feature: Asking what the users of an exported forest experience
  An administrator exports the domain and configuration partitions of her forest with ldifde and asks
  what OWA does for her users. The export is loaded into the scenario's directory whole (or not at all),
  and the organization in it is read back from the directory like any other: its sites, servers,
  virtual directories and mailboxes. ldifde exports no passwords; the load gives every user the
  scenario's password, as in a lab copy of the forest.

  Scenario: Fourth Coffee's Exchange 2007 export: Dallas mailboxes are proxied through the Chicago CAS
    Given the directory export "fixtures/fourthcoffee.ldf"
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave is proxied to DAL-CAS via "https://dal-cas.fourthcoffee.com/owa"
    And his mailbox is rendered by DAL-CAS
    And the rule that decided was "2007.proxy-to-internal-url"

  Scenario: Fourth Coffee's export: a Chicago mailbox is served by the CAS she came in on
    Given the directory export "fixtures/fourthcoffee.ldf"
    When carol signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then carol is connected directly by CHI-CAS
    And the rule that decided was "2007.best-cas-is-self"

  Scenario: The virtual directories read back from the export are the ones exported
    Given the directory export "fixtures/fourthcoffee.ldf"
    Then Get-OwaVirtualDirectory on DAL-CAS shows:
      | InternalUrl | https://dal-cas.fourthcoffee.com/owa |
      | ExternalUrl | $null                                |
    And Get-OwaVirtualDirectory on CHI-CAS shows:
      | ExternalUrl           | https://mail.fourthcoffee.com/owa |
      | CrossSiteRedirectType | Manual                            |

  Scenario: Contoso's Exchange 2010 SP2 export: silent cross-site redirection, signed in once
    Given the directory export "fixtures/contoso.ldf"
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is silently redirected to "https://mail.dallas.contoso.com/owa" with single sign-on
    And her mailbox is rendered by DAL-CAS
    And she typed her password once in all
    And the rule that decided was "2010sp2.cross-site-silent-fba"

  Scenario: A what-if on top of the export: a new mailbox in Seattle, reached through Dallas
    Given the directory export "fixtures/contoso.ldf"
    And these mailboxes:
      | Name | Server  |
      | erin | SEA-MBX |
    When erin signs in to OWA at "https://mail.dallas.contoso.com/owa"
    Then erin is shown a link to "https://mail.seattle.contoso.com/owa"
    And the rule that decided was "2010.cross-site-manual"

  Scenario: What a domain controller's export holds beyond the schema is reported, not loaded
    Given the directory export "fixtures/fourthcoffee.ldf"
    Then loading the export left out:
      | left out CN=Builtin,DC=fourthcoffee,DC=com                                      |
      | object class msExchSystemObjectsContainer removed from 1 object(s)              |
      | attribute primaryGroupID dropped from 2 object(s): not in the schema            |
      | attribute distinguishedName dropped                                             |
