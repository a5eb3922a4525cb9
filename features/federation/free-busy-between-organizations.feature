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
