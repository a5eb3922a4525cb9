@federation @office365
Feature: Free/busy between an on-premises organization and Office 365
  An Office 365 tenant is reached at Microsoft's names: Autodiscover at autodiscover-s.outlook.com, EWS at
  outlook.office365.com, and its application URI is outlook.com. Office 365 uses the business instance of the
  Microsoft Federation Gateway only. A tenant whose federation trust was created on the consumer instance
  (DelegationTrustLink WindowsLiveID) can be asked for free/busy, but gets no delegation token to ask anyone:
  only Office 365 support can recreate the trust.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name     | Site    | Version           | Roles                 |
      | CON-EX01 | Redmond | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name  | Server   |
      | alice | CON-EX01 |
    And the Contoso administrator has run "Set-WebServicesVirtualDirectory 'CON-EX01\EWS (Default Web Site)' -ExternalUrl https://mail.contoso.com/EWS/Exchange.asmx"
    And DNS resolves autodiscover.contoso.com to CON-EX01
    And Contoso is federated
    And alice@contoso.com's calendar holds:
      | Start             | End               | BusyType | Subject      |
      | 2011-12-12T09:00Z | 2011-12-12T10:00Z | Busy     | Weekly sync  |

  Rule: A tenant provisioned on the business instance

    Background:
      Given the Office 365 tenant "Tailspin" for tailspintoys.com
      And these mailboxes:
        | Name  |
        | johan |
      And johan@tailspintoys.com's calendar holds:
        | Start             | End               | BusyType | Subject      | Location |
        | 2011-12-12T13:00Z | 2011-12-12T15:00Z | Busy     | Cloud review | Room 7   |

    Scenario: Get-FederationInformation for the tenant's domain is answered by autodiscover-s.outlook.com
      When the Contoso administrator runs "Get-FederationInformation -DomainName tailspintoys.com"
      Then the output shows:
        | TargetApplicationUri | TargetAutodiscoverEpr                                                   | TokenIssuerUris                |
        | outlook.com          | https://autodiscover-s.outlook.com/autodiscover/autodiscover.svc/WSSecurity | urn:federation:MicrosoftOnline |
      When the Tailspin administrator runs "Get-FederatedOrganizationIdentifier"
      Then the output shows:
        | AccountNamespace             | DelegationTrustLink |
        | tailspintoys.onmicrosoft.com | MicrosoftOnline     |

    Scenario: Free/busy both ways between Contoso and the tenant
      Given the Contoso administrator has run "Get-FederationInformation -DomainName tailspintoys.com | New-OrganizationRelationship -Name 'To Office 365' -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails"
      And the Tailspin administrator has run:
        """
        Get-FederationInformation -DomainName contoso.com | New-OrganizationRelationship -Name To_OnPremise -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails
        Set-MailboxFolderPermission -Identity johan@tailspintoys.com:\Calendar -User Default -AccessRights LimitedDetails
        """
      When alice@contoso.com asks for the free/busy of johan@tailspintoys.com
      Then she sees busy times with subject and location
      And every step of the lookup passed
      And EXO01 received a POST to https://outlook.office365.com/EWS/Exchange.asmx/WSSecurity
      When johan@tailspintoys.com asks for the free/busy of alice@contoso.com from OWA
      Then he sees busy times only
      And CON-EX01 received a POST to https://mail.contoso.com/EWS/Exchange.asmx/WSSecurity
      When the Tailspin administrator runs "Test-OrganizationRelationship -Identity To_OnPremise -UserIdentity johan@tailspintoys.com"
      Then the output's last line is "RESULT: Success."

    Scenario: The tenant's administrator cannot create a federation trust
      When the Tailspin administrator tries:
        """
        New-FederationTrust -Name "Microsoft Federation Gateway" -Thumbprint 0000000000000000000000000000000000000000
        """
      Then the command fails saying "only Office 365 support can recreate it"

  Rule: A tenant whose federation trust was created on the consumer instance

    Background:
      Given the Office 365 tenant "Tailspin" for tailspintoys.com, whose federation trust was created on the consumer instance
      And these mailboxes:
        | Name  |
        | johan |
      And johan@tailspintoys.com's calendar holds:
        | Start             | End               | BusyType | Subject      |
        | 2011-12-12T13:00Z | 2011-12-12T15:00Z | Busy     | Cloud review |
      And the Contoso administrator has run "Get-FederationInformation -DomainName tailspintoys.com | New-OrganizationRelationship -Name 'To Office 365' -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"
      And the Tailspin administrator has run "Get-FederationInformation -DomainName contoso.com | New-OrganizationRelationship -Name To_OnPremise -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"

    Scenario: On-premises sees the tenant, the tenant cannot see on-premises, and nothing reaches Contoso
      When alice@contoso.com asks for the free/busy of johan@tailspintoys.com
      Then she sees busy times only
      When the Contoso administrator runs "Test-OrganizationRelationship -Identity 'To Office 365' -UserIdentity alice@contoso.com"
      Then the output's last line is "RESULT: Success."
      When johan@tailspintoys.com asks for the free/busy of alice@contoso.com
      Then the lookup fails with ErrorProxyRequestProcessingFailed saying "is not federated with the consumer instance (uri:WindowsLiveID)"
      And the lookup broke at step 4 of 11
      And CON-EX01 received no request
      When the Tailspin administrator runs "Test-OrganizationRelationship -Identity To_OnPremise -UserIdentity johan@tailspintoys.com"
      Then the output includes:
        """
        FailureToGetDelegationToken
        """
      And the output's last line is "RESULT: Error"
      When the Tailspin administrator runs "Get-FederatedOrganizationIdentifier"
      Then the output shows:
        | DelegationTrustLink |
        | WindowsLiveID       |

    Scenario: Office 365 support recreates the trust on the business instance, and the tenant gets its tokens
      When Office 365 support recreates the federation trust of Tailspin
      And the Tailspin administrator runs "Get-FederatedOrganizationIdentifier"
      Then the output shows:
        | DelegationTrustLink |
        | MicrosoftOnline     |
      When the Tailspin administrator runs "Get-FederationTrust"
      Then the output shows:
        | Name            | TokenIssuerUri                 | ApplicationUri |
        | MicrosoftOnline | urn:federation:MicrosoftOnline | outlook.com    |
      When johan@tailspintoys.com asks for the free/busy of alice@contoso.com
      Then he sees busy times only
