@impersonation @shell
Feature: Granting impersonation with the Exchange Management Shell, as the runbook says
  On Exchange 2007 an application's account is granted ms-Exch-EPI-Impersonation on the Client Access server
  and ms-Exch-EPI-May-Impersonate on the mailbox databases (or accounts) with Add-ADPermission, by name or
  from Get-ExchangeServer, Get-MailboxDatabase or Get-StorageGroup through the pipeline. On Exchange 2010 it is
  assigned the ApplicationImpersonation role, limited by a management scope. The commands are pasted as they
  are; the shell checks a whole script before it runs any of it, so a mistake on its last line names the
  cmdlet, the parameter and what Exchange accepts, and nothing of the script is applied.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name  | Site    | Version           | Roles                 |
      | CAS01 | Redmond | Exchange 2007 SP1 | ClientAccess          |
      | MBX01 | Redmond | Exchange 2007 SP1 | Mailbox               |
      | EX10  | Redmond | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name  | Server | Department |
      | alice | MBX01  | Sales      |
      | bob   | MBX01  | Legal      |
      | carol | EX10   | Sales      |
      | dave  | EX10   | Legal      |
    And the service account svc-portal
    And the application server PORTAL07 runs as svc-portal, calls https://cas01.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress
    And the application server PORTAL10 runs as svc-portal, calls https://ex10.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress

  Scenario: Add-ADPermission on the Client Access server, and from Get-MailboxDatabase on the database: the portal acts for Alice
    When the Contoso administrator runs:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase -Server MBX01 | Add-ADPermission -User 'CONTOSO\svc-portal' -ExtendedRights "ms-Exch-EPI-May-Impersonate"
      """
    Then the output shows:
      | Identity               | User               | Deny  | ExtendedRights              |
      | Mailbox Database MBX01 | CONTOSO\svc-portal | False | ms-Exch-EPI-May-Impersonate |
    And Contoso's Get-ADPermission CAS01 -User svc-portal shows:
      | Identity      | User               | Deny  | Rights                    |
      | CONTOSO\CAS01 | CONTOSO\svc-portal | False | ms-Exch-EPI-Impersonation |
    When alice signs in to PORTAL07 and calls GetFolder Inbox
    Then EWS answers NoError
    And every condition of server-to-server authorization passed

  Scenario: Get-ExchangeServer piped into Add-ADPermission, and -Deny on one account overrides the database's grant until it is removed
    Given the Contoso administrator has run:
      """
      Get-ExchangeServer CAS01 | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When the Contoso administrator runs "Add-ADPermission -Identity bob -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate -Deny:$true"
    And bob signs in to PORTAL07 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    When alice signs in to PORTAL07 and calls GetFolder Inbox
    Then EWS answers NoError
    When the Contoso administrator runs "Remove-ADPermission -Identity bob -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate -Deny -Confirm:$false"
    And bob signs in to PORTAL07 and calls GetFolder Inbox
    Then EWS answers NoError

  Scenario: A list of rights, -AccessRights and -InheritanceType, and Remove-ADPermission of an entry the line before made
    When the Contoso administrator runs:
      """
      Add-ADPermission "Mailbox Database MBX01" -User svc-portal -ExtendedRights Receive-As,Send-As -AccessRights ExtendedRight -InheritanceType All
      Remove-ADPermission "Mailbox Database MBX01" -User svc-portal -ExtendedRights Send-As -Confirm:$false
      """
    Then Contoso's Get-ADPermission "Mailbox Database MBX01" -User svc-portal shows:
      | Identity                       | User               | Deny  | Rights     |
      | CONTOSO\Mailbox Database MBX01 | CONTOSO\svc-portal | False | Receive-As |

  Scenario: Get-StorageGroup piped into Add-ADPermission, as the seed prints it; Exchange 2010 has no storage group
    When the Contoso administrator runs "Get-StorageGroup | add-ADPermission –user svc-portal -ExtendedRights Receive-As"
    Then Contoso's Get-ADPermission "First Storage Group" -User svc-portal shows:
      | Identity                  | User               | Deny  | Rights     |
      | MBX01\First Storage Group | CONTOSO\svc-portal | False | Receive-As |
    When the Contoso administrator tries "Get-StorageGroup -Server EX10 | Add-ADPermission -User svc-portal -ExtendedRights Receive-As"
    Then the command fails saying "Get-StorageGroup -Server (line 1): EX10 has no storage group: storage groups are Exchange 2003's and 2007's; on Exchange 2010 use Get-MailboxDatabase"

  Scenario: New-ManagementScope, and New-ManagementRoleAssignment limited by the scope the line before creates
    When the Contoso administrator runs:
      """
      New-ManagementScope -Name "Sales mailboxes" -RecipientRestrictionFilter {Department -eq 'Sales'} -RecipientRoot contoso.com/Users
      New-ManagementRoleAssignment -Name PortalImpersonation -Role ApplicationImpersonation -User svc-portal -CustomRecipientWriteScope "Sales mailboxes"
      """
    Then Contoso's Get-ManagementScope shows:
      | Name            | RecipientRoot     | RecipientFilter        |
      | Sales mailboxes | contoso.com/Users | Department -eq 'Sales' |
    And Contoso's Get-ManagementRoleAssignment -Role ApplicationImpersonation shows:
      | Name                | Role                     | RoleAssigneeName | CustomRecipientWriteScope |
      | PortalImpersonation | ApplicationImpersonation | svc-portal       | Sales mailboxes           |
    When carol signs in to PORTAL10 and calls GetFolder Inbox
    Then EWS answers NoError
    When dave signs in to PORTAL10 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition RBAC: "dave does not match Department -eq 'Sales'"

  Scenario: The role assigned to a security group, and an assignment removed on the line after it was made
    Given the security group "EWS Applications" with members svc-portal
    When the Contoso administrator runs:
      """
      New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-portal
      New-ManagementRoleAssignment -Role ApplicationImpersonation -SecurityGroup 'EWS Applications'
      Remove-ManagementRoleAssignment ApplicationImpersonation-svc-portal -Confirm:$false
      """
    Then Contoso's Get-ManagementRoleAssignment shows:
      | Name                                      | RoleAssigneeName | CustomRecipientWriteScope |
      | ApplicationImpersonation-EWS Applications | EWS Applications |                           |
    When dave signs in to PORTAL10 and calls GetFolder Inbox
    Then EWS answers NoError

  Scenario: New-MailboxFolder, and a permission on the folder the line before creates
    When the Contoso administrator runs:
      """
      New-MailboxFolder -Parent alice:\Inbox -Name "Project X"
      Add-MailboxFolderPermission -Identity "alice:\Inbox\Project X" -User bob -AccessRights Reviewer
      """
    Then Contoso's Get-MailboxFolderPermission "alice:\Inbox\Project X" -User bob shows:
      | FolderName | User        | AccessRights |
      | Project X  | CONTOSO\bob | {Reviewer}   |

  Scenario Outline: A mistake in the last line names the cmdlet, the parameter and what is accepted, and nothing of the script is applied
    When the Contoso administrator tries:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      New-ManagementScope -Name "Sales mailboxes" -RecipientRestrictionFilter {Department -eq 'Sales'}
      New-ManagementRoleAssignment -Name PortalImpersonation -Role ApplicationImpersonation -User svc-portal -CustomRecipientWriteScope "Sales mailboxes"
      <last line>
      """
    Then the command fails saying "<message>"
    And Contoso's Get-ADPermission CAS01 -User svc-portal shows nothing
    And Contoso's Get-ManagementScope shows nothing
    And Contoso's Get-ManagementRoleAssignment shows nothing

    Examples: what Exchange refuses
      | last line                                                                                                             | message                                                                                                                                                                                |
      | Get-MailboxDatabase \| Add-ADPermission -User svc-portal -Rights ms-Exch-EPI-May-Impersonate                          | Add-ADPermission (line 4): Add-ADPermission has no parameter -Rights; accepted: -Identity, -User, -ExtendedRights                                                                      |
      | Get-MailboxDatabase \| Add-ADPermission -User svc-portal -ExtendedRights ms-Exch-Impersonate                          | Add-ADPermission -ExtendedRights \"ms-Exch-Impersonate\" is not an extended right modelled here; accepted: ms-Exch-EPI-Impersonation, ms-Exch-EPI-May-Impersonate, Receive-As, Send-As |
      | Get-MailboxDatabase \| Add-ADPermission -User svc-portal                                                              | Add-ADPermission (line 4): Add-ADPermission needs -ExtendedRights; accepted: ms-Exch-EPI-Impersonation, ms-Exch-EPI-May-Impersonate, Receive-As, Send-As                               |
      | Add-ADPermission -Identity MBX01 -User svc-portal -ExtendedRights Receive-As -AccessRights GenericAll                 | Add-ADPermission -AccessRights does not accept \"GenericAll\"; accepted: ExtendedRight                                                                                                 |
      | Add-ADPermission -Identity MBX01 -User svc-portal -ExtendedRights Receive-As -InheritanceType Descendents             | Add-ADPermission -InheritanceType does not accept \"Descendents\"; accepted: All                                                                                                       |
      | Add-ADPermission -Identity MBX01 -User svc-portal -ExtendedRights Receive-As -Deny yes                                | Add-ADPermission -Deny expects $true or $false, not text                                                                                                                               |
      | Add-ADPermission -Identity CAS02 -User svc-portal -ExtendedRights ms-Exch-EPI-Impersonation                           | Add-ADPermission -Identity (line 4): \"CAS02\" is not a server, storage group, mailbox database or account of this topology                                                            |
      | Add-ADPermission -Identity EX10 -User svc-protal -ExtendedRights ms-Exch-EPI-Impersonation                            | Add-ADPermission -User (line 4): \"svc-protal\" is not an account of this topology; accepted: svc-portal                                                                               |
      | Get-StorageGroup -Server EX10 \| Add-ADPermission -User svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate        | Get-StorageGroup -Server (line 4): EX10 has no storage group                                                                                                                           |
      | Get-MailboxDatabase -Server CAS01 \| Add-ADPermission -User svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate    | Get-MailboxDatabase -Server (line 4): CAS01 holds no mailbox database: it is not a Mailbox server                                                                                      |
      | Remove-ADPermission -Identity CAS01 -User svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate -Confirm:$false      | Remove-ADPermission -User (line 4): CAS01 has no allow entry for svc-portal with ms-Exch-EPI-May-Impersonate to remove                                                                 |
      | New-ManagementScope -Name "Legal mailboxes"                                                                           | New-ManagementScope (line 4): New-ManagementScope needs -RecipientRestrictionFilter                                                                                                    |
      | New-ManagementScope -Name "Legal mailboxes" -RecipientRestrictionFilter {Dept -eq 'Legal'}                            | New-ManagementScope -RecipientRestrictionFilter (line 4): column 2: \"Dept\" is not a filterable recipient property                                                                    |
      | New-ManagementScope -Name "Legal mailboxes" -RecipientRestrictionFilter {Department -eq 'Legal'} -RecipientRoot Users | -RecipientRoot \"Users\" is neither contoso.com/Users nor a distinguished name                                                                                                         |
      | New-ManagementScope -Name "sales mailboxes" -RecipientRestrictionFilter {Department -eq 'Legal'}                      | New-ManagementScope -Name (line 4): a management scope named \"sales mailboxes\" already exists                                                                                        |
      | New-ManagementRoleAssignment -Role ApplicationImpersonator -User svc-portal                                           | New-ManagementRoleAssignment -Role (line 4): \"ApplicationImpersonator\" is not a management role modelled here; accepted: ApplicationImpersonation                                    |
      | New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-portal -SecurityGroup "Domain Admins"           | New-ManagementRoleAssignment (line 4): New-ManagementRoleAssignment takes -User or -SecurityGroup, not both                                                                            |
      | New-ManagementRoleAssignment -Role ApplicationImpersonation                                                           | New-ManagementRoleAssignment (line 4): New-ManagementRoleAssignment needs -User (an account) or -SecurityGroup (a group)                                                               |
      | New-ManagementRoleAssignment -Role ApplicationImpersonation -SecurityGroup svc-portal                                 | New-ManagementRoleAssignment -SecurityGroup (line 4): svc-portal is not a security group                                                                                               |
      | New-ManagementRoleAssignment -Name PortalImpersonation -Role ApplicationImpersonation -User svc-portal                | New-ManagementRoleAssignment -Name (line 4): a management role assignment named \"PortalImpersonation\" already exists                                                                 |
      | New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-portal -CustomRecipientWriteScope Legal         | New-ManagementRoleAssignment -CustomRecipientWriteScope (line 4): \"Legal\" is not a management scope of this topology; accepted: Sales mailboxes                                      |
      | Remove-ManagementRoleAssignment PortalImpersonaton -Confirm:$false                                                    | Remove-ManagementRoleAssignment -Identity (line 4): \"PortalImpersonaton\" is not a management role assignment of this topology; accepted: PortalImpersonation                         |
      | Add-MailboxFolderPermission -Identity "alice:\Inbox\Project X" -User bob -AccessRights Reviewer                       | Add-MailboxFolderPermission -Identity (line 4): alice:\Inbox\Project X: alice@contoso.com has no folder \"Inbox\Project X\"                                                            |
      | Set-MailboxFolderPermission -Identity alice:\Calendar -User bob -AccessRights Reader                                  | \"Reader\" is not a folder permission                                                                                                                                                  |
      | New-Mailbox -Name "Erin Hill" -UserPrincipalName erin@contoso.com                                                     | Add-ADPermission (line 1) is impersonation's and New-Mailbox (line 4) the topology's                                                                                                   |
