@redirection @topology
Feature: Declaring a topology: what is refused, and that a refused table writes nothing
  A mistyped site, an unknown Exchange version, a malformed URL or an unknown column stops the scenario
  with a message naming the row, the column, the value and what would have been accepted.

  Background:
    Given the Exchange organization "Fourth Coffee" in the forest fourthcoffee.com
    And the Active Directory sites Chicago and Dallas

  Scenario: An unknown site names the row, the column and the sites that exist
    When the administrator declares these Exchange servers:
      | Name    | Site    | Version           | Roles        |
      | CHI-CAS | Chicago | Exchange 2007 SP1 | ClientAccess |
      | DAL-CAS | Dalas   | Exchange 2007 SP1 | ClientAccess |
    Then the declaration is refused with "(table row 2, column Site): \"Dalas\" is not a site of this topology; accepted: Chicago, Dallas"
    And the directory holds no server named "CHI-CAS"

  Scenario: Exchange 2010 needs its service pack
    When the administrator declares these Exchange servers:
      | Name    | Site    | Version       | Roles        |
      | CHI-CAS | Chicago | Exchange 2010 | ClientAccess |
    Then the declaration is refused with "say which: OWA redirection differs between RTM, SP1 and SP2"

  Scenario: An unknown version lists the versions there are
    When the administrator declares these Exchange servers:
      | Name    | Site    | Version       | Roles        |
      | CHI-CAS | Chicago | Exchange 2016 | ClientAccess |
    Then the declaration is refused with "accepted: Exchange 2003, Exchange 2007, Exchange 2007 SP1"

  Scenario: An unknown role
    When the administrator declares these Exchange servers:
      | Name    | Site    | Version           | Roles      |
      | CHI-CAS | Chicago | Exchange 2007 SP1 | WebAccess  |
    Then the declaration is refused with "\"WebAccess\" is not a Roles value; accepted: Mailbox, ClientAccess, UnifiedMessaging, HubTransport, Edge"

  Scenario: An unknown column
    When the administrator declares these Exchange servers:
      | Name    | Site    | Version           | Role         | Colour |
      | CHI-CAS | Chicago | Exchange 2007 SP1 | ClientAccess | blue   |
    Then the declaration is refused with "the column \"Colour\" is not one this table takes; accepted: Name, Site, Version, Roles, Fqdn"

  Scenario: A malformed URL
    Given these Exchange servers:
      | Name    | Site    | Version           | Roles        |
      | CHI-CAS | Chicago | Exchange 2007 SP1 | ClientAccess |
    When the administrator declares these OWA virtual directories:
      | Server  | ExternalUrl       |
      | CHI-CAS | mail.fourthcoffee |
    Then the declaration is refused with "\"mail.fourthcoffee\" is not an absolute URL; write it as https://host/path"

  Scenario: A mailbox on a server that holds no mailboxes
    Given these Exchange servers:
      | Name    | Site    | Version           | Roles        |
      | CHI-CAS | Chicago | Exchange 2007 SP1 | ClientAccess |
    When the administrator declares these mailboxes:
      | Name  | Server  |
      | carol | CHI-CAS |
    Then the declaration is refused with "CHI-CAS holds no mailboxes: it has no Mailbox role"
    And the directory holds no mailbox named "carol"

  Scenario: Exchange2003Url exists only on Exchange 2010
    Given these Exchange servers:
      | Name    | Site    | Version           | Roles        |
      | CHI-CAS | Chicago | Exchange 2007 SP1 | ClientAccess |
    When the administrator declares these OWA virtual directories:
      | Server  | Exchange2003Url                          |
      | CHI-CAS | https://legacy.fourthcoffee.com/exchange |
    Then the declaration is refused with "Exchange2003Url is not a parameter of Set-OwaVirtualDirectory on Exchange 2007 SP1; it exists on Exchange 2010"
