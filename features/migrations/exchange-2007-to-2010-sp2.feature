@migration @redirection
Feature: Migration impact: Fourth Coffee moves from Exchange 2007 to Exchange 2010 SP2
  Fourth Coffee runs Exchange 2007 SP1 in Chicago (Internet-facing, https://mail.fourthcoffee.com/owa) and
  Dallas (reached through Chicago's CAS, which proxies to DAL-CAS). The migration adds Exchange 2010 SP2
  and moves mailboxes. Before each change the scenario records what every user gets at every OWA URL she
  uses today; after it, the impact lists each mailbox × entry URL whose outcome changed, from what to what.

  Background:
    Given the Exchange organization "Fourth Coffee" in the forest fourthcoffee.com
    And the Active Directory sites Chicago and Dallas
    And these Exchange servers:
      | Name    | Site    | Version           | Roles        |
      | CHI-CAS | Chicago | Exchange 2007 SP1 | ClientAccess |
      | CHI-MBX | Chicago | Exchange 2007 SP1 | Mailbox      |
      | DAL-CAS | Dallas  | Exchange 2007 SP1 | ClientAccess |
      | DAL-MBX | Dallas  | Exchange 2007 SP1 | Mailbox      |
    And these OWA virtual directories:
      | Server  | ExternalUrl                       | Authentication    |
      | CHI-CAS | https://mail.fourthcoffee.com/owa | Basic, Fba        |
      | DAL-CAS | $null                             | WindowsIntegrated |
    And these mailboxes:
      | Name  | Server  |
      | carol | CHI-MBX |
      | dave  | DAL-MBX |
      | erin  | DAL-MBX |
    And this is the topology before the migration

  Scenario: Dallas moves to Exchange 2010 first: an Exchange 2007 CAS cannot open the moved mailboxes
    Given these Exchange servers:
      | Name      | Site   | Version           | Roles        |
      | DAL-CAS10 | Dallas | Exchange 2010 SP2 | ClientAccess |
      | DAL-MBX10 | Dallas | Exchange 2010 SP2 | Mailbox      |
    And the administrator runs:
      """
      Set-OwaVirtualDirectory "DAL-CAS10\owa (Default Web Site)" -FormsAuthentication $false -WindowsAuthentication $true
      New-MoveRequest -Identity dave -TargetDatabase "Mailbox Database DAL-MBX10"
      """
    Then the migration changes:
      | Users | At                                   | Before                                 | After                                                                                                      |
      | dave  | https://mail.fourthcoffee.com/owa    | proxied to DAL-CAS                     | error: Outlook Web Access cannot open this mailbox: it is on a newer version of Exchange than this Client Access server. |
      | dave  | https://chi-cas.fourthcoffee.com/owa | proxied to DAL-CAS                     | error: Outlook Web Access cannot open this mailbox: it is on a newer version of Exchange than this Client Access server. |
      | dave  | https://dal-cas.fourthcoffee.com/owa | opened by DAL-CAS (mailbox on DAL-MBX) | error: Outlook Web Access cannot open this mailbox: it is on a newer version of Exchange than this Client Access server. |
    And the migration changes nothing for users in Chicago
    And the migration changes nothing for erin

  Scenario: The runbook's order: Exchange 2010 SP2 takes the Internet namespace, Exchange 2007 moves to a legacy one
    Given these Exchange servers:
      | Name      | Site    | Version           | Roles        |
      | CHI-CAS10 | Chicago | Exchange 2010 SP2 | ClientAccess |
      | DAL-CAS10 | Dallas  | Exchange 2010 SP2 | ClientAccess |
      | DAL-MBX10 | Dallas  | Exchange 2010 SP2 | Mailbox      |
    And the administrator runs:
      """
      # the old namespace for Exchange 2007 mailboxes, the Internet one for the 2010 CAS
      Set-OwaVirtualDirectory "CHI-CAS\owa (Default Web Site)" -ExternalUrl https://legacy.fourthcoffee.com/owa
      Set-OwaVirtualDirectory "CHI-CAS10\owa (Default Web Site)" -ExternalUrl https://mail.fourthcoffee.com/owa
      # Dallas stays behind Chicago: its 2010 CAS is proxied to, with Integrated Windows authentication
      Set-OwaVirtualDirectory "DAL-CAS10\owa (Default Web Site)" -FormsAuthentication $false -WindowsAuthentication $true
      New-MoveRequest -Identity dave -TargetDatabase "Mailbox Database DAL-MBX10"
      """
    # Erin's Exchange 2007 mailbox in Dallas is still proxied to DAL-CAS, now by the 2010 CAS: nothing changes for her.
    Then the migration changes:
      | Users | At                                   | Before                                                             | After                                                                                                      |
      | carol | https://mail.fourthcoffee.com/owa    | opened by CHI-CAS (mailbox on CHI-MBX)                             | silently redirected to https://legacy.fourthcoffee.com/owa, single sign-on                                 |
      | dave  | https://mail.fourthcoffee.com/owa    | proxied to DAL-CAS                                                 | proxied to DAL-CAS10                                                                                       |
      | carol | https://dal-cas.fourthcoffee.com/owa | shown a link to https://mail.fourthcoffee.com/owa, one more password prompt | shown a link to https://legacy.fourthcoffee.com/owa, one more password prompt                     |
      | dave  | https://chi-cas.fourthcoffee.com/owa | proxied to DAL-CAS                                                 | error: Outlook Web Access cannot open this mailbox: it is on a newer version of Exchange than this Client Access server. |
      | dave  | https://dal-cas.fourthcoffee.com/owa | opened by DAL-CAS (mailbox on DAL-MBX)                             | error: Outlook Web Access cannot open this mailbox: it is on a newer version of Exchange than this Client Access server. |
    And the migration changes nothing for erin

  Scenario: Adding the Exchange 2010 servers without moving a mailbox or a URL changes nothing for anybody
    Given these Exchange servers:
      | Name      | Site    | Version           | Roles        |
      | CHI-CAS10 | Chicago | Exchange 2010 SP2 | ClientAccess |
      | DAL-MBX10 | Dallas  | Exchange 2010 SP2 | Mailbox      |
    Then the migration changes nothing
