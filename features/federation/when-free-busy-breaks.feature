@federation
Feature: When cross-organization free/busy breaks, and how the diagnostic cmdlets show it
  Each failure from the seed is reproduced by a Given and diagnosed by the trace: the step of the eleven
  that broke, the error the source Client Access server logs, and what Test-FederationTrust and
  Test-OrganizationRelationship print.

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
    And the Exchange organization "Fabrikam" in the forest fabrikam.com
    And the Active Directory site London
    And these Exchange servers:
      | Name     | Site   | Version           | Roles                 |
      | FAB-EX01 | London | Exchange 2010 SP2 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name | Server   |
      | bob  | FAB-EX01 |
    And bob@fabrikam.com's calendar holds:
      | Start             | End               | BusyType | Subject       |
      | 2011-12-12T10:00Z | 2011-12-12T11:00Z | Busy     | Budget review |

  Rule: Both organizations federated, relationships on both sides

    Background:
      Given the Fabrikam administrator has run "Set-WebServicesVirtualDirectory 'FAB-EX01\EWS (Default Web Site)' -ExternalUrl https://mail.fabrikam.com/EWS/Exchange.asmx"
      And DNS resolves autodiscover.fabrikam.com to FAB-EX01
      And Contoso is federated
      And Fabrikam is federated
      And the Fabrikam administrator has run "Get-FederationInformation -DomainName contoso.com | New-OrganizationRelationship -Name Contoso -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"
      And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"

    Scenario: The gateway rotates its signing certificate: the security token error, cured by refreshing the metadata on both sides
      Given alice@contoso.com asks for the free/busy of bob@fabrikam.com
      And she sees busy times only
      When the Microsoft Federation Gateway (business) rotates its signing certificate
      And alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup fails with ErrorAutoDiscoverFailed saying "SoapHeaderException: An error occurred when processing the security tokens in the message."
      And the lookup broke at step 7 of 11
      And Contoso logs an error containing:
        """
        Process Microsoft.Exchange.InfoWorker.Common.Delayed`1[System.String]: <bob@fabrikam.com>SMTP:bob@fabrikam.com failed. Exception returned is Microsoft.Exchange.InfoWorker.Common.Availability.AutoDiscoverFailedException: Autodiscover failed for e-mail address <bob@fabrikam.com>SMTP:bob@fabrikam.com with exception System.Web.Services.Protocols.SoapHeaderException: An error occurred when processing the security tokens in the message. Name of the server where exception originated: CON-EX01. This event may occur when Availability Service cannot discover an Availability Service in the remote forest.
        """
      When the Fabrikam administrator runs "Test-FederationTrust -UserIdentity bob@fabrikam.com"
      Then Test-FederationTrust reports 1107 Error
      And Test-FederationTrust reports 1108 Error
      # Only Contoso refreshes: Fabrikam, the side that validates Alice's tokens, still holds the old certificate.
      When the Contoso administrator runs "Get-FederationTrust | Set-FederationTrust -RefreshMetadata"
      And 5 minutes pass
      And alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup broke at step 7 of 11
      When the Fabrikam administrator runs "Get-FederationTrust | Set-FederationTrust -RefreshMetadata"
      And alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup broke at step 7 of 11
      # The servers keep the trust they read for five minutes.
      When 5 minutes pass
      And alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then she sees busy times only
      When the Fabrikam administrator runs "Test-FederationTrust -UserIdentity bob@fabrikam.com"
      Then Test-FederationTrust reports 1107 Success
      And Test-FederationTrust reports 1108 Success

    Scenario: A man in the middle who forges the delegation token is refused: the signature is not the gateway's
      Given a man in the middle at mail.fabrikam.com replaces each delegation token with one it forged for ceo@contoso.com
      When alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup fails with ErrorProxyRequestProcessingFailed saying "SoapHeaderException: An error occurred when processing the security tokens in the message."
      And the lookup broke at step 7 of 11
      And FAB-EX01 refused the delegation token because of its signer

    Scenario: Without a refresh, the 24-hour metadata poll picks the new certificate up
      When the Microsoft Federation Gateway (business) rotates its signing certificate
      And 1 day passes
      And alice@contoso.com asks for the free/busy of bob@fabrikam.com on 2011-12-12
      Then she sees busy times only

    Scenario: An expired organization certificate gets no delegation token
      Given the Contoso administrator has run "Test-FederationTrust -UserIdentity alice@contoso.com"
      And Test-FederationTrust reports 1104 Success
      When 1826 days pass
      And alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup fails with ErrorProxyRequestProcessingFailed saying "expired on"
      And the lookup broke at step 3 of 11
      When the Contoso administrator runs "Test-FederationTrust -UserIdentity alice@contoso.com"
      Then Test-FederationTrust reports 1104 Error
      And Test-FederationTrust reports 1106 Error

    Scenario: Fabrikam's EWS has no ExternalUrl: Autodiscover has no EWS address to give
      Given the Fabrikam administrator has run "Set-WebServicesVirtualDirectory 'FAB-EX01\EWS (Default Web Site)' -ExternalUrl $null"
      When alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup fails with ErrorAutoDiscoverFailed saying "SettingIsNotAvailable"
      And the lookup broke at step 6 of 11
      When the Contoso administrator runs "Test-OrganizationRelationship -Identity Fabrikam -UserIdentity alice@contoso.com"
      # It tests the token and Autodiscover, not free/busy itself.
      Then the output's last line is "RESULT: Success."

    Scenario: Fabrikam's EWS ExternalUrl names an internal host: Autodiscover gives it, and nobody outside can reach it
      Given the Fabrikam administrator has run "Set-WebServicesVirtualDirectory 'FAB-EX01\EWS (Default Web Site)' -ExternalUrl https://fab-ex01.fabrikam.local/EWS/Exchange.asmx"
      And fab-ex01.fabrikam.local is not published in public DNS
      When alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup fails with ErrorProxyRequestProcessingFailed saying "Unable to connect to the remote server fab-ex01.fabrikam.local"
      And the lookup broke at step 6 of 11
      And FAB-EX01 received a POST to https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity
      And FAB-EX01 received no request at https://fab-ex01.fabrikam.local/EWS/Exchange.asmx/WSSecurity

    Scenario: Test-OrganizationRelationship reports a relationship whose TargetApplicationUri was typed wrong
      Given the Contoso administrator has run "Set-OrganizationRelationship Fabrikam -TargetApplicationUri exchangedelegation.fabrikam.com"
      When the Contoso administrator runs "Test-OrganizationRelationship -Identity Fabrikam -UserIdentity alice@contoso.com"
      Then the output includes:
        """
        FailureToGetDelegationToken: exchangedelegation.fabrikam.com is not federated with the business instance
        """
      And the output's last line is "RESULT: Error"

  Rule: Reaching the partner from the Internet

    Background:
      Given the Fabrikam administrator has run "Set-WebServicesVirtualDirectory 'FAB-EX01\EWS (Default Web Site)' -ExternalUrl https://mail.fabrikam.com/EWS/Exchange.asmx"
      And Contoso is federated
      And Fabrikam is federated
      And the Fabrikam administrator has run:
        """
        New-OrganizationRelationship -Name Contoso -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly
        """
      And the Contoso administrator has run:
        """
        New-OrganizationRelationship -Name Fabrikam -DomainNames fabrikam.com,exchangedelegation.fabrikam.com -TargetApplicationUri FYDIBOHF25SPDLT.exchangedelegation.fabrikam.com `
          -TargetAutodiscoverEpr https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity
        """

    Scenario: Autodiscover is not published on the Internet
      Given autodiscover.fabrikam.com is not published in public DNS
      When alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup fails with ErrorAutoDiscoverFailed saying "Autodiscover failed for e-mail address <bob@fabrikam.com>SMTP:bob@fabrikam.com"
      And the lookup broke at step 6 of 11
      And FAB-EX01 received no request

    Scenario: A reverse proxy that pre-authenticates the WS-Security endpoints stops the request before the CAS
      Given the reverse proxy "TMG" pre-authenticates with forms and publishes:
        | Namespace                | Listener | Server   |
        | autodiscover.fabrikam.com | External | FAB-EX01 |
        | mail.fabrikam.com         | External | FAB-EX01 |
      When alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup fails with ErrorAutoDiscoverFailed saying "The request failed with HTTP status 302: Found."
      And FAB-EX01 received no request

    Scenario: Passing the three paths through without pre-authentication lets the token do the authenticating
      Given the reverse proxy "TMG" pre-authenticates with forms and publishes:
        | Namespace                | Listener | Server   |
        | autodiscover.fabrikam.com | External | FAB-EX01 |
        | mail.fabrikam.com         | External | FAB-EX01 |
      And the reverse proxy "TMG" passes these paths through without pre-authentication:
        | Path                                       |
        | /EWS/Exchange.asmx/wssecurity              |
        | /Autodiscover/Autodiscover.svc             |
        | /Autodiscover/Autodiscover.svc/wssecurity  |
      When alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then she sees busy times only
      And FAB-EX01 received a POST to https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity

  Rule: Both sides must use the same gateway instance

    Scenario: Contoso on the consumer instance, Fabrikam on the business one: no delegation token
      Given Contoso is federated using a certificate from "Contoso Root CA"
      And the Fabrikam administrator has run "Set-WebServicesVirtualDirectory 'FAB-EX01\EWS (Default Web Site)' -ExternalUrl https://mail.fabrikam.com/EWS/Exchange.asmx"
      And DNS resolves autodiscover.fabrikam.com to FAB-EX01
      And Fabrikam is federated
      And the Fabrikam administrator has run "New-OrganizationRelationship -Name Contoso -DomainNames contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"
      And the Contoso administrator has run "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam"
      When the Contoso administrator runs "Get-FederatedOrganizationIdentifier"
      And the Contoso administrator runs "Get-FederationTrust"
      Then the output shows:
        | TokenIssuerUri    |
        | uri:WindowsLiveID |
      When alice@contoso.com asks for the free/busy of bob@fabrikam.com
      Then the lookup fails with ErrorProxyRequestProcessingFailed saying "is not federated with the consumer instance (uri:WindowsLiveID)"
      And the lookup broke at step 4 of 11
      When the Contoso administrator runs "Test-OrganizationRelationship -Identity Fabrikam -UserIdentity alice@contoso.com"
      Then the output includes:
        """
        FailureToGetDelegationToken
        """
