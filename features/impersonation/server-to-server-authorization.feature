@impersonation
Feature: Exchange 2007 server-to-server authorization: the five conditions
  A web portal acts for the users who signed in to it: it calls Exchange Web Services on CAS01 with its own
  account, svc-portal, and names the user in an ExchangeImpersonation header. Exchange lets it act as the
  user only when five conditions hold: the user signed in to the portal; svc-portal holds
  ms-Exch-EPI-Impersonation on the Client Access server; the header names the user by UPN, SID or primary
  SMTP address; the user has a mailbox; svc-portal holds ms-Exch-EPI-May-Impersonate on the user's account
  or on her mailbox database. Nothing is granted by default.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name  | Site    | Version           | Roles        |
      | CAS01 | Redmond | Exchange 2007 SP1 | ClientAccess |
      | MBX01 | Redmond | Exchange 2007 SP1 | Mailbox      |
    And these mailboxes:
      | Name  | Server | EmailAddresses          |
      | alice | MBX01  | alice.smith@contoso.com |
      | bob   | MBX01  |                         |
    And the service account svc-portal
    And the application server PORTAL01 runs as svc-portal, calls https://cas01.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress

  Scenario: All five conditions hold: the portal opens Alice's Inbox as Alice, and the log says Alice did
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError
    And the answer lists the folder "Inbox"
    And every condition of server-to-server authorization passed
    And the EWS log of CAS01 shows GetFolder by CONTOSO\alice with NoError
    And no line of the EWS log of CAS01 names svc-portal

  Scenario: Condition 1: a user who cannot sign in to the portal gets nowhere, and Exchange sees nothing
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When alice signs in to PORTAL01 with a wrong password and calls GetFolder Inbox
    Then the request is refused with HTTP 401
    And server-to-server authorization stopped at condition 1: "PORTAL01 could not sign the user in"
    And CAS01 received no EWS request

  Scenario: Condition 1 at Exchange: the portal's own account must sign in to the Client Access server
    Given the application server PORTAL02 runs as svc-nobody, calls https://cas01.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress
    When PORTAL02 calls GetFolder Inbox impersonating alice by PrimarySmtpAddress
    Then the request is refused with HTTP 401
    And server-to-server authorization stopped at condition 1: "no account matches the user name svc-nobody"

  Scenario: Condition 2: without ms-Exch-EPI-Impersonation on the Client Access server, ErrorImpersonationDenied
    Given the Contoso administrator has run "Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate"
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonationDenied
    And server-to-server authorization stopped at condition 2: "no entry on CAS01 grants it"
    And the EWS log of CAS01 shows GetFolder by CONTOSO\svc-portal with ErrorImpersonationDenied

  Scenario: Condition 2: an administrators' group is denied impersonation explicitly, and the deny wins
    Given the security group "Domain Admins" with members svc-portal
    And the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonationDenied
    And server-to-server authorization stopped at condition 2: "denied to S-1-5-21-"

  Scenario Outline: Condition 3: the header names the user by <Element>
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When PORTAL01 calls GetFolder Inbox impersonating alice by <Element>
    Then EWS answers NoError
    And the EWS log of CAS01 shows GetFolder by CONTOSO\alice with NoError

    Examples:
      | Element            |
      | PrincipalName      |
      | SID                |
      | PrimarySmtpAddress |

  Scenario: Condition 3: Exchange 2007 does not know SmtpAddress, which came with Exchange 2010
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When PORTAL01 calls GetFolder Inbox impersonating alice by SmtpAddress
    Then EWS refuses the request with the fault ErrorInvalidExchangeImpersonationHeaderData
    And server-to-server authorization stopped at condition 3: "t:SmtpAddress is an Exchange 2010 element"

  Scenario: Condition 3: an empty ConnectingSID is ErrorInvalidExchangeImpersonationHeaderData
    Given the Contoso administrator has run "Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation"
    When PORTAL01 calls GetFolder Inbox with the ConnectingSID:
      | Element            | Value |
      | PrimarySmtpAddress | ""    |
    Then EWS refuses the request with the fault ErrorInvalidExchangeImpersonationHeaderData
    And server-to-server authorization stopped at condition 3: "is empty"

  Scenario: Condition 3: a SID that is not a SID is ErrorInvalidSid
    Given the Contoso administrator has run "Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation"
    When PORTAL01 calls GetFolder Inbox impersonating "alice" by SID
    Then EWS refuses the request with the fault ErrorInvalidSid

  Scenario: Condition 4: a user without a mailbox cannot be impersonated (ErrorNonExistentMailbox)
    Given the service account svc-batch
    And the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Add-ADPermission -Identity svc-batch -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When PORTAL01 calls GetFolder Inbox impersonating svc-batch by PrincipalName
    Then EWS refuses the request with the fault ErrorNonExistentMailbox
    And server-to-server authorization stopped at condition 4: "svc-batch has no mailbox"

  Scenario: Condition 4: an address no mailbox has is ErrorNonExistentMailbox
    Given the Contoso administrator has run "Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation"
    When PORTAL01 calls GetFolder Inbox impersonating "carol@contoso.com" by PrimarySmtpAddress
    Then EWS refuses the request with the fault ErrorNonExistentMailbox

  Scenario: Condition 5: without ms-Exch-EPI-May-Impersonate, ErrorImpersonateUserDenied
    Given the Contoso administrator has run "Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation"
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition 5: "no entry on alice or on the mailbox database grants it"

  Scenario: Condition 5: the right on one account covers that account only
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-Mailbox alice | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When bob signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError

  Scenario: Condition 5: a deny on the account beats the allow on its database
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      Add-ADPermission -Identity bob -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate -Deny
      """
    When bob signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition 5: "denied to S-1-5-21-"
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError

  Scenario: A mistyped right is refused by the shell, naming what is accepted, and nothing is granted
    When the Contoso administrator tries:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-Impersonate
      """
    Then the command fails saying "is not an extended right modelled here; accepted: ms-Exch-EPI-Impersonation, ms-Exch-EPI-May-Impersonate, Receive-As, Send-As"
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonationDenied
