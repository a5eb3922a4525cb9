@presence @exchange2010
Feature: Exchange 2010 has no WebDAV: calendar presence needs a presence server that speaks EWS

  Exchange 2010 dropped WebDAV; its /Exchange directory only redirects to /owa. Cisco Unified Presence
  up to 8.0 reads calendars over WebDAV only, so it cannot work with Exchange 2010. From 8.5 the presence
  gateway can be of type EWS: the Presence Engine subscribes to each user's calendar with an EWS push
  subscription (ExchangeImpersonation, so the service account needs the ApplicationImpersonation role)
  and Exchange posts notifications to TCP port 50020, with a StatusEvent every "EWS Status Frequency"
  minutes (60 by default) when nothing changed.

  Background:
    Given the Exchange organization "Apps" in the forest apps.local
    And the Active Directory site Main
    And these Exchange servers:
      | Name  | Site | Version           | Roles                 |
      | EX01  | Main | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these OWA virtual directories:
      | Server | ExternalUrl                  |
      | EX01   | https://owa.apps.local/owa   |
    And these mailboxes:
      | Name | DisplayName | Server |
      | jdoe | John Doe    | EX01   |
    And the service account cupsexch
    And these IP addresses:
      | Server | Address       |
      | EX01   | 192.168.1.100 |
    And the DNS server 192.168.1.10 holds these records:
      | Name           | Address       |
      | owa.apps.local | 192.168.1.100 |
    And the certification authority "sametime.apps.local"
    And EX01's HTTPS certificate is issued by "sametime.apps.local" to "owa.apps.local"
    And jdoe@apps.local's calendar has:
      | Start             | End               | BusyType |
      | 2011-12-12T09:00Z | 2011-12-12T10:00Z | Busy     |

  Scenario: Cisco Unified Presence 8.0 speaks only WebDAV, and Exchange 2010 answers it with a redirect to /owa
    Given the Cisco Unified Presence 8.0 server CUPS01 at cups.apps.local (192.168.1.50)
    And the presence administrator runs "set network dns primary 192.168.1.10" on CUPS01
    And "sametime.apps.local" is uploaded to CUPS01 as "Presence Engine - Trust"
    And the presence gateway of CUPS01 is:
      | Type   | Address        | Account       |
      | WebDAV | owa.apps.local | APPS\cupsexch |
    And cupsexch has had Receive-As on "Mailbox Database EX01" for a day
    And the presence administrator has restarted the Presence Engine on CUPS01
    And these users on CUPS01:
      | User |
      | jdoe |
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      ERROR -->CalendarSubscription::initiateRecovery: jdoe@apps.local SUBSCRIBE 302 Found
      """
    And the IIS log of EX01 has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/Calendar - 443 - 192.168.1.50 Cisco+Presence+Engine 302 0 0"

  Scenario: Cisco Unified Presence 8.0 cannot even be given an EWS gateway
    Given the Cisco Unified Presence 8.0 server CUPS01 at cups.apps.local (192.168.1.50)
    And the presence gateway of CUPS01 is:
      | Type | Address        | Account       |
      | EWS  | owa.apps.local | APPS\cupsexch |
    And the presence administrator has restarted the Presence Engine on CUPS01
    And these users on CUPS01:
      | User |
      | jdoe |
    When jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      jdoe@apps.local SUBSCRIBE Cisco Unified Presence 8.0 has no EWS presence gateway
      """

  Rule: Cisco Unified Presence 8.5 with an EWS gateway

    Background:
      Given the Cisco Unified Presence 8.5 server CUPS01 at cups.apps.local (192.168.1.50)
      And the presence administrator runs "set network dns primary 192.168.1.10" on CUPS01
      And "sametime.apps.local" is uploaded to CUPS01 as "Presence Engine - Trust"
      And the presence gateway of CUPS01 is:
        | Type | Address        | Account       |
        | EWS  | owa.apps.local | APPS\cupsexch |
      And the presence administrator has restarted the Presence Engine on CUPS01
      And these users on CUPS01:
        | User |
        | jdoe |

    Scenario: The EWS gateway works once the service account may impersonate
      Given the Apps administrator has run "New-ManagementRoleAssignment -Name CUPS -Role ApplicationImpersonation -User cupsexch"
      When jdoe signs in to CUPC on CUPS01
      Then jdoe's contacts see "In a meeting"
      And the Presence Engine log of CUPS01 has no ERROR line
      And the IIS log of EX01 has a line containing "POST /EWS/Exchange.asmx - 443 cupsexch@apps.local 192.168.1.50 Cisco+Presence+Engine 200 0 0"

    Scenario: Without ApplicationImpersonation the push subscription is refused
      When jdoe signs in to CUPC on CUPS01
      Then jdoe's contacts see "Available"
      And the Presence Engine log of CUPS01 has a line containing:
        """
        ERROR -->CalendarSubscription::initiateRecovery: jdoe@apps.local Subscribe 500 ErrorImpersonateUserDenied
        """

    Scenario: Exchange posts the calendar's changes to TCP port 50020, and a StatusEvent every 60 minutes when nothing changes
      Given the Apps administrator has run "New-ManagementRoleAssignment -Name CUPS -Role ApplicationImpersonation -User cupsexch"
      And 2 hours pass
      When jdoe signs in to CUPC on CUPS01
      Then jdoe's contacts see "Available"
      When a meeting is added to jdoe@apps.local's calendar from 2011-12-12T11:00Z to 2011-12-12T12:00Z
      Then CUPS01 received 1 EWS notification on port 50020
      And jdoe's contacts see "In a meeting"
      When 3 hours pass
      Then CUPS01 has received 3 EWS status events for jdoe
      And CUPS01 received 4 EWS notifications on port 50020

    Scenario: The EWS Status Frequency parameter sets how often the StatusEvents come
      Given the Apps administrator has run "New-ManagementRoleAssignment -Name CUPS -Role ApplicationImpersonation -User cupsexch"
      And the Presence Engine parameter "EWS Status Frequency" of CUPS01 is 15
      And the presence administrator has restarted the Presence Engine on CUPS01
      When jdoe signs in to CUPC on CUPS01
      And 1 hour passes
      Then CUPS01 has received 4 EWS status events for jdoe
