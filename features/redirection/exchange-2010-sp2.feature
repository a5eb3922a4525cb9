@redirection @exchange2010 @exchange2010sp2
Feature: Exchange 2010 SP2 cross-site silent redirection
  CrossSiteRedirectType on the source OWA virtual directory chooses between the manual redirection page
  (Manual, the default) and a silent redirection (Silent). Silent redirection signs the user in at the
  target with a hidden form when both sides use forms-based authentication; in the cases below it is a
  plain 302 and the target asks for credentials again.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory sites Seattle and Dallas
    And these Exchange servers:
      | Name    | Site    | Version           | Roles                 |
      | SEA-CAS | Seattle | Exchange 2010 SP2 | ClientAccess          |
      | DAL-CAS | Dallas  | Exchange 2010 SP2 | ClientAccess          |
      | DAL-MBX | Dallas  | Exchange 2010 SP2 | Mailbox               |
    And these OWA virtual directories:
      | Server  | ExternalUrl                          |
      | SEA-CAS | https://mail.seattle.contoso.com/owa |
      | DAL-CAS | https://mail.dallas.contoso.com/owa  |
    And these mailboxes:
      | Name  | Server  |
      | alice | DAL-MBX |

  Scenario: CrossSiteRedirectType is Manual by default
    Then Get-OwaVirtualDirectory on SEA-CAS shows:
      | CrossSiteRedirectType | Manual |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is shown a link to "https://mail.dallas.contoso.com/owa"

  Scenario: Silent with forms-based authentication on both sides: one sign-in in all
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType | Authentication |
      | SEA-CAS | Silent                | Basic, Fba     |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is silently redirected to "https://mail.dallas.contoso.com/owa" with single sign-on
    And her mailbox is rendered by DAL-CAS
    And she typed her password once in all
    And she clicked no links
    And the rule that decided was "2010sp2.cross-site-silent-fba"

  Scenario: CrossSiteRedirectType is set on the source: Silent on the target alone changes nothing
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType |
      | DAL-CAS | Silent                |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is shown a link to "https://mail.dallas.contoso.com/owa"

  Scenario: No single sign-on with Basic authentication on both sides
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType | Authentication |
      | SEA-CAS | Silent                | Basic          |
      | DAL-CAS |                       | Basic          |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is silently redirected to "https://mail.dallas.contoso.com/owa" without single sign-on
    And her mailbox is rendered by DAL-CAS
    And she typed her password twice in all
    And the rule that decided was "2010sp2.cross-site-silent-302"

  Scenario: No single sign-on with different authentication settings on the two sides
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType | Authentication |
      | SEA-CAS | Silent                | Basic, Fba     |
      | DAL-CAS |                       | Basic          |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is silently redirected to "https://mail.dallas.contoso.com/owa" without single sign-on
    And she typed her password twice in all

  Scenario: No single sign-on with two-factor authentication on the two sides
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType | TwoFactorAuthentication |
      | SEA-CAS | Silent                | $true                   |
      | DAL-CAS |                       | $true                   |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is silently redirected to "https://mail.dallas.contoso.com/owa" without single sign-on
    And she typed her password twice in all

  Scenario: No single sign-on through a pre-authenticating reverse proxy with a listener per namespace
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType | Authentication |
      | SEA-CAS | Silent                | Basic          |
      | DAL-CAS |                       | Basic          |
    And the reverse proxy "TMG" pre-authenticates with forms and publishes:
      | Namespace                | Listener | Server  |
      | mail.seattle.contoso.com | Seattle  | SEA-CAS |
      | mail.dallas.contoso.com  | Dallas   | DAL-CAS |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is silently redirected to "https://mail.dallas.contoso.com/owa" without single sign-on
    And her mailbox is rendered by DAL-CAS
    And she typed her password twice in all

  Scenario: One listener for both namespaces keeps her signed in across the redirection
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType | Authentication |
      | SEA-CAS | Silent                | Basic          |
      | DAL-CAS |                       | Basic          |
    And the reverse proxy "TMG" pre-authenticates with forms and publishes:
      | Namespace                | Listener | Server  |
      | mail.seattle.contoso.com | OWA      | SEA-CAS |
      | mail.dallas.contoso.com  | OWA      | DAL-CAS |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then her mailbox is rendered by DAL-CAS
    And she typed her password once in all

  Scenario: No single sign-on when the CAS issues a temporary redirection
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType |
      | SEA-CAS | Silent                |
    And these mailbox databases:
      | Name | Server  | RpcClientAccessServer |
      | DB1  | DAL-MBX | SEA-CAS               |
    And these mailboxes:
      | Name | Database |
      | ivan | DB1      |
    When ivan signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then ivan is temporarily redirected to "https://mail.dallas.contoso.com/owa" without a page
    And his mailbox is rendered by DAL-CAS
    And he typed his password twice in all

  Scenario: No single sign-on when the target is not https: forms-based single sign-on needs TLS
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType | ExternalUrl                        |
      | SEA-CAS | Silent                |                                    |
      | DAL-CAS |                       | http://mail.dallas.contoso.com/owa |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is silently redirected to "http://mail.dallas.contoso.com/owa" without single sign-on
    And she typed her password twice in all

  Scenario: Integrated Windows authentication in the Local Intranet zone signs her in everywhere
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType | Authentication    |
      | SEA-CAS | Silent                | WindowsIntegrated |
      | DAL-CAS |                       | WindowsIntegrated |
    And alice is signed in to a domain-joined workstation
    And the Local Intranet zone of alice's browser includes "*.contoso.com"
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is silently redirected to "https://mail.dallas.contoso.com/owa" without single sign-on
    And her mailbox is rendered by DAL-CAS
    And she never typed her password

  Scenario: Integrated Windows authentication outside the Local Intranet zone asks at each site
    Given these OWA virtual directories:
      | Server  | CrossSiteRedirectType | Authentication    |
      | SEA-CAS | Silent                | WindowsIntegrated |
      | DAL-CAS |                       | WindowsIntegrated |
    And alice is signed in to a domain-joined workstation
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then her mailbox is rendered by DAL-CAS
    And she typed her password twice in all

  Scenario: CrossSiteRedirectType does not exist before SP2
    Given these Exchange servers:
      | Name    | Site    | Version           | Roles        |
      | SEA-SP1 | Seattle | Exchange 2010 SP1 | ClientAccess |
    When the administrator declares these OWA virtual directories:
      | Server  | CrossSiteRedirectType |
      | SEA-SP1 | Silent                |
    Then the declaration is refused with "CrossSiteRedirectType is not a parameter of Set-OwaVirtualDirectory on Exchange 2010 SP1"
