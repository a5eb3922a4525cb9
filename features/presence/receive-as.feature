@presence @exchange2007
Feature: Receive-As for the presence gateway's service account, and how long it takes to flow down

  The Presence Engine reads every user's calendar as one service account. The least it needs is
  Receive-As on each user's mailbox: on the account itself (at once), or on the mailbox database or the
  storage group above it, which reaches the mailboxes only when the store has caught up — from 30
  minutes to hours (two hours in this simulation; see docs/attributes.md). Get-MailboxPermission shows the
  right as inherited FullAccess once it has arrived, and is the reliable test. Membership of Exchange
  View-Only Administrators, which Cisco's documents ask for, gives no access to a mailbox.

  Background:
    Given the Exchange organization "Apps" in the forest apps.local
    And the Active Directory site Main
    And these Exchange servers:
      | Name     | Site | Version           | Roles                 |
      | EXCHANGE | Main | Exchange 2007 SP2 | ClientAccess, Mailbox |
    And these OWA virtual directories:
      | Server   | ExternalUrl                |
      | EXCHANGE | https://owa.apps.local/owa |
    And these mailboxes:
      | Name   | DisplayName | Server   |
      | jdoe   | John Doe    | EXCHANGE |
      | asmith | Ann Smith   | EXCHANGE |
    And the service account cupsexch
    And these IP addresses:
      | Server   | Address       |
      | EXCHANGE | 192.168.1.100 |
    And the DNS server 192.168.1.10 holds these records:
      | Name           | Address       |
      | owa.apps.local | 192.168.1.100 |
    And the certification authority "sametime.apps.local"
    And EXCHANGE's HTTPS certificate is issued by "sametime.apps.local" to "owa.apps.local"
    And the Cisco Unified Presence 8.0 server CUPS01 at cups.apps.local (192.168.1.50)
    And the presence administrator runs "set network dns primary 192.168.1.10" on CUPS01
    And "sametime.apps.local" is uploaded to CUPS01 as "Presence Engine - Trust"
    And the presence gateway of CUPS01 is:
      | Type   | Address        | Account       |
      | WebDAV | owa.apps.local | APPS\cupsexch |
    And the presence administrator has restarted the Presence Engine on CUPS01
    And these users on CUPS01:
      | User   |
      | jdoe   |
      | asmith |
    And jdoe@apps.local's calendar has:
      | Start             | End               | BusyType |
      | 2011-12-12T09:00Z | 2011-12-12T18:00Z | Busy     |
    And asmith@apps.local's calendar has:
      | Start             | End               | BusyType |
      | 2011-12-12T09:00Z | 2011-12-12T18:00Z | Busy     |

  Scenario: Without Receive-As the Presence Engine gets 401
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      ERROR -->CalendarSubscription::initiateRecovery: jdoe@apps.local SUBSCRIBE 401 Unauthorized
      """
    And the IIS log of EXCHANGE has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/Calendar - 443 APPS\cupsexch 192.168.1.50 Cisco+Presence+Engine 401 3 5"

  Scenario: Receive-As on the storage group takes hours to reach the mailboxes
    Given the Apps administrator has run "Add-ADPermission -Identity "First Storage Group" -User cupsexch -ExtendedRights Receive-As"
    And 30 minutes pass
    When the Apps administrator runs "Get-MailboxPermission jdoe -user cupsexch | Format-Table -autosize"
    Then the command prints nothing
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      jdoe@apps.local SUBSCRIBE 401 Unauthorized
      """
    When 2 hours pass
    And the Apps administrator runs "Get-MailboxPermission jdoe -user cupsexch | Format-Table -autosize"
    Then the output shows:
      | Identity                 | User          | AccessRights | IsInherited | Deny  |
      | apps.local/Users/John Doe | APPS\cupsexch | {FullAccess} | True        | False |
    And jdoe's contacts see "In a meeting"

  Scenario: Get-ADPermission shows the grant on the storage group at once, not inherited
    Given the Apps administrator has run "Add-ADPermission -Identity "First Storage Group" -User cupsexch -ExtendedRights Receive-As"
    When the Apps administrator runs "Get-ADPermission "First Storage Group" -user cupsexch | Format-Table -autosize"
    Then the output shows:
      | Identity                       | User          | Deny  | Inherited | Rights     |
      | EXCHANGE\First Storage Group   | APPS\cupsexch | False | False     | Receive-As |

  Scenario: Get-StorageGroup piped into Add-ADPermission grants every storage group
    Given the Apps administrator has run "Get-StorageGroup | add-ADPermission –user cupsexch -ExtendedRights Receive-As"
    And 3 hours pass
    When jdoe signs in to CUPC on CUPS01
    And asmith signs in to CUPC on CUPS01
    Then jdoe's contacts see "In a meeting"
    And asmith's contacts see "In a meeting"

  Scenario: Receive-As on the mailbox database flows down too, after the same delay
    Given the Apps administrator has run "Add-ADPermission -Identity "Mailbox Database EXCHANGE" -User cupsexch -ExtendedRights Receive-As"
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    When 2 hours pass
    Then jdoe's contacts see "In a meeting"

  Scenario: Receive-As on one user's account works at once, for that mailbox only
    Given the Apps administrator has run "Add-ADPermission -Identity "John Doe" -User cupsexch -ExtendedRights Receive-As"
    When jdoe signs in to CUPC on CUPS01
    And asmith signs in to CUPC on CUPS01
    Then jdoe's contacts see "In a meeting"
    And asmith's contacts see "Available"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      asmith@apps.local SUBSCRIBE 401 Unauthorized
      """

  Scenario: A deny on one account beats the storage group's allow
    Given cupsexch has had Receive-As on "First Storage Group" for a day
    And the Apps administrator has run "Add-ADPermission -Identity "John Doe" -User cupsexch -ExtendedRights Receive-As -Deny"
    When jdoe signs in to CUPC on CUPS01
    And asmith signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    And asmith's contacts see "In a meeting"

  Scenario: Exchange View-Only Administrators is not needed, and is not enough
    Given the security group "Exchange View-Only Administrators" with members cupsexch
    When jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      jdoe@apps.local SUBSCRIBE 401 Unauthorized
      """
    When the Apps administrator runs "Add-ADPermission -Identity "John Doe" -User cupsexch -ExtendedRights Receive-As"
    And 5 minutes pass
    Then jdoe's contacts see "In a meeting"
