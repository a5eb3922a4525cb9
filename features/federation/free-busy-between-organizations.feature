@federation
Feature: Cross-organization free/busy through the Microsoft Federation Gateway
  Contoso and Fabrikam each federate with the gateway and create an organization relationship with the
  other. A Contoso user asking for a Fabrikam user's free/busy goes through the seed's eleven steps:
  relationship, delegation token, Autodiscover and EWS at the partner, the partner's relationship and
  access level, the calendar, the answer.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name       | Site    | Version              | Roles                  |
      | CON-EX01   | Redmond | Exchange 2010 SP1    | ClientAccess, Mailbox  |
    And these mailboxes:
      | Name  | Server   |
      | alice | CON-EX01 |
    And the Contoso administrator has run "Set-WebServicesVirtualDirectory -Identity 'CON-EX01\EWS (Default Web Site)' -ExternalUrl https://mail.contoso.com/EWS/Exchange.asmx"
    And the Exchange organization "Fabrikam" in the forest fabrikam.com
    And the Active Directory site London
    And these Exchange servers:
      | Name       | Site   | Version           | Roles                 |
      | FAB-EX01   | London | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name | Server   |
      | bob  | FAB-EX01 |
    And the Fabrikam administrator has run "Set-WebServicesVirtualDirectory -Identity 'FAB-EX01\EWS (Default Web Site)' -ExternalUrl https://mail.fabrikam.com/EWS/Exchange.asmx"
    And DNS resolves autodiscover.fabrikam.com to FAB-EX01
    And DNS resolves autodiscover.contoso.com to CON-EX01
    And Contoso is federated
    And Fabrikam is federated
    And bob@fabrikam.com's calendar holds:
      | Start             | End               | BusyType  | Subject         | Location   |
      | 2011-12-12T10:00Z | 2011-12-12T11:00Z | Busy      | Budget review   | Room 12    |
      | 2011-12-12T14:00Z | 2011-12-12T14:30Z | Tentative | Call with Tokyo | Phone      |

  Scenario: LimitedDetails, and Bob's calendar shares details: busy times with subject and location
    Given the Fabrikam administrator has run:
      """
      New-OrganizationRelationship -Name "Contoso" -DomainNames "contoso.com","exchangedelegation.contoso.com" `
        -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails `
        -TargetApplicationUri FYDIBOHF25SPDLT.exchangedelegation.contoso.com `
        -TargetAutodiscoverEpr https://autodiscover.contoso.com/autodiscover/autodiscover.svc/WSSecurity
      Set-MailboxFolderPermission -Identity bob@fabrikam.com:\Calendar -User Default -AccessRights LimitedDetails
      """
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails"
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com from Outlook 2010
    Then she sees busy times with subject and location
    And she sees these items:
      | Start | End   | BusyType  | Subject         | Location |
      | 10:00 | 11:00 | Busy      | Budget review   | Room 12  |
      | 14:00 | 14:30 | Tentative | Call with Tokyo | Phone    |
    And the merged free/busy is "00002200000010000000"
    And every step of the lookup passed

  Scenario: LimitedDetails, but Bob's calendar keeps the default permission: the calendar lowers it to busy times
    Given the Fabrikam administrator has run:
      """
      New-OrganizationRelationship -Name "Contoso" -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails `
        -TargetApplicationUri FYDIBOHF25SPDLT.exchangedelegation.contoso.com -TargetAutodiscoverEpr https://autodiscover.contoso.com/autodiscover/autodiscover.svc/WSSecurity
      """
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails"
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com
    Then she sees busy times only
    And the merged free/busy is "00002200000010000000"

  Scenario: AvailabilityOnly shows times only, whatever the calendar shares
    Given the Fabrikam administrator has run:
      """
      New-OrganizationRelationship -Name "Contoso" -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly
      Set-MailboxFolderPermission -Identity bob@fabrikam.com:\Calendar -User Default -AccessRights Reviewer
      """
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam"
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com from OWA
    Then she sees busy times only

  Scenario: FreeBusyAccessLevel None: ErrorNoFreeBusyAccess, decided at step 9
    Given the Fabrikam administrator has run "New-OrganizationRelationship -Name Contoso -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel None"
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam"
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com
    Then the lookup fails with ErrorNoFreeBusyAccess
    And the lookup broke at step 9 of 11

  Scenario: Test-OrganizationRelationship compares both sides: Contoso shares, Fabrikam's relationship allows None
    Given the Fabrikam administrator has run "Get-FederationInformation -DomainName contoso.com | New-OrganizationRelationship -Name Contoso -FreeBusyAccessEnabled $true -FreeBusyAccessLevel None"
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"
    When the Contoso administrator runs "Test-OrganizationRelationship -Identity Fabrikam -UserIdentity alice@contoso.com"
    Then the output includes:
      """
      AccessMismatchLocalRemote: "Fabrikam" has FreeBusyAccessEnabled, but the remote organization relationship "Contoso" has FreeBusyAccessLevel None.
      """
    And the output's last line is "RESULT: Error"
    When the Fabrikam administrator runs "Test-OrganizationRelationship -Identity Contoso -UserIdentity bob@fabrikam.com"
    Then the output includes:
      """
      AccessMismatchRemoteLocal: the remote organization relationship "Fabrikam" has FreeBusyAccessEnabled, but "Contoso" has FreeBusyAccessLevel None.
      """
    When the Fabrikam administrator runs "Set-OrganizationRelationship Contoso -FreeBusyAccessLevel AvailabilityOnly"
    And the Contoso administrator runs "Test-OrganizationRelationship -Identity Fabrikam -UserIdentity alice@contoso.com"
    Then the output includes:
      """
      No Significant Issues to Report
      """
    And the output's last line is "RESULT: Success."

  Scenario: Test-OrganizationRelationship finds no relationship for Contoso on the Fabrikam side
    Given the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"
    When the Contoso administrator runs "Test-OrganizationRelationship -Identity Fabrikam -UserIdentity alice@contoso.com"
    Then the output includes:
      """
      NoOrganizationRelationshipInstancesWereReturnedByTheRemoteParty
      """
    And the output's last line is "RESULT: Error"
    When the Contoso administrator tries:
      """
      Test-OrganizationRelationship -Identity Northwind -UserIdentity alice@contoso.com
      """
    Then the command fails saying "Northwind"

  Scenario: Get-FederationInformation reads the partner's federation information from its Autodiscover
    When the Contoso administrator runs "Get-FederationInformation -DomainName fabrikam.com"
    Then the output shows:
      | DomainNames                                   | TargetApplicationUri                            | TargetAutodiscoverEpr                                                      | TokenIssuerUris                |
      | exchangedelegation.fabrikam.com, fabrikam.com | FYDIBOHF25SPDLT.exchangedelegation.fabrikam.com | https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity | urn:federation:MicrosoftOnline |
    And FAB-EX01 received a POST to https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc
    Given autodiscover.northwindtraders.com is not published in public DNS
    And northwindtraders.com is not published in public DNS
    When the Contoso administrator tries:
      """
      Get-FederationInformation -DomainName northwindtraders.com
      """
    Then the command fails saying "Get-FederationInformation could not reach Autodiscover for northwindtraders.com"

  Scenario: FreeBusyAccessEnabled is off unless it is turned on
    Given the Fabrikam administrator has run "New-OrganizationRelationship -Name Contoso -DomainNames contoso.com -FreeBusyAccessLevel LimitedDetails"
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam"
    When the Fabrikam administrator runs "Get-OrganizationRelationship Contoso"
    Then the output shows:
      | Name    | FreeBusyAccessEnabled | FreeBusyAccessLevel |
      | Contoso | False                 | LimitedDetails      |
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com
    Then the lookup fails with ErrorNoFreeBusyAccess
    And the lookup broke at step 9 of 11

  Scenario: A scope group shares free/busy only for its members
    Given Fabrikam has the group "Shared Calendars" with members bob
    And these mailboxes:
      | Name  | Server   |
      | carol | FAB-EX01 |
    And the Fabrikam administrator has run "New-OrganizationRelationship -Name Contoso -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly -FreeBusyAccessScope 'Shared Calendars'"
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam"
    When alice@contoso.com asks for the free/busy of carol@fabrikam.com
    Then the lookup fails with ErrorNoFreeBusyAccess
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com
    Then she sees busy times only

  Scenario: Without a relationship for the domain, the source has nowhere to ask: step 2
    Given the Fabrikam administrator has run "New-OrganizationRelationship -Name Contoso -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com
    Then the lookup fails with ErrorMailRecipientNotFound
    And the lookup broke at step 2 of 11
    And FAB-EX01 received no request

  Scenario: The target has no relationship for the requester: not in its trust list, step 8
    Given the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam"
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com
    Then the lookup fails with ErrorNoFreeBusyAccess
    And the lookup broke at step 8 of 11

  Scenario: Outlook 2007 cannot look up a typed address; a mail contact in the address list fixes it
    Given the Fabrikam administrator has run "New-OrganizationRelationship -Name Contoso -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam"
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com from Outlook 2007
    Then the client sends nothing, because "the user must be in the address list"
    Given the Contoso administrator has run "New-MailContact -Name 'Bob (Fabrikam)' -ExternalEmailAddress bob@fabrikam.com"
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com from Outlook 2007
    Then she sees busy times only

  Scenario: A relationship change takes effect only when the cache expires, up to 7 hours later
    Given the Fabrikam administrator has run:
      """
      New-OrganizationRelationship -Name Contoso -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails
      Set-MailboxFolderPermission -Identity bob@fabrikam.com:\Calendar -User Default -AccessRights LimitedDetails
      """
    And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam"
    And alice@contoso.com asks for the free/busy of bob@fabrikam.com
    And she sees busy times with subject and location
    When the Fabrikam administrator runs "Set-OrganizationRelationship Contoso -FreeBusyAccessLevel AvailabilityOnly"
    And 6 hours pass
    And alice@contoso.com asks for the free/busy of bob@fabrikam.com
    Then she sees busy times with subject and location
    When 1 hour passes
    And alice@contoso.com asks for the free/busy of bob@fabrikam.com
    Then she sees busy times only
