@redirection @migration
Feature: The same OWA ExternalURL in every site
  Two Internet-facing sites publish one name, owa.fourthcoffee.com, by DNS round robin. A user whose
  browser reached Chicago while her mailbox is in Dallas is sent to Dallas's ExternalURL — which is the
  same name, which her browser's DNS cache still resolves to Chicago. Exchange 2007 and 2010 RTM send her
  round in a circle; Exchange 2010 SP1 detects it and offers the FailbackURL, or asks her to close her
  browser.

  Background:
    Given the Exchange organization "Fourth Coffee" in the forest fourthcoffee.com
    And the Active Directory sites Chicago and Dallas

  Scenario Outline: <version> without loop detection hands her a link to the URL she is on
    Given these Exchange servers:
      | Name    | Site    | Version   | Roles                 |
      | CHI-CAS | Chicago | <version> | ClientAccess          |
      | DAL-CAS | Dallas  | <version> | ClientAccess, Mailbox |
    And these OWA virtual directories:
      | Server  | ExternalUrl                      |
      | CHI-CAS | https://owa.fourthcoffee.com/owa |
      | DAL-CAS | https://owa.fourthcoffee.com/owa |
    And these mailboxes:
      | Name | Server  |
      | dave | DAL-CAS |
    And DNS resolves owa.fourthcoffee.com to CHI-CAS, DAL-CAS
    When dave signs in to OWA at "https://owa.fourthcoffee.com/owa"
    Then dave is shown a link to "https://owa.fourthcoffee.com/owa"
    When he follows the link
    Then dave is shown a link to "https://owa.fourthcoffee.com/owa"
    And he typed his password twice in all

    Examples:
      | version           |
      | Exchange 2007 SP1 |
      | Exchange 2010 RTM |

  Scenario: Exchange 2010 SP1 detects that the target is the URL she is on
    Given these Exchange servers:
      | Name    | Site    | Version           | Roles                 |
      | CHI-CAS | Chicago | Exchange 2010 SP1 | ClientAccess          |
      | DAL-CAS | Dallas  | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these OWA virtual directories:
      | Server  | ExternalUrl                      | FailbackUrl                              |
      | CHI-CAS | https://owa.fourthcoffee.com/owa |                                          |
      | DAL-CAS | https://owa.fourthcoffee.com/owa | https://dallas.owa.fourthcoffee.com/owa  |
    And these mailboxes:
      | Name | Server  |
      | dave | DAL-CAS |
    And DNS resolves owa.fourthcoffee.com to CHI-CAS, DAL-CAS
    When dave signs in to OWA at "https://owa.fourthcoffee.com/owa"
    Then dave is shown a temporary redirection to "https://dallas.owa.fourthcoffee.com/owa"
    When he follows the link
    Then dave is connected directly by DAL-CAS
