@impersonation
Feature: Exchange 2010: the ApplicationImpersonation role, limited by a management scope
  Exchange 2010 no longer reads the two extended rights: an account may impersonate when it is assigned the
  ApplicationImpersonation management role (New-ManagementRoleAssignment). Without a scope the assignment
  covers everyone in the organization; with -CustomRecipientWriteScope it covers the recipients the scope's
  RecipientRestrictionFilter matches, and a user outside the scope is refused.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name  | Site    | Version           | Roles                 |
      | EX10  | Redmond | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name  | Department | CustomAttribute1 | EmailAddresses          |
      | alice | Sales      | Portal           | alice.smith@contoso.com |
      | bob   | Legal      |                  |                         |
    And the service account svc-portal
    And the application server PORTAL01 runs as svc-portal, calls https://ex10.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress

  Scenario: No role assignment, no impersonation: nothing is granted by default
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition RBAC: "no ApplicationImpersonation role assignment names the caller"

  Scenario: The Exchange 2007 extended rights do nothing on an Exchange 2010 server
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity EX10 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied

  Scenario: Without a scope, the assignment covers everyone in the organization
    Given the Contoso administrator has run "New-ManagementRoleAssignment -Name PortalImpersonation -Role ApplicationImpersonation -User svc-portal"
    When bob signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError
    And every condition of server-to-server authorization passed (1, 3, 4, RBAC)
    And the EWS log of EX10 shows GetFolder by CONTOSO\bob with NoError

  Scenario: A scope that includes the user allows it; one that excludes him refuses it
    Given the Contoso administrator has run:
      """
      New-ManagementScope -Name "Sales mailboxes" -RecipientRestrictionFilter {Department -eq 'Sales'}
      New-ManagementRoleAssignment -Name PortalImpersonation -Role ApplicationImpersonation -User svc-portal -CustomRecipientWriteScope "Sales mailboxes"
      """
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError
    When bob signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition RBAC: "bob does not match Department -eq 'Sales'"

  Scenario: A scope on a custom attribute, with -and and -ne
    Given the Contoso administrator has run:
      """
      New-ManagementScope -Name "Portal users" -RecipientRestrictionFilter "CustomAttribute1 -eq 'Portal' -and Department -ne 'Legal'"
      New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-portal -CustomRecipientWriteScope "Portal users"
      """
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError
    When bob signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied

  Scenario: A scope's RecipientRoot limits it to the recipients under that container
    Given the Contoso administrator has run:
      """
      New-ManagementScope -Name "Everyone in Users" -RecipientRestrictionFilter {Alias -like '*'} -RecipientRoot contoso.com/Users
      New-ManagementScope -Name "Branch office" -RecipientRestrictionFilter {Alias -like '*'} -RecipientRoot "OU=Branch,DC=contoso,DC=com"
      New-ManagementRoleAssignment -Name BranchPortal -Role ApplicationImpersonation -User svc-portal -CustomRecipientWriteScope "Branch office"
      """
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition RBAC: "alice is not under OU=Branch,DC=contoso,DC=com"
    When the Contoso administrator runs "New-ManagementRoleAssignment -Name UsersPortal -Role ApplicationImpersonation -User svc-portal -CustomRecipientWriteScope 'Everyone in Users'"
    And alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError

  Scenario: The role assigned to a security group covers its members
    Given the security group "EWS Applications" with members svc-portal
    And the Contoso administrator has run "New-ManagementRoleAssignment -Role ApplicationImpersonation -SecurityGroup 'EWS Applications'"
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError

  Scenario: Removing the assignment takes the right away
    Given the Contoso administrator has run "New-ManagementRoleAssignment -Name PortalImpersonation -Role ApplicationImpersonation -User svc-portal"
    And the Contoso administrator has run "Get-ManagementRoleAssignment -Role ApplicationImpersonation"
    Then the output shows:
      | Name                | Role                     | RoleAssigneeName | CustomRecipientWriteScope |
      | PortalImpersonation | ApplicationImpersonation | svc-portal       |                           |
    When the Contoso administrator runs "Remove-ManagementRoleAssignment PortalImpersonation -Confirm:$false"
    And alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied

  Scenario: Exchange 2010 accepts SmtpAddress, any of the user's addresses
    Given the Contoso administrator has run "New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-portal"
    When PORTAL01 calls GetFolder Inbox impersonating "alice.smith@contoso.com" by SmtpAddress
    Then EWS answers NoError
    And the EWS log of EX10 shows GetFolder by CONTOSO\alice with NoError

  Scenario: A filter Exchange cannot read is refused where it is wrong, and no scope is created
    When the Contoso administrator tries "New-ManagementScope -Name Broken -RecipientRestrictionFilter {Dept -eq 'Sales'}"
    Then the command fails saying "is not a filterable recipient property"
    When the Contoso administrator tries "New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-portal -CustomRecipientWriteScope Broken"
    Then the command fails saying "\"Broken\" is not a management scope of this topology"
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
