@redirection @exchange2007 @exchange2003
Feature: Exchange 2007 Client Access server in front of Exchange 2003 back ends
  During a migration from Exchange 2003, mailboxes still on a 2003 back-end server are proxied by the 2007
  CAS straight to that back end's /Exchange, which must offer Integrated Windows authentication. An
  Exchange 2007 CAS in the back end's site changes nothing.

  Background:
    Given the Exchange organization "Fourth Coffee" in the forest fourthcoffee.com
    And the Active Directory sites Chicago and Dallas
    And these Exchange servers:
      | Name    | Site    | Version           | Roles        |
      | CHI-CAS | Chicago | Exchange 2007 SP1 | ClientAccess |
      | DAL-CAS | Dallas  | Exchange 2007 SP1 | ClientAccess |
      | DAL-BE  | Dallas  | Exchange 2003     | BackEnd      |
    And these OWA virtual directories:
      | Server  | ExternalUrl                       | Authentication    |
      | CHI-CAS | https://mail.fourthcoffee.com/owa | Basic, Fba        |
      | DAL-CAS | $null                             | WindowsIntegrated |
    And these mailboxes:
      | Name | Server |
      | erin | DAL-BE |

  Scenario: An Exchange 2003 mailbox is proxied straight to its back end, not to the 2007 CAS in its site
    Given CHI-CAS is a member of Exchange Domain Servers
    When erin signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then erin is proxied to DAL-BE via "https://dal-be.fourthcoffee.com/exchange"
    And her mailbox is rendered by DAL-BE
    And the rule that decided was "2007.legacy-proxy-to-back-end"

  Scenario: The same through /exchange
    Given CHI-CAS is a member of Exchange Domain Servers
    When erin signs in to OWA at "https://mail.fourthcoffee.com/exchange"
    Then erin is proxied to DAL-BE via "https://dal-be.fourthcoffee.com/exchange"

  Scenario: The back end's /Exchange without Integrated Windows authentication refuses the CAS
    Given CHI-CAS is a member of Exchange Domain Servers
    And these OWA virtual directories:
      | Server | Authentication |
      | DAL-BE | Basic          |
    When erin signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then DAL-BE answered 401 to CHI-CAS
    And erin sees the error page "the back-end server refused the Client Access server"

  Scenario: A 2007 CAS that is not in Exchange Domain Servers answers 404 for /exchange
    When erin signs in to OWA at "https://mail.fourthcoffee.com/exchange"
    Then erin gets HTTP 404 "Not Found"
    And the rule that decided was "2007.legacy-not-in-exchange-domain-servers"

  Scenario: ... but the mailbox opens when its alias ends the URL
    When erin signs in to OWA at "https://mail.fourthcoffee.com/exchange/erin"
    Then erin is proxied to DAL-BE via "https://dal-be.fourthcoffee.com/exchange"
