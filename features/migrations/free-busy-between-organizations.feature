@migration @federation
Feature: Migration impact on free/busy between organizations
  Fabrikam shares free/busy with Contoso at LimitedDetails and lowers it to AvailabilityOnly. The impact
  compares what every mailbox of each organization sees of every mailbox of the other. Lookups are real
  requests, so Contoso's cache of Fabrikam's answer counts, as it does for users: the change shows only
  when the cache expires.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name     | Site    | Version           | Roles                 |
      | CON-EX01 | Redmond | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name  | Server   |
      | alice | CON-EX01 |
    And the Contoso administrator has run "Set-WebServicesVirtualDirectory -Identity 'CON-EX01\EWS (Default Web Site)' -ExternalUrl https://mail.contoso.com/EWS/Exchange.asmx"
    And the Exchange organization "Fabrikam" in the forest fabrikam.com
    And the Active Directory site London
    And these Exchange servers:
      | Name     | Site   | Version           | Roles                 |
      | FAB-EX01 | London | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name | Server   |
      | bob  | FAB-EX01 |
    And the Fabrikam administrator has run "Set-WebServicesVirtualDirectory -Identity 'FAB-EX01\EWS (Default Web Site)' -ExternalUrl https://mail.fabrikam.com/EWS/Exchange.asmx"
    And DNS resolves autodiscover.fabrikam.com to FAB-EX01
    And DNS resolves autodiscover.contoso.com to CON-EX01
    And Contoso is federated
    And Fabrikam is federated
    And bob@fabrikam.com's calendar holds:
      | Start             | End               | BusyType | Subject       | Location |
      | 2011-12-12T10:00Z | 2011-12-12T11:00Z | Busy     | Budget review | Room 12  |
    And the Fabrikam administrator has run:
      """
      New-OrganizationRelationship -Name Contoso -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails
      Set-MailboxFolderPermission -Identity bob@fabrikam.com:\Calendar -User Default -AccessRights LimitedDetails
      """
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam"
    And this is the topology before the migration

  Scenario: AvailabilityOnly takes effect for Contoso's users when the cached relationship expires
    When the Fabrikam administrator runs "Set-OrganizationRelationship Contoso -FreeBusyAccessLevel AvailabilityOnly"
    Then the migration changes nothing for alice
    When 7 hours pass
    Then the migration changes:
      | Question  | Users | At               | Before                                                  | After                                |
      | free/busy | alice | bob@fabrikam.com | DetailedMerged: busy times with subject and location | FreeBusyMerged: busy times only      |
    And the migration changes nothing for bob
