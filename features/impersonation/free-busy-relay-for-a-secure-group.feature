@impersonation
Feature: Free/busy relayed between a secure group's server and the rest of the company
  Contoso's secure group keeps its mailboxes on a special server in a secure facility. People outside the
  group must still schedule meetings with people inside it, so a relay asks the secure facility's Client
  Access server for free/busy on behalf of the outside user who asks. The relay may act only for the outside
  users: it holds no right on the secure group's database, so it can never read a secure mailbox as its owner.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory sites Headquarters and SecureFacility
    And these Exchange servers:
      | Name       | Site           | Version           | Roles                 |
      | HQ-EX01    | Headquarters   | Exchange 2007 SP1 | ClientAccess, Mailbox |
      | SEC-CAS01  | SecureFacility | Exchange 2007 SP1 | ClientAccess          |
      | SEC-MBX01  | SecureFacility | Exchange 2007 SP1 | Mailbox               |
    And these mailbox databases:
      | Name           | Server    |
      | Secure Group B | SEC-MBX01 |
    And these mailboxes:
      | Name  | Server  | Database       |
      | alice | HQ-EX01 |                |
      | dana  |         | Secure Group B |
    And the service account svc-fbrelay
    And the application server FBRELAY runs as svc-fbrelay, calls https://sec-cas01.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress
    And the Contoso administrator has run:
      """
      Add-ADPermission -Identity SEC-CAS01 -User CONTOSO\svc-fbrelay -ExtendedRights ms-Exch-EPI-Impersonation
      Get-MailboxDatabase -Server HQ-EX01 | Add-ADPermission -User CONTOSO\svc-fbrelay -ExtendedRights ms-Exch-EPI-May-Impersonate
      """
    And dana's mailbox holds in Calendar:
      | Subject            | Start                | End                  | Location | BusyType |
      | Codeword briefing  | 2011-12-12T10:00:00Z | 2011-12-12T11:00:00Z | Vault 2  | Busy     |

  Scenario: An outside user learns when Dana is busy, and nothing more
    When alice signs in to FBRELAY and calls GetUserAvailability for dana@contoso.com on 2011-12-12
    Then EWS answers NoError
    And dana@contoso.com's free/busy shows busy times only
    And the EWS log of SEC-CAS01 shows GetUserAvailability by CONTOSO\alice with NoError

  Scenario: Through the relay, the outside user cannot read Dana's calendar items
    When alice signs in to FBRELAY and calls FindItem in dana's Calendar
    Then EWS answers ErrorAccessDenied

  Scenario: The relay cannot act as a member of the secure group
    When FBRELAY calls FindItem in Calendar impersonating dana by PrimarySmtpAddress
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
    And server-to-server authorization stopped at condition 5: "no entry on dana or on the mailbox database grants it"

  Scenario: If Dana shares details with everyone, the relay shows them too
    Given the Contoso administrator has run "Set-MailboxFolderPermission -Identity dana:\Calendar -User Default -AccessRights LimitedDetails"
    When alice signs in to FBRELAY and calls GetUserAvailability for dana@contoso.com on 2011-12-12
    Then dana@contoso.com's free/busy shows details

  Scenario: If Dana hides her free/busy from everyone, the relay has nothing to relay
    Given the Contoso administrator has run "Set-MailboxFolderPermission -Identity dana:\Calendar -User Default -AccessRights None"
    When alice signs in to FBRELAY and calls GetUserAvailability for dana@contoso.com on 2011-12-12
    Then dana@contoso.com's free/busy shows nothing

  Scenario: The relay's rights are on the secure facility's Client Access server only
    Given the application server FBRELAY2 runs as svc-fbrelay, calls https://hq-ex01.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress
    When alice signs in to FBRELAY2 and calls GetUserAvailability for dana@contoso.com on 2011-12-12
    Then EWS refuses the request with the fault ErrorImpersonationDenied
