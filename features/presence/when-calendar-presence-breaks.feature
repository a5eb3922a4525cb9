@presence @exchange2007
Feature: When calendar presence does not work: the Presence Engine log

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


  Scenario: The identity certificate uploaded instead of the CA's: certificate not trusted
    Given "sametime.apps.local" is deleted from CUPS01's "Presence Engine - Trust"
    And "CAS01" is uploaded to CUPS01 as "Presence Engine - Trust"
    And the presence administrator has restarted the Presence Engine on CUPS01
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      ERROR -->CalendarSubscription::initiateRecovery: jdoe@apps.local SUBSCRIBE 1 Certificate not trusted; SSL handshake failed: Server certificate verification failed: issuer is not trusted
      """

  Scenario: The gateway given as an IP address does not match the certificate's name
    When the presence administrator changes the presence gateway address of CUPS01 to 192.168.1.100
    And the presence administrator restarts the Presence Engine on CUPS01
    And jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      Server certificate verification failed: certificate issued for a different hostname
      """

  Scenario: A gateway change takes effect only after the Presence Engine restarts
    When the presence administrator changes the presence gateway address of CUPS01 to 192.168.1.100
    And jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "In a meeting"

  Scenario: A certificate that names the IP address works at that address
    Given CAS01's HTTPS certificate is issued by "sametime.apps.local" to "192.168.1.100"
    When the presence administrator changes the presence gateway address of CUPS01 to 192.168.1.100
    And the presence administrator restarts the Presence Engine on CUPS01
    And jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "In a meeting"

  Scenario: A name on the certificate that is not in DNS cannot be resolved, until it is added
    Given CAS01's HTTPS certificate is issued by "sametime.apps.local" to "email.apps.local"
    When the presence administrator changes the presence gateway address of CUPS01 to email.apps.local
    And the presence administrator restarts the Presence Engine on CUPS01
    And jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      SUBSCRIBE 2 Host not found; Could not resolve hostname `email.apps.local': Host not found (ENOTFOUND)
      """
    When email.apps.local is added to DNS as 192.168.1.100
    And 5 minutes pass
    Then jdoe's contacts see "In a meeting"

  Scenario: IIS's self-signed certificate has no CA bit, so uploading it does not help
    Given CAS01's HTTPS certificate is IIS's self-signed certificate for "owa.apps.local"
    And "CAS01" is uploaded to CUPS01 as "Presence Engine - Trust"
    And the presence administrator has restarted the Presence Engine on CUPS01
    When jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      Server certificate verification failed: issuer is not trusted
      """

  Scenario: A self-signed certificate made with the CA bit works once uploaded
    Given CAS01's HTTPS certificate is a makecert self-signed certificate with the CA bit for "owa.apps.local"
    And "CAS01" is uploaded to CUPS01 as "Presence Engine - Trust"
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "In a meeting"

  Scenario: Every CA of the chain must be uploaded
    Given the certification authority "Apps Root CA"
    And the certification authority "Apps Issuing CA" issued by "Apps Root CA"
    And CAS01's HTTPS certificate is issued by "Apps Issuing CA" to "owa.apps.local"
    And "Apps Root CA" is uploaded to CUPS01 as "Presence Engine - Trust"
    When jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      SUBSCRIBE 1 Certificate not trusted
      """
    Given "Apps Issuing CA" is uploaded to CUPS01 as "Presence Engine - Trust"
    When 5 minutes pass
    Then jdoe's contacts see "In a meeting"

  Scenario: A forged chain with the trusted CA's name is refused for its signature
    Given a forged certification authority "Evil CA" with the name of "sametime.apps.local"
    And CAS01's HTTPS certificate is issued by "Evil CA" to "owa.apps.local"
    When jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      a forged chain
      """

  Scenario: Repeated 440s mean forms logon fails: a logon name without its domain
    When the presence administrator changes the presence gateway account of CUPS01 to cupsexch
    And the presence administrator restarts the Presence Engine on CUPS01
    And jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has 2 lines containing "INFO -->CalendarSubscription::onResponse: jdoe@apps.local SUBSCRIBE 440 Login Timeout"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      ERROR -->CalendarSubscription::initiateRecovery: jdoe@apps.local SUBSCRIBE 440 Login Timeout
      """

  Scenario: Standard authentication on /Exchange reveals the cause, once IIS is reset
    Given the /Exchange virtual directory on CAS01 is set to standard authentication
    And the presence administrator changes the presence gateway account of CUPS01 to cupsexch
    And the presence administrator restarts the Presence Engine on CUPS01
    When jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      jdoe@apps.local SUBSCRIBE 440 Login Timeout
      """
    When the Exchange administrator runs "iisreset /noforce" on CAS01
    And 5 minutes pass
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      SUBSCRIBE 3 Authentication failure on server; Could not authenticate to server: ignored NTLM challenge, ignoring empty Negotiate continuation, rejected Basic challenge
      """
    And the IIS log of CAS01 has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/Calendar - 443 cupsexch 192.168.1.50 Cisco+Presence+Engine 401 1 1326"

  Scenario: Problem isolation: with an end user's credentials in the gateway, her own calendar works and others get 401
    Given these users on CUPS01:
      | User   |
      | asmith |
    When the presence administrator changes the presence gateway account of CUPS01 to APPS\jdoe
    And the presence administrator restarts the Presence Engine on CUPS01
    And jdoe signs in to CUPC on CUPS01
    And asmith signs in to CUPC on CUPS01
    Then jdoe's contacts see "In a meeting"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      asmith@apps.local SUBSCRIBE 401 Unauthorized
      """

  Scenario: 404 when the mail ID is not a mailbox's address
    Given these users on CUPS01:
      | User   | Email               |
      | asmith | ann.smith@domain.com |
    When asmith signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      ann.smith@domain.com SUBSCRIBE 404 Ressource not found
      """

  Scenario: 404 when the mail ID is an account without a mailbox
    Given these users on CUPS01:
      | User   | Email               |
      | asmith | cupsexch@apps.local |
    When asmith signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      cupsexch@apps.local SUBSCRIBE 404 Ressource not found
      """

  Scenario: 404 when the calendar folder has a localized name, cured by /resetfoldernames
    Given CUPS01 builds calendar URLs with the folder name "Kalender"
    When jdoe signs in to CUPC on CUPS01
    Then the Presence Engine log of CUPS01 has a line containing:
      """
      jdoe@apps.local SUBSCRIBE 404 Ressource not found
      """
    When jdoe@apps.local's calendar folder is renamed "Kalender" (Outlook.exe /resetfoldernames in German)
    And 5 minutes pass
    Then jdoe's contacts see "In a meeting"

  Scenario: 404 for every user when the Presence Engine has lost its locale strings (Cisco bug CSCsz12455)
    Given the Presence Engine of CUPS01 is missing its locale strings (CSCsz12455)
    When jdoe signs in to CUPC on CUPS01
    Then the IIS log of CAS01 has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/TypePEPresenceGatewayLocale.PEPRESENCEGATEWAYLOCALE_CALENDAR - 443 APPS\cupsexch 192.168.1.50 Cisco+Presence+Engine 404 0 0"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      jdoe@apps.local SUBSCRIBE 404 Ressource not found
      """

  Scenario: A hung server: connection time-out after the Exchange Timeout, and the PECalendarConnectionLoss alarm
    When CAS01 stops answering
    And jdoe signs in to CUPC on CUPS01
    Then CUPS01 raised the alarm:
      """
      %UC_-3-PECalendarConnectionLoss: %[UNKNOWN_PARAMNAME:PEAlarmMessage=owa.apps.local:443 Connection timed out; Could not read status line: connection timed out][ClusterID=StandAloneCluster
      """

  Scenario: OWA over HTTP only: the presence server talks to Exchange over HTTPS, so it cannot connect
    Given CAS01 has no HTTPS certificate
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      jdoe@apps.local SUBSCRIBE 5 Connection failed; Could not connect to server: Connection refused
      """

  Scenario: Client Access and Mailbox on one server without ISAPI Extensions: 500
    Given CAS01 has no ISAPI Extensions
    When jdoe signs in to CUPC on CUPS01
    Then jdoe's contacts see "Available"
    And the Presence Engine log of CUPS01 has a line containing:
      """
      jdoe@apps.local SUBSCRIBE 500 Internal Server Error
      """
    And the IIS log of CAS01 has a line containing "SUBSCRIBE /exchange/jdoe@apps.local/Calendar - 443 APPS\cupsexch 192.168.1.50 Cisco+Presence+Engine 500 21 0"
