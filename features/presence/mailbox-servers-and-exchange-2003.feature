@presence @exchange2007 @exchange2003
Feature: WebDAV when the mailbox is not on the server the gateway names: Exprox, ISAPI Extensions, Exchange 2003

  The presence gateway names a Client Access server. For a mailbox on another Exchange 2007 server, the
  Client Access server hands the WebDAV request to that server's /exchange (Exprox), where Exchange's
  WebDAV runs as an ISAPI extension of IIS 7: without the Web Server's ISAPI Extensions role service the
  mailbox server answers 500 and the Client Access server 503. A mailbox still on Exchange 2003 is
  reached the same way, if the Client Access server is in Exchange Domain Servers; or the gateway can
  name the Exchange 2003 server itself, which serves WebDAV on its own /exchange.

  Background:
    Given the Exchange organization "Apps" in the forest apps.local
    And the Active Directory site Main
    And these Exchange servers:
      | Name   | Site | Version           | Roles        |
      | CAS01  | Main | Exchange 2007 SP2 | ClientAccess |
      | MBX01  | Main | Exchange 2007 SP2 | Mailbox      |
      | EX2003 | Main | Exchange 2003     | BackEnd      |
    And these OWA virtual directories:
      | Server | ExternalUrl                |
      | CAS01  | https://owa.apps.local/owa |
    And these mailboxes:
      | Name | DisplayName | Server |
      | jdoe | John Doe    | MBX01  |
      | erin | Erin Hayes  | EX2003 |
    And the service account cupsexch
    And these IP addresses:
      | Server | Address       |
      | CAS01  | 192.168.1.100 |
      | MBX01  | 192.168.1.101 |
      | EX2003 | 192.168.1.103 |
    And the DNS server 192.168.1.10 holds these records:
      | Name              | Address       |
      | owa.apps.local    | 192.168.1.100 |
      | ex2003.apps.local | 192.168.1.103 |
    And the certification authority "sametime.apps.local"
    And CAS01's HTTPS certificate is issued by "sametime.apps.local" to "owa.apps.local"
    And MBX01's HTTPS certificate is issued by "sametime.apps.local" to "mbx01.apps.local"
    And EX2003's HTTPS certificate is issued by "sametime.apps.local" to "ex2003.apps.local"
    And the Cisco Unified Presence 8.0 server CUPS01 at cups.apps.local (192.168.1.50)
    And the presence administrator runs "set network dns primary 192.168.1.10" on CUPS01
    And "sametime.apps.local" is uploaded to CUPS01 as "Presence Engine - Trust"
    And the presence gateway of CUPS01 is:
      | Type   | Address        | Account       |
      | WebDAV | owa.apps.local | APPS\cupsexch |
    And cupsexch has had Receive-As on "MBX01\First Storage Group" for a day
    And cupsexch has had Receive-As on "EX2003\First Storage Group" for a day
    And the presence administrator has restarted the Presence Engine on CUPS01
    And these users on CUPS01:
      | User |
      | jdoe |
      | erin |
    And jdoe@apps.local's calendar has:
      | Start             | End               | BusyType |
      | 2011-12-12T09:00Z | 2011-12-12T10:00Z | Busy     |
    And erin@apps.local's calendar has:
      | Start             | End               | BusyType |
      | 2011-12-12T09:00Z | 2011-12-12T10:00Z | OOF      |

  Scenario: The Client Access server hands WebDAV to the mailbox server's /exchange
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "In a meeting"
    And CUPS01 sent SUBSCRIBE to https://owa.apps.local/exchange/jdoe@apps.local/Calendar
    And the IIS log of CAS01 has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/Calendar - 443 APPS\cupsexch 192.168.1.50 Cisco+Presence+Engine 200 0 0"
    And the IIS log of MBX01 has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/Calendar - 443 APPS\cupsexch 192.168.1.100 Cisco+Presence+Engine 200 0 0"

  Scenario: Without ISAPI Extensions on the mailbox server: 500 there, 503 from the Client Access server
    Given MBX01 has no ISAPI Extensions
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      ERROR -->CalendarSubscription::initiateRecovery: jdoe@apps.local SUBSCRIBE 503 Service Unavailable
      """
    And the IIS log of MBX01 has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/Calendar - 443 APPS\cupsexch 192.168.1.100 Cisco+Presence+Engine 500 21 0"
    And the IIS log of CAS01 has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/Calendar - 443 APPS\cupsexch 192.168.1.50 Cisco+Presence+Engine 503 0 0"

  Scenario: ISAPI Extensions missing on the Client Access server alone does not matter
    Given CAS01 has no ISAPI Extensions
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "In a meeting"

  Scenario: A mailbox on Exchange 2003, through a Client Access server that is in Exchange Domain Servers
    Given CAS01 is a member of Exchange Domain Servers
    When erin signs in to CUPC on CUPS01
    Then erin's contacts see "Away"
    And the IIS log of EX2003 has a line containing "SUBSCRIBE /exchange/erin@apps.local/Calendar - 443 APPS\cupsexch 192.168.1.100 Cisco+Presence+Engine 200 0 0"

  Scenario: ... and 404 through one that is not
    Given CAS01 is not a member of Exchange Domain Servers
    When erin signs in to CUPC on CUPS01
    Then erin's contacts see "Available"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      erin@apps.local SUBSCRIBE 404 Ressource not found
      """

  Scenario: A gateway that names the Exchange 2003 server itself reads its mailboxes, not the others
    When the presence administrator changes the presence gateway address of CUPS01 to ex2003.apps.local
    And the presence administrator restarts the Presence Engine on CUPS01
    And erin signs in to CUPC on CUPS01
    And jdoe signs in to CUPC on CUPS01
    Then erin's contacts see "Away"
    And CUPS01 sent SUBSCRIBE to https://ex2003.apps.local/exchange/erin@apps.local/Calendar
    And the Presence Engine log of CUPS01 has a line containing:
      """
      jdoe@apps.local SUBSCRIBE 404 Ressource not found
      """
