@impersonation
Feature: Migration: the same application before and after moving from the 2007 rights to the 2010 role
  Contoso's portal was set up for Exchange 2007 with Add-ADPermission. When the organization adds Exchange
  2010 and the portal is pointed at the new Client Access server, the old rights stop counting: Exchange 2010
  reads the ApplicationImpersonation role. The runbook assigns the role before moving the portal.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name  | Site    | Version           | Roles                 |
      | EX07  | Redmond | Exchange 2007 SP1 | ClientAccess, Mailbox |
      | EX10  | Redmond | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name  | Server |
      | alice | EX07   |
      | bob   | EX10   |
    And the service account svc-portal
    And the application server PORTAL01 runs as svc-portal, calls https://ex07.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress
    And the Contoso administrator has run:
      """
      Add-ADPermission -Identity EX07 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """

  Scenario: Before: the 2007 rights work on the 2007 Client Access server
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError
    And every condition of server-to-server authorization passed (1, 2, 3, 4, 5)

  Scenario: Moved without the role: the 2010 server refuses although the 2007 rights are still there
    When PORTAL01 is reconfigured to call https://ex10.contoso.com/EWS/Exchange.asmx
    And alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition RBAC: "no ApplicationImpersonation role assignment"

  Scenario: After: the role is assigned, the portal moves, and the 2007 rights can be removed
    Given the Contoso administrator has run "New-ManagementRoleAssignment -Name PortalImpersonation -Role ApplicationImpersonation -User svc-portal"
    When PORTAL01 is reconfigured to call https://ex10.contoso.com/EWS/Exchange.asmx
    And alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError
    And every condition of server-to-server authorization passed (1, 3, 4, RBAC)
    When the Contoso administrator runs:
      """
      Remove-ADPermission -Identity EX07 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation -Confirm:$false
      Get-MailboxDatabase | Remove-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate -Confirm:$false
      """
    And bob signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError

  Scenario: After the rights are removed, the 2007 server refuses the portal: roll back with care
    Given the Contoso administrator has run:
      """
      New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-portal
      Remove-ADPermission -Identity EX07 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation -Confirm:$false
      """
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonationDenied
