@redirection @exchange2007
Feature: Exchange 2007 Client Access server proxying for Outlook Web Access
  Fourth Coffee has one Internet-facing Client Access server, in Chicago. Users whose mailboxes are in
  Dallas reach them through it: the Chicago CAS looks the mailbox up in Active Directory, finds the best
  CAS in the mailbox's site and either proxies the request to it or hands the user a link.

  Background:
    Given the Exchange organization "Fourth Coffee" in the forest fourthcoffee.com
    And the Active Directory sites Chicago and Dallas
    And these Exchange servers:
      | Name    | Site    | Version           | Roles                 |
      | CHI-CAS | Chicago | Exchange 2007 SP1 | ClientAccess          |
      | CHI-MBX | Chicago | Exchange 2007 SP1 | Mailbox               |
      | DAL-CAS | Dallas  | Exchange 2007 SP1 | ClientAccess          |
      | DAL-MBX | Dallas  | Exchange 2007 SP1 | Mailbox               |
    And these OWA virtual directories:
      | Server  | ExternalUrl                        | Authentication    |
      | CHI-CAS | https://mail.fourthcoffee.com/owa  | Basic, Fba        |
      | DAL-CAS | $null                              | WindowsIntegrated |
    And these mailboxes:
      | Name  | Server  |
      | carol | CHI-MBX |
      | dave  | DAL-MBX |

  Scenario: The first CAS is the best CAS for a mailbox in its own site
    When carol signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then carol is connected directly by CHI-CAS
    And she typed her password once in all
    And the rule that decided was "2007.best-cas-is-self"

  Scenario: A mailbox in another site is proxied to that site's CAS at its InternalURL
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave is proxied to DAL-CAS via "https://dal-cas.fourthcoffee.com/owa"
    And his mailbox is rendered by DAL-CAS
    And he typed his password once in all
    And DAL-CAS answered 441 to CHI-CAS
    And DAL-CAS accepted the client security context of dave from CHI-CAS
    And the rule that decided was "2007.proxy-to-internal-url"

  Scenario: An Exchange 2007 mailbox reached through the legacy /exchange path is sent to /owa
    When carol signs in to OWA at "https://mail.fourthcoffee.com/exchange"
    Then carol is silently redirected to "https://mail.fourthcoffee.com/owa/"
    And she is connected directly by CHI-CAS
    And the rule that decided was "2007.exchange-vdir-to-owa"

  Scenario: An Exchange 2007 CAS cannot open a mailbox on Exchange 2010
    Given these Exchange servers:
      | Name    | Site    | Version           | Roles   |
      | CHI-E14 | Chicago | Exchange 2010 SP1 | Mailbox |
    And these mailboxes:
      | Name | Server  |
      | kate | CHI-E14 |
    When kate signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then kate sees the error page "it is on a newer version of Exchange than this Client Access server"
    And the rule that decided was "2007.newer-mailbox"

  Scenario: Setup fills InternalURL and leaves ExternalURL $null on a CAS without Internet presence
    Then Get-OwaVirtualDirectory on DAL-CAS shows:
      | InternalUrl | https://dal-cas.fourthcoffee.com/owa |
      | ExternalUrl | $null                                |

  Scenario: A CAS in the mailbox's site with an ExternalURL gets the user a link instead of a proxy
    Given these OWA virtual directories:
      | Server  | ExternalUrl                              |
      | DAL-CAS | https://dallas.mail.fourthcoffee.com/owa |
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave is shown a link to "https://dallas.mail.fourthcoffee.com/owa"
    And the rule that decided was "2007.link-to-external-url"

  Scenario: Following the link, the user signs in again at the Dallas CAS
    Given these OWA virtual directories:
      | Server  | ExternalUrl                              | Authentication |
      | DAL-CAS | https://dallas.mail.fourthcoffee.com/owa | Basic, Fba     |
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    And he follows the link
    Then dave is connected directly by DAL-CAS
    And he typed his password twice in all
    And he clicked 1 link

  Scenario: Without Integrated Windows authentication on the Dallas CAS there is no CAS to proxy to
    Given these OWA virtual directories:
      | Server  | Authentication |
      | DAL-CAS | Basic, Fba     |
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave sees the error page "There is no Microsoft Exchange Client Access server that has the necessary configuration in the Active Directory site where the mailbox is stored."
    And the rule that decided was "2007.no-cas-with-necessary-configuration"

  Scenario: Without an InternalURL on the Dallas CAS there is no CAS to proxy to
    Given these OWA virtual directories:
      | Server  | InternalUrl |
      | DAL-CAS | $null       |
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave sees the error page "There is no Microsoft Exchange Client Access server that has the necessary configuration in the Active Directory site where the mailbox is stored."

  Scenario: The Dallas CAS does not answer
    Given DAL-CAS is not responding
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave sees the error page "The available Microsoft Exchange Client Access servers in the target Active Directory site are not responding."

  Scenario: Integrated Windows authentication limited to NTLM refuses the Kerberos the proxying CAS uses
    Given these OWA virtual directories:
      | Server  | Authentication |
      | DAL-CAS | Ntlm           |
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then DAL-CAS answered 401 to CHI-CAS
    And dave sees the error page "The available Microsoft Exchange Client Access servers in the target Active Directory site are not responding."

  Scenario: The second CAS refuses the security context of a CAS without the token-serialization right
    Given CHI-CAS is denied ms-Exch-EPI-Token-Serialization on DAL-CAS
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then DAL-CAS answered 441 to CHI-CAS
    And DAL-CAS answered 403 to CHI-CAS
    And dave sees the error page "are not responding"

  Scenario: A CAS outside the Exchange Servers group holds no token-serialization right either
    Given CHI-CAS is not a member of Exchange Servers
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then DAL-CAS answered 403 to CHI-CAS
    And dave sees the error page "are not responding"

  Scenario: Two 441 answers in a row end the proxy attempt
    The Dallas InternalURL is a load-balanced name without affinity: the security context goes to one
    server and the retry lands on another, which never received it.
    Given these Exchange servers:
      | Name     | Site   | Version           | Roles        |
      | DAL-CAS2 | Dallas | Exchange 2007 SP1 | ClientAccess |
      | DAL-CAS3 | Dallas | Exchange 2007 SP1 | ClientAccess |
    And these OWA virtual directories:
      | Server   | InternalUrl                                | Authentication    |
      | DAL-CAS  | https://owa.dallas.fourthcoffee.com/owa    | WindowsIntegrated |
      | DAL-CAS2 | https://owa.dallas.fourthcoffee.com/owa    | WindowsIntegrated |
      | DAL-CAS3 | https://owa.dallas.fourthcoffee.com/owa    | WindowsIntegrated |
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then DAL-CAS answered 441 to CHI-CAS twice in a row
    And dave sees the error page "are not responding"
