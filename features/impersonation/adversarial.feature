@impersonation
Feature: Adversarial: every gap an application might try to impersonate through is closed
  Each attempt below is refused, with the error Exchange gives for it. Rights are granted correctly to
  svc-portal in the background except where a scenario says otherwise.

  Background:
    Given the account forest partner.example
    And the user accounts mallory
    And the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name  | Site    | Version           | Roles        |
      | CAS01 | Redmond | Exchange 2007 SP1 | ClientAccess |
      | MBX01 | Redmond | Exchange 2007 SP1 | Mailbox      |
      | MBX02 | Redmond | Exchange 2007 SP1 | Mailbox      |
    And these mailbox databases:
      | Name       | Server |
      | Staff      | MBX01  |
      | Management | MBX02  |
    And these mailboxes:
      | Name  | Database   | EmailAddresses          |
      | alice | Staff      | alice.smith@contoso.com |
      | ceo   | Management |                         |
    And the service accounts svc-portal and svc-other
    And the application server PORTAL01 runs as svc-portal, calls https://cas01.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress

  Scenario: The right on the wrong object: May-Impersonate on the server, Impersonation on the database
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      Add-ADPermission -Identity Staff -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      """
    When PORTAL01 calls GetFolder Inbox impersonating alice by PrimarySmtpAddress
    Then EWS refuses the request with the fault ErrorImpersonationDenied

  Scenario: The right on another database does not reach a mailbox in this one
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Add-ADPermission -Identity Staff -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When PORTAL01 calls GetFolder Inbox impersonating ceo by PrimarySmtpAddress
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition 5: "no entry on ceo or on the mailbox database grants it"

  Scenario: The rights granted to another account are not the caller's
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Add-ADPermission -Identity Staff -User CONTOSO\svc-other -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When PORTAL01 calls GetFolder Inbox impersonating alice by PrimarySmtpAddress
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied

  Scenario: An SMTP alias is not the primary SMTP address
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When PORTAL01 calls GetFolder Inbox impersonating "alice.smith@contoso.com" by PrimarySmtpAddress
    Then EWS refuses the request with the fault ErrorNonPrimarySmtpAddress
    And server-to-server authorization stopped at condition 3: "whose primary SMTP address is alice@contoso.com"

  Scenario: The SID of a user in a forest Contoso does not trust
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When PORTAL01 calls GetFolder Inbox impersonating mallory by SID
    Then EWS refuses the request with the fault ErrorImpersonationFailed
    And server-to-server authorization stopped at condition 4: "belongs to a domain this forest does not trust"

  Scenario: A header naming two users
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When PORTAL01 calls GetFolder Inbox with the ConnectingSID:
      | Element            | Value             |
      | PrimarySmtpAddress | alice@contoso.com |
      | PrimarySmtpAddress | ceo@contoso.com   |
    Then EWS refuses the request with the fault ErrorInvalidExchangeImpersonationHeaderData
    And server-to-server authorization stopped at condition 3: "holds 2 identities"

  Scenario: An identity element that ConnectingSID does not have
    Given the Contoso administrator has run "Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation"
    When PORTAL01 calls GetFolder Inbox with the ConnectingSID:
      | Element | Value |
      | Alias   | ceo   |
    Then EWS refuses the request with the fault ErrorInvalidExchangeImpersonationHeaderData

  Scenario: A signed-in user slips her own header through the portal to act as the CEO
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When alice sends PORTAL01 a GetFolder Inbox request that impersonates ceo@contoso.com
    Then the request is refused with HTTP 400
    And CAS01 received no EWS request

  Scenario: Without any header, the application's account acts as itself and gets nothing of anyone's
    Given the Contoso administrator has run:
      """
      Add-ADPermission -Identity CAS01 -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User CONTOSO\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    When PORTAL01 calls FindItem in ceo's Inbox as itself
    Then EWS answers ErrorAccessDenied
