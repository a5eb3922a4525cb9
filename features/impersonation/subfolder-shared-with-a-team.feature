@impersonation
Feature: A subfolder shared with a team, through an intermediary server
  Alice creates a subfolder of her Inbox for her team and gives the team read and write access to its items,
  and to nothing else in her mailbox. A team member working through an intermediary server that impersonates
  her gets exactly that: the intermediary acts with the member's rights, not with its own, and not with more.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name  | Site    | Version           | Roles                 |
      | EX01  | Redmond | Exchange 2007 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name  |
      | alice |
      | bob   |
      | carol |
      | dave  |
    And the security group "Project X Team" with members bob and carol
    And the service account svc-hub
    And the application server HUB01 runs as svc-hub, calls https://ex01.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress
    And the Contoso administrator has run:
      """
      Add-ADPermission -Identity EX01 -User CONTOSO\svc-hub -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-hub -ExtendedRights ms-Exch-EPI-May-Impersonate
      New-MailboxFolder -Parent alice:\Inbox -Name "Project X"
      Add-MailboxFolderPermission -Identity "alice:\Inbox\Project X" -User "Project X Team" -AccessRights Editor
      """
    And alice's mailbox holds in Inbox\Project X:
      | Subject        |
      | Design review  |
    And alice's mailbox holds in Inbox:
      | Subject        |
      | Salary letter  |

  Scenario: A team member reads and writes the shared folder through the intermediary
    When bob signs in to HUB01 and calls FindItem in alice's folder "Inbox\Project X"
    Then EWS answers NoError
    And the answer lists the item "Design review"
    When carol signs in to HUB01 and calls CreateItem "Sprint planning" from 2011-12-13T09:00:00Z to 2011-12-13T10:00:00Z in alice's folder "Inbox\Project X"
    Then EWS answers NoError
    And the EWS log of EX01 shows CreateItem by CONTOSO\carol with NoError

  Scenario: The rest of Alice's mailbox stays closed to the team member
    When bob signs in to HUB01 and calls FindItem in alice's Inbox
    Then EWS answers ErrorAccessDenied
    When bob signs in to HUB01 and calls FindItem in alice's Calendar
    Then EWS answers ErrorAccessDenied

  Scenario: Someone outside the team gets nothing, though the intermediary may impersonate him
    When dave signs in to HUB01 and calls FindItem in alice's folder "Inbox\Project X"
    Then EWS answers ErrorAccessDenied
    And every condition of server-to-server authorization passed

  Scenario: The intermediary's own account has no access of its own to the shared folder
    When HUB01 calls FindItem in alice's folder "Inbox\Project X" as itself
    Then EWS answers ErrorAccessDenied
    When HUB01 calls FindItem in alice's Inbox as itself
    Then EWS answers ErrorAccessDenied

  Scenario: Reviewer lets the team read but not write
    Given the Contoso administrator has run "Set-MailboxFolderPermission -Identity 'alice:\Inbox\Project X' -User 'Project X Team' -AccessRights Reviewer"
    When bob signs in to HUB01 and calls FindItem in alice's folder "Inbox\Project X"
    Then EWS answers NoError
    When bob signs in to HUB01 and calls CreateItem "Late idea" from 2011-12-13T09:00:00Z to 2011-12-13T10:00:00Z in alice's folder "Inbox\Project X"
    Then EWS answers ErrorAccessDenied
