@impersonation
Feature: An external firm edits the speakers' session items but cannot read their schedules
  A conference's room details are arranged by an outside organizing firm. Each speaker gives the firm's
  group the right to create items in her calendar and to edit the items it created, and nothing else: no
  reading of items, no free/busy. The firm's scheduling service acts for the firm's employees, never for
  the speakers.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name  | Site    | Version           | Roles                 |
      | EX01  | Redmond | Exchange 2007 SP1 | ClientAccess, Mailbox |
    And these mailbox databases:
      | Name     | Server |
      | Partners | EX01   |
    And these mailboxes:
      | Name     | Database |
      | dana     |          |
      | erik     |          |
      | firm-ann | Partners |
    And the security group "Organizing Firm" with members firm-ann
    And the service account svc-sched
    And the application server SCHED01 runs as svc-sched, calls https://ex01.contoso.com/EWS/Exchange.asmx and identifies users by PrimarySmtpAddress
    And the Contoso administrator has run:
      """
      Add-ADPermission -Identity EX01 -User CONTOSO\svc-sched -ExtendedRights ms-Exch-EPI-Impersonation
      Add-ADPermission -Identity Partners -User CONTOSO\svc-sched -ExtendedRights ms-Exch-EPI-May-Impersonate
      Add-MailboxFolderPermission -Identity dana:\Calendar -User "Organizing Firm" -AccessRights CreateItems,EditOwnedItems,FolderVisible
      """
    And dana's mailbox holds in Calendar:
      | Subject | Start                | End                  |
      | Dentist | 2011-12-14T08:00:00Z | 2011-12-14T09:00:00Z |

  Scenario: The firm books Dana's talk and later changes its room; the item says the firm changed it
    When firm-ann signs in to SCHED01 and calls CreateItem "Talk: Mail at scale" from 2011-12-14T10:00:00Z to 2011-12-14T11:00:00Z at "Hall A" in dana's Calendar
    Then EWS answers NoError
    When firm-ann signs in to SCHED01 and calls UpdateItem "Talk: Mail at scale" in dana's Calendar setting Location to "Hall B"
    Then EWS answers NoError
    And the item "Talk: Mail at scale" in dana's Calendar has Location "Hall B", last modified by CONTOSO\firm-ann
    And the EWS log of EX01 shows UpdateItem by CONTOSO\firm-ann with NoError

  Scenario: The firm cannot read Dana's schedule
    When firm-ann signs in to SCHED01 and calls FindItem in dana's Calendar
    Then EWS answers ErrorAccessDenied
    When firm-ann signs in to SCHED01 and calls GetUserAvailability for dana@contoso.com on 2011-12-14
    Then dana@contoso.com's free/busy shows nothing

  Scenario: The firm cannot change an item it did not create, even knowing its id
    When firm-ann signs in to SCHED01 and calls UpdateItem "Dentist" in dana's Calendar setting Location to "Hall C"
    Then EWS answers ErrorAccessDenied
    And the item "Dentist" in dana's Calendar has Location "", last modified by CONTOSO\dana

  Scenario: A speaker who granted nothing cannot be booked
    When firm-ann signs in to SCHED01 and calls CreateItem "Talk: Storage" from 2011-12-14T13:00:00Z to 2011-12-14T14:00:00Z in erik's Calendar
    Then EWS answers ErrorAccessDenied

  Scenario: The scheduling service cannot act as the speaker herself
    When SCHED01 calls FindItem in Calendar impersonating dana by PrimarySmtpAddress
    Then EWS refuses the request with the fault ErrorImpersonateUserDenied
