@migration @impersonation
Feature: Migration impact: an application moves from the Exchange 2007 rights to the 2010 role
  Contoso's portal impersonates users with the Exchange 2007 extended rights (ms-Exch-EPI-Impersonation on
  the Client Access server, ms-Exch-EPI-May-Impersonate on the databases). Pointing it at the Exchange 2010
  CAS is the migration; the impact says, user by user, whether the portal can still open her mailbox.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name | Site    | Version           | Roles                 |
      | EX07 | Redmond | Exchange 2007 SP1 | ClientAccess, Mailbox |
      | EX10 | Redmond | Exchange 2010 SP1 | ClientAccess, Mailbox |
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
    And this is the topology before the migration

  Scenario: Repointed without the role: Exchange 2010 refuses the portal for every user
    When PORTAL01 is reconfigured to call https://ex10.contoso.com/EWS/Exchange.asmx
    Then the migration changes:
      | Question      | Users | At       | Before      | After                           |
      | impersonation | alice | PORTAL01 | EWS NoError | EWS ErrorImpersonateUserDenied  |
      | impersonation | bob   | PORTAL01 | EWS NoError | EWS ErrorImpersonateUserDenied  |

  Scenario: The runbook: assign ApplicationImpersonation, then repoint: nothing changes for anybody
    Given the Contoso administrator has run "New-ManagementRoleAssignment -Name PortalImpersonation -Role ApplicationImpersonation -User svc-portal"
    When PORTAL01 is reconfigured to call https://ex10.contoso.com/EWS/Exchange.asmx
    Then the migration changes nothing

  Scenario: Removing the 2007 rights before repointing breaks the portal while it still calls Exchange 2007
    Given the Contoso administrator has run:
      """
      New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-portal
      Remove-ADPermission -Identity EX07 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation -Confirm:$false
      """
    Then the migration changes:
      | Question      | Users      | At       | Before      | After                        |
      | impersonation | alice, bob | PORTAL01 | EWS NoError | EWS ErrorImpersonationDenied |
