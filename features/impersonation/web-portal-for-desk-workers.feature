@impersonation
Feature: A web portal acts for desk workers after one sign-in
  A financial services company moves its desk workers to Exchange 2007 behind a web portal. The workers sign
  in to the portal once; the portal then opens their mail and calendar on Exchange silently, with its own
  account, as each of them. The rights are granted once, on the desk workers' mailbox database.

  Background:
    Given the Exchange organization "Woodgrove" in the forest woodgrove.com
    And the Active Directory site NewYork
    And these Exchange servers:
      | Name     | Site    | Version           | Roles        |
      | NY-CAS01 | NewYork | Exchange 2007 SP1 | ClientAccess |
      | NY-MBX01 | NewYork | Exchange 2007 SP1 | Mailbox      |
      | NY-MBX02 | NewYork | Exchange 2007 SP1 | Mailbox      |
    And these mailbox databases:
      | Name              | Server   |
      | Desk Workers      | NY-MBX01 |
      | Executives        | NY-MBX02 |
    And these mailboxes:
      | Name    | Database     |
      | trader1 | Desk Workers |
      | trader2 | Desk Workers |
      | cfo     | Executives   |
    And the service account svc-deskportal
    And the application server DESKPORTAL runs as svc-deskportal, calls https://ny-cas01.woodgrove.com/EWS/Exchange.asmx and identifies users by PrincipalName
    And the Woodgrove administrator has run:
      """
      Get-ExchangeServer NY-CAS01 | Add-ADPermission -User WOODGROVE\svc-deskportal -ExtendedRights ms-Exch-EPI-Impersonation
      Add-ADPermission -Identity "Desk Workers" -User WOODGROVE\svc-deskportal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    And trader1's mailbox holds in Inbox:
      | Subject              |
      | Morning market brief |

  Scenario: One sign-in, then the portal reads her Inbox and books her calendar as her
    When trader1 signs in to DESKPORTAL and calls FindItem in Inbox
    Then EWS answers NoError
    And the answer lists the item "Morning market brief"
    When trader1 signs in to DESKPORTAL and calls CreateItem "Client call" from 2011-12-12T15:00:00Z to 2011-12-12T15:30:00Z in Calendar
    Then EWS answers NoError
    And the EWS log of NY-CAS01 shows FindItem by WOODGROVE\trader1 with NoError
    And the EWS log of NY-CAS01 shows CreateItem by WOODGROVE\trader1 with NoError
    And no line of the EWS log of NY-CAS01 names svc-deskportal

  Scenario: The right on the database covers every desk worker in it
    When trader2 signs in to DESKPORTAL and calls GetFolder Calendar
    Then EWS answers NoError
    And every condition of server-to-server authorization passed

  Scenario: A mailbox in another database is out of the portal's reach
    When cfo signs in to DESKPORTAL and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition 5: "no entry on cfo or on the mailbox database grants it"

  Scenario: The portal sees what the desk worker sees, not more: another worker's Inbox stays closed
    When trader2 signs in to DESKPORTAL and calls FindItem in trader1's Inbox
    Then EWS answers ErrorAccessDenied
    And the EWS log of NY-CAS01 shows FindItem by WOODGROVE\trader2 with ErrorAccessDenied
