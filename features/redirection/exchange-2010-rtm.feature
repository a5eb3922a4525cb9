@redirection @exchange2010 @exchange2010rtm
Feature: Exchange 2010 RTM Client Access server
  An Exchange 2010 CAS opens local Exchange 2010 mailboxes itself, sends Exchange 2007 and 2003 mailboxes
  to the legacy infrastructure (legacy silent redirection), and for a mailbox in another site redirects
  to that site's OWA ExternalURL, or proxies to its InternalURL when the site has none.

  Background:
    Given the Exchange organization "Fourth Coffee" in the forest fourthcoffee.com
    And the Active Directory sites Chicago and Dallas
    And these Exchange servers:
      | Name       | Site    | Version           | Roles                 |
      | CHI-CAS    | Chicago | Exchange 2010 RTM | ClientAccess          |
      | CHI-MBX    | Chicago | Exchange 2010 RTM | Mailbox               |
      | CHI-CAS07  | Chicago | Exchange 2007 SP3 | ClientAccess          |
      | CHI-MBX07  | Chicago | Exchange 2007 SP3 | Mailbox               |
      | CHI-FE03   | Chicago | Exchange 2003     | FrontEnd              |
      | CHI-BE03   | Chicago | Exchange 2003     | BackEnd               |
      | DAL-CAS    | Dallas  | Exchange 2010 RTM | ClientAccess          |
      | DAL-MBX    | Dallas  | Exchange 2010 RTM | Mailbox               |
    And these OWA virtual directories:
      | Server    | ExternalUrl                             | Exchange2003Url                            |
      | CHI-CAS   | https://mail.fourthcoffee.com/owa       | https://legacy.fourthcoffee.com/exchange   |
      | CHI-CAS07 | https://legacy07.fourthcoffee.com/owa   |                                            |
    And DNS resolves legacy.fourthcoffee.com to CHI-FE03
    And these OWA virtual directories:
      | Server   | Authentication |
      | CHI-FE03 | Basic, Fba     |
    And these mailboxes:
      | Name  | Server    |
      | carol | CHI-MBX   |
      | dave  | DAL-MBX   |
      | frank | CHI-MBX07 |
      | gina  | CHI-BE03  |

  Scenario: A local Exchange 2010 mailbox: direct connect
    When carol signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then carol is connected directly by CHI-CAS
    And the rule that decided was "2010.direct-connect"

  Scenario: A local Exchange 2007 mailbox with FBA on the 2010 CAS: a hidden form signs her in at the 2007 CAS
    When frank signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then frank is silently redirected to "https://legacy07.fourthcoffee.com/owa" with single sign-on
    And his mailbox is rendered by CHI-CAS07
    And he typed his password once in all
    And his password appears nowhere in the trace

  Scenario: Without FBA, legacy silent redirection is a 302 and the 2007 CAS asks again
    Given these OWA virtual directories:
      | Server    | Authentication |
      | CHI-CAS   | Basic          |
      | CHI-CAS07 | Basic          |
    When frank signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then frank is silently redirected to "https://legacy07.fourthcoffee.com/owa" without single sign-on
    And his mailbox is rendered by CHI-CAS07
    And he typed his password twice in all
    And the rule that decided was "2010.legacy-2007-same-site.silent"

  Scenario: FBA on the 2010 CAS alone is not enough for the hidden form: the 2007 CAS must use FBA too
    Given these OWA virtual directories:
      | Server    | Authentication |
      | CHI-CAS07 | Basic          |
    When frank signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then frank is silently redirected to "https://legacy07.fourthcoffee.com/owa" without single sign-on
    And he typed his password twice in all

  Scenario: A wrong password is refused at the forms-based logon page, and nothing is redirected
    Given frank uses a wrong password
    When frank signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then frank is back at the logon page with "The user name or password you entered isn't correct."
    And he typed his password once in all

  Scenario: LegacyRedirectType Manual shows a link instead of the 302
    Given these OWA virtual directories:
      | Server  | Authentication | LegacyRedirectType |
      | CHI-CAS | Basic          | Manual             |
    When frank signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then frank is shown a link to "https://legacy07.fourthcoffee.com/owa"

  Scenario: A 2007 CAS without an ExternalURL is reached at its InternalURL
    Given these OWA virtual directories:
      | Server    | ExternalUrl |
      | CHI-CAS07 | $null       |
    When frank signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then frank is silently redirected to "https://chi-cas07.fourthcoffee.com/owa"

  Scenario: No Exchange 2007 CAS in the site has an OWA URL for a local Exchange 2007 mailbox
    Given these OWA virtual directories:
      | Server    | InternalUrl | ExternalUrl |
      | CHI-CAS07 | $null       | $null       |
    When frank signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then frank sees the error page "no Exchange 2007 Client Access server in its Active Directory site has an OWA URL"
    And the rule that decided was "2010.no-legacy-cas"

  Scenario: An Exchange 2007 mailbox in another Internet-facing site: a link to that site's 2007 CAS
    Given these Exchange servers:
      | Name      | Site   | Version           | Roles        |
      | DAL-CAS07 | Dallas | Exchange 2007 SP3 | ClientAccess |
      | DAL-MBX07 | Dallas | Exchange 2007 SP3 | Mailbox      |
    And these OWA virtual directories:
      | Server    | ExternalUrl                                |
      | DAL-CAS07 | https://dallas07.mail.fourthcoffee.com/owa |
    And these mailboxes:
      | Name | Server    |
      | jill | DAL-MBX07 |
    When jill signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then jill is shown a link to "https://dallas07.mail.fourthcoffee.com/owa"

  Scenario: An Exchange 2007 mailbox in a non-Internet-facing site: proxied to that site's 2007 CAS
    Given these Exchange servers:
      | Name      | Site   | Version           | Roles        |
      | DAL-CAS07 | Dallas | Exchange 2007 SP3 | ClientAccess |
      | DAL-MBX07 | Dallas | Exchange 2007 SP3 | Mailbox      |
    And these OWA virtual directories:
      | Server    | Authentication    |
      | DAL-CAS07 | WindowsIntegrated |
    And these mailboxes:
      | Name | Server    |
      | jill | DAL-MBX07 |
    When jill signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then jill is proxied to DAL-CAS07 via "https://dal-cas07.fourthcoffee.com/owa"
    And her mailbox is rendered by DAL-CAS07

  Scenario: An Exchange 2007 mailbox in a site without an Exchange 2007 CAS
    Given these Exchange servers:
      | Name  | Site   | Version           | Roles   |
      | DAL07 | Dallas | Exchange 2007 SP3 | Mailbox |
    And these mailboxes:
      | Name | Server |
      | hank | DAL07  |
    And these OWA virtual directories:
      | Server  | ExternalUrl |
      | DAL-CAS | $null       |
    When hank signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then hank sees the error page "There is no Microsoft Exchange Client Access server that has the necessary configuration"

  Scenario: An Exchange 2003 mailbox is sent to Exchange2003URL, signed in by a hidden form
    When gina signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then gina is silently redirected to "https://legacy.fourthcoffee.com/exchange" with single sign-on
    And her mailbox is rendered by CHI-BE03
    And she typed her password once in all
    And the rule that decided was "2010.legacy-2003.hidden-form"

  Scenario: Without Exchange2003URL an Exchange 2003 mailbox cannot be opened
    Given these OWA virtual directories:
      | Server  | Exchange2003Url |
      | CHI-CAS | $null           |
    When gina signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then gina sees the error page "the Exchange2003URL of this virtual directory is not set"
    And the rule that decided was "2010.exchange2003url-missing"

  Scenario: A mailbox in a site without an OWA ExternalURL is proxied there
    Given these OWA virtual directories:
      | Server  | Authentication    |
      | DAL-CAS | WindowsIntegrated |
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave is proxied to DAL-CAS via "https://dal-cas.fourthcoffee.com/owa"
    And the rule that decided was "2010.proxy-non-internet-facing-site"

  Scenario: A mailbox in an Internet-facing site: a page with a link to its ExternalURL
    Given these OWA virtual directories:
      | Server  | ExternalUrl                              |
      | DAL-CAS | https://dallas.mail.fourthcoffee.com/owa |
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave is shown a link to "https://dallas.mail.fourthcoffee.com/owa"
    And the rule that decided was "2010.cross-site-manual"
