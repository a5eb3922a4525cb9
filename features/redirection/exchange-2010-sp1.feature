@redirection @exchange2010 @exchange2010sp1
Feature: Exchange 2010 SP1 manual and temporary manual redirection
  SP1 keeps the manual redirection page for mailboxes in another Internet-facing site, and adds temporary
  manual redirection: when the target is the very URL the user came in on (her DNS cache still points
  at the old site after a datacenter switchback), and when a database's RpcClientAccessServer is in this
  site but the database is mounted in another one.

  Background:
    Given the Exchange organization "Fourth Coffee" in the forest fourthcoffee.com
    And the Active Directory sites Chicago and Dallas
    And these Exchange servers:
      | Name    | Site    | Version           | Roles        |
      | CHI-CAS | Chicago | Exchange 2010 SP1 | ClientAccess |
      | CHI-MBX | Chicago | Exchange 2010 SP1 | Mailbox      |
      | DAL-CAS | Dallas  | Exchange 2010 SP1 | ClientAccess |
      | DAL-MBX | Dallas  | Exchange 2010 SP1 | Mailbox      |
    And these OWA virtual directories:
      | Server  | ExternalUrl                              |
      | CHI-CAS | https://mail.fourthcoffee.com/owa        |
      | DAL-CAS | https://dallas.mail.fourthcoffee.com/owa |
    And these mailboxes:
      | Name | Server  |
      | dave | DAL-MBX |

  Scenario: Manual redirection to the ExternalURL of the mailbox's site
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave is shown a link to "https://dallas.mail.fourthcoffee.com/owa"
    And the rule that decided was "2010.cross-site-manual"

  Scenario: The target is the URL she came in on, and the target has a FailbackURL
    After a switchback to Dallas her browser still resolves the Dallas name to Chicago.
    Given DNS resolves dallas.mail.fourthcoffee.com to CHI-CAS
    And these OWA virtual directories:
      | Server  | FailbackUrl                                        |
      | DAL-CAS | https://failback.dallas.mail.fourthcoffee.com/owa  |
    When dave signs in to OWA at "https://dallas.mail.fourthcoffee.com/owa"
    Then dave is shown a temporary redirection to "https://failback.dallas.mail.fourthcoffee.com/owa"
    And the rule that decided was "2010.temporary-failback-url"

  Scenario: Following the FailbackURL reaches the Dallas CAS
    Given DNS resolves dallas.mail.fourthcoffee.com to CHI-CAS
    And these OWA virtual directories:
      | Server  | FailbackUrl                                        |
      | DAL-CAS | https://failback.dallas.mail.fourthcoffee.com/owa  |
    When dave signs in to OWA at "https://dallas.mail.fourthcoffee.com/owa"
    And he follows the link
    Then dave is connected directly by DAL-CAS

  Scenario: The target is the URL she came in on, and no FailbackURL is set
    Given DNS resolves dallas.mail.fourthcoffee.com to CHI-CAS
    When dave signs in to OWA at "https://dallas.mail.fourthcoffee.com/owa"
    Then dave sees the error page "Close all browser windows and try again."
    And the rule that decided was "2010.temporary-no-failback-url"

  Scenario: The database's RpcClientAccessServer is here, but the database is mounted in Dallas
    Given these mailbox databases:
      | Name | Server  | RpcClientAccessServer |
      | DB1  | DAL-MBX | CHI-CAS               |
    And these mailboxes:
      | Name | Database |
      | ivan | DB1      |
    When ivan signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then ivan is shown a temporary redirection to "https://dallas.mail.fourthcoffee.com/owa"
    And the rule that decided was "2010.temporary-database-mounted-elsewhere"

  Scenario: The same database seen by an Exchange 2010 RTM CAS is an ordinary manual redirection
    Given these Exchange servers:
      | Name     | Site    | Version           | Roles        |
      | CHI-RTM  | Chicago | Exchange 2010 RTM | ClientAccess |
    And these OWA virtual directories:
      | Server  | ExternalUrl                           |
      | CHI-RTM | https://rtm.mail.fourthcoffee.com/owa |
    And these mailbox databases:
      | Name | Server  | RpcClientAccessServer |
      | DB1  | DAL-MBX | CHI-CAS               |
    And these mailboxes:
      | Name | Database |
      | ivan | DB1      |
    When ivan signs in to OWA at "https://rtm.mail.fourthcoffee.com/owa"
    Then ivan is shown a link to "https://dallas.mail.fourthcoffee.com/owa"
    And the rule that decided was "2010.cross-site-manual"

  Scenario: FailbackURL must differ from ExternalURL
    When the administrator declares these OWA virtual directories:
      | Server  | ExternalUrl                              | FailbackUrl                              |
      | DAL-CAS | https://dallas.mail.fourthcoffee.com/owa | https://dallas.mail.fourthcoffee.com/owa |
    Then the declaration is refused with "FailbackUrl must differ from ExternalUrl"
