@presence @exchange2007
Feature: Calendar presence from Exchange 2007 through a Cisco Unified Presence gateway

  Background:
    Given the Exchange organization "Apps" in the forest apps.local
    And the Active Directory site Main
    And these Exchange servers:
      | Name  | Site | Version           | Roles                 |
      | CAS01 | Main | Exchange 2007 SP2 | ClientAccess, Mailbox |
    And these OWA virtual directories:
      | Server | ExternalUrl                  |
      | CAS01  | https://owa.apps.local/owa   |
    And these mailboxes:
      | Name | DisplayName | Server |
      | jdoe | John Doe    | CAS01  |
      | asmith | Ann Smith | CAS01  |
    And the service account cupsexch
    And these IP addresses:
      | Server | Address       |
      | CAS01  | 192.168.1.100 |
    And the DNS server 192.168.1.10 holds these records:
      | Name           | Address       |
      | owa.apps.local | 192.168.1.100 |
    And the certification authority "sametime.apps.local"
    And CAS01's HTTPS certificate is issued by "sametime.apps.local" to "owa.apps.local"
    And the Cisco Unified Presence 8.0 server CUPS01 at cups.apps.local (192.168.1.50)
    And the presence administrator runs "set network dns primary 192.168.1.10" on CUPS01
    And "sametime.apps.local" is uploaded to CUPS01 as "Presence Engine - Trust"
    And the presence gateway of CUPS01 is:
      | Type   | Address        | Account        |
      | WebDAV | owa.apps.local | APPS\cupsexch  |
    And cupsexch has had Receive-As on "First Storage Group" for a day
    And the presence administrator has restarted the Presence Engine on CUPS01
    And these users on CUPS01:
      | User |
      | jdoe |
    And jdoe@apps.local's calendar has:
      | Start             | End               | BusyType |
      | 2011-12-12T09:00Z | 2011-12-12T10:00Z | Busy     |
      | 2011-12-12T11:00Z | 2011-12-12T12:00Z | OOF      |
      | 2011-12-12T13:00Z | 2011-12-12T14:00Z | Tentative |

  Scenario: A busy calendar shows "In a meeting", read over WebDAV on /exchange, not /owa
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "In a meeting"
    And CUPS01 sent SUBSCRIBE to https://owa.apps.local/exchange/jdoe@apps.local/Calendar
    And CUPS01 sent SEARCH to https://owa.apps.local/exchange/jdoe@apps.local/Calendar
    And the IIS log of CAS01 has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/Calendar - 443 APPS\cupsexch 192.168.1.50 Cisco+Presence+Engine 200 0 0"

  Scenario: One 440 Login Timeout per transaction under forms-based authentication is normal
    When jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has 1 line containing "SUBSCRIBE 440 Login Timeout"
    And the Presence Engine log of CUPS01 has no ERROR line

  Scenario Outline: The calendar's busy status maps to a presence state
    When <time> pass
    And jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "<shown>"

    Examples:
      | time       | shown        |
      | 30 minutes | In a meeting |
      | 90 minutes | Available    |
      | 150 minutes | Away        |
      | 270 minutes | Available   |

  Scenario: Phone presence beats calendar presence; the tooltip lists every state
    When jdoe signs in to CUPC on CUPS01
    And jdoe is on the phone
    Then jdoe's contacts see "On the phone"
    And the tooltip over jdoe reads "Online, On the phone, In a meeting"

  Scenario: Calendar presence beats the status set by hand
    When jdoe signs in to CUPC on CUPS01
    And jdoe sets her status to Do Not Disturb
    Then jdoe's contacts see "In a meeting"
    And the tooltip over jdoe reads "Do Not Disturb, In a meeting"

  Scenario: Without the CUPC setting the calendar is not shown
    When jdoe signs in to CUPC on CUPS01
    And jdoe unticks "Show me as 'In a Meeting' whenever my Exchange calendar shows me as busy"
    Then jdoe's contacts see "Available"

  Scenario: A new meeting arrives as a UDP NOTIFY on port 50020, and the PE reads the calendar again
    Given 4 hours pass
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    When a meeting is added to jdoe@apps.local's calendar from 2011-12-12T13:00Z to 2011-12-12T14:30Z
    Then CUPS01 received 1 UDP NOTIFY datagram on port 50020
    And CUPS01 sent POLL to https://owa.apps.local/exchange/jdoe@apps.local/Calendar
    And jdoe's contacts see "In a meeting"

  Scenario: A browser opening /exchange is sent to /owa, which is normal
    When a browser opens https://owa.apps.local/exchange as jdoe
    Then the browser is sent to https://owa.apps.local/owa/
