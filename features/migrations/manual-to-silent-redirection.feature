@migration @redirection @exchange2010sp2
Feature: Migration impact: cross-site redirection from Manual to Silent (Exchange 2010 SP2)
  Contoso's users in Dallas reach OWA through Seattle's Internet-facing CAS today and get a page with a
  link to Dallas. The change sets CrossSiteRedirectType Silent on the source, as SP2 allows. The impact
  says who stops clicking a link and who still types a password twice.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory sites Seattle and Dallas
    And these Exchange servers:
      | Name    | Site    | Version           | Roles        |
      | SEA-CAS | Seattle | Exchange 2010 SP2 | ClientAccess |
      | SEA-MBX | Seattle | Exchange 2010 SP2 | Mailbox      |
      | DAL-CAS | Dallas  | Exchange 2010 SP2 | ClientAccess |
      | DAL-MBX | Dallas  | Exchange 2010 SP2 | Mailbox      |
    And these OWA virtual directories:
      | Server  | ExternalUrl                          |
      | SEA-CAS | https://mail.seattle.contoso.com/owa |
      | DAL-CAS | https://mail.dallas.contoso.com/owa  |
    And these mailboxes:
      | Name  | Server  |
      | alice | DAL-MBX |
      | ben   | DAL-MBX |
      | sam   | SEA-MBX |

  Scenario: Silent with forms-based authentication on both sides: a link and a second sign-in become single sign-on
    Given this is the topology before the migration
    When the administrator runs:
      """
      Set-OWAVirtualDirectory -Identity "SEA-CAS\owa (Default Web site)" -CrossSiteRedirectType Silent
      """
    Then the migration changes:
      | Users      | At                                   | Before                                                                         | After                                                                   |
      | alice, ben | https://mail.seattle.contoso.com/owa | shown a link to https://mail.dallas.contoso.com/owa, one more password prompt  | silently redirected to https://mail.dallas.contoso.com/owa, single sign-on |
      | alice, ben | https://sea-cas.contoso.com/owa      | shown a link to https://mail.dallas.contoso.com/owa, one more password prompt  | silently redirected to https://mail.dallas.contoso.com/owa, single sign-on |
    And the migration changes nothing for users in Seattle

  Scenario: Silent towards a Dallas CAS with Basic authentication: no more link, but still a second password prompt
    Given these OWA virtual directories:
      | Server  | Authentication |
      | DAL-CAS | Basic          |
    And this is the topology before the migration
    When the administrator runs:
      """
      Set-OwaVirtualDirectory "SEA-CAS\owa (Default Web Site)" -CrossSiteRedirectType Silent
      """
    Then the migration changes:
      | Users      | At                                   | Before                                                                        | After                                                                           |
      | alice, ben | https://mail.seattle.contoso.com/owa | shown a link to https://mail.dallas.contoso.com/owa, one more password prompt | silently redirected to https://mail.dallas.contoso.com/owa, one more password prompt |
      | alice, ben | https://sea-cas.contoso.com/owa      | shown a link to https://mail.dallas.contoso.com/owa, one more password prompt | silently redirected to https://mail.dallas.contoso.com/owa, one more password prompt |

  Scenario: CrossSiteRedirectType is read on the source: Silent in Dallas changes the Seattle users who arrive there
    Given this is the topology before the migration
    When the administrator runs:
      """
      Set-OwaVirtualDirectory "DAL-CAS\owa (Default Web Site)" -CrossSiteRedirectType Silent
      """
    Then the migration changes nothing for users in Dallas
    And the migration changes:
      | Users | At                                  | Before                                                                         | After                                                                       |
      | sam   | https://mail.dallas.contoso.com/owa | shown a link to https://mail.seattle.contoso.com/owa, one more password prompt | silently redirected to https://mail.seattle.contoso.com/owa, single sign-on |
      | sam   | https://dal-cas.contoso.com/owa     | shown a link to https://mail.seattle.contoso.com/owa, one more password prompt | silently redirected to https://mail.seattle.contoso.com/owa, single sign-on |
