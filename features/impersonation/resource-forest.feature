@impersonation
Feature: Server-to-server authorization in a resource forest
  Fabrikam keeps its Exchange servers and mailboxes in a resource forest, and its people's accounts in an
  account forest. Each mailbox is a linked mailbox: its msExchMasterAccountSid names the owner's account in
  the account forest. The resource forest trusts the account forest one way; the account forest does not
  trust it back. The portal signs people in against the account forest and names them by their SID.

  Background:
    Given the account forest corp.fabrikam.com
    And the user accounts alice and bob
    And the Exchange organization "Fabrikam" in the forest mail.fabrikam.com
    And the Active Directory site Dublin
    And these Exchange servers:
      | Name  | Site   | Version           | Roles                 |
      | EX01  | Dublin | Exchange 2007 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name  | LinkedMasterAccount |
      | alice | CORP\alice          |
    And the service account svc-portal
    And the application server PORTAL01 runs as svc-portal, calls https://ex01.mail.fabrikam.com/EWS/Exchange.asmx and identifies users by SID, its users signing in to the forest corp.fabrikam.com
    And the Fabrikam administrator has run:
      """
      Add-ADPermission -Identity EX01 -User MAIL\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase | Add-ADPermission -User MAIL\svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate
      """

  Scenario: With the one-way trust, the portal opens Alice's linked mailbox by her account-forest SID
    Given the forest mail.fabrikam.com trusts the forest corp.fabrikam.com (one way)
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS answers NoError
    And every condition of server-to-server authorization passed
    And the EWS log of EX01 shows GetFolder by MAIL\alice with NoError

  Scenario: Without a trust, Exchange cannot build a token for the account: ErrorImpersonationFailed
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonationFailed
    And server-to-server authorization stopped at condition 4: "in a forest this one does not trust (no trust)"

  Scenario: A trust the wrong way round does not help
    Given the forest corp.fabrikam.com trusts the forest mail.fabrikam.com (one way)
    When alice signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorImpersonationFailed
    And server-to-server authorization stopped at condition 4: "inbound only: it trusts this forest, not the other way"

  Scenario: An account-forest user without a linked mailbox has no mailbox here
    Given the forest mail.fabrikam.com trusts the forest corp.fabrikam.com (one way)
    When bob signs in to PORTAL01 and calls GetFolder Inbox
    Then EWS refuses the request with the fault ErrorNonExistentMailbox
    And server-to-server authorization stopped at condition 4: "no account or linked mailbox of this forest has the SID"

  Scenario: The account forest's user principal name means nothing in the resource forest, which is why the portal sends the SID
    Given the forest mail.fabrikam.com trusts the forest corp.fabrikam.com (one way)
    When PORTAL01 calls GetFolder Inbox impersonating "alice@corp.fabrikam.com" by PrincipalName
    Then EWS refuses the request with the fault ErrorNonExistentMailbox

  Scenario: A sign-in that fails at the account forest never reaches Exchange
    Given the forest mail.fabrikam.com trusts the forest corp.fabrikam.com (one way)
    When alice signs in to PORTAL01 with a wrong password and calls GetFolder Inbox
    Then the request is refused with HTTP 401
    And EX01 received no EWS request
