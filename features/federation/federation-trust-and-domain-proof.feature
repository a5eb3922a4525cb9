@federation
Feature: Federation trust, domain proofs and the organization identifier
  New-FederationTrust puts an organization on one of the gateway's two instances: business
  (urn:federation:MicrosoftOnline) for Exchange 2010 SP1 with a self-signed certificate, consumer
  (uri:WindowsLiveID) for Exchange 2010 RTM and for a third-party certificate. Domains join the trust only
  when their proof is a TXT record in DNS (a real query, on loopback).

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name     | Site    | Version           | Roles                 |
      | CON-EX01 | Redmond | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name  | Server   |
      | alice | CON-EX01 |

  Scenario: The runbook, step by step, on the business instance
    Given the Contoso administrator has run:
      """
      New-ExchangeCertificate -FriendlyName "Exchange Federated Delegation" -SubjectName "CN=Federation" -DomainName contoso.com
      Get-ExchangeCertificate | ?{$_.friendlyname -eq “Exchange Federated Delegation”} | New-FederationTrust -Name “Microsoft Federation Gateway”
      New-AcceptedDomain -DomainName exchangedelegation.contoso.com -Name FederationDomain
      """
    And Contoso publishes the domain proof of exchangedelegation.contoso.com in DNS
    And Contoso publishes the domain proof of contoso.com in DNS
    When the Contoso administrator runs:
      """
      Set-FederatedOrganizationIdentifier -DelegationFederationTrust “Microsoft Federation Gateway” -AccountNamespace exchangedelegation.contoso.com -Enabled $True
      Add-FederatedDomain -DomainName contoso.com
      Get-FederatedOrganizationIdentifier
      """
    Then the output shows:
      | AccountNamespace               | Domains                                     | Enabled | DelegationTrustLink          |
      | exchangedelegation.contoso.com | contoso.com, exchangedelegation.contoso.com | True    | Microsoft Federation Gateway |
    When the Contoso administrator runs "Get-FederationTrust | fl"
    Then the output shows:
      | Name                         | ApplicationUri                                 | TokenIssuerUri                 | TokenIssuerType | MetadataPollInterval |
      | Microsoft Federation Gateway | FYDIBOHF25SPDLT.exchangedelegation.contoso.com | urn:federation:MicrosoftOnline | MicrosoftOnline | 1.00:00:00           |

  Scenario: Without the TXT record, Set-FederatedOrganizationIdentifier refuses
    Given the Contoso administrator has run:
      """
      New-ExchangeCertificate -FriendlyName "Federation"
      Get-ExchangeCertificate | ?{$_.FriendlyName -eq "Federation"} | New-FederationTrust -Name "Microsoft Federation Gateway"
      New-AcceptedDomain -DomainName exchangedelegation.contoso.com -Name FederationDomain
      """
    When the Contoso administrator tries:
      """
      Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Microsoft Federation Gateway" -AccountNamespace exchangedelegation.contoso.com -Enabled $true
      """
    Then the command fails saying "exchangedelegation.contoso.com has no TXT record (ENOTFOUND)"
    Given the TXT record "v=spf1 -all" is published for exchangedelegation.contoso.com
    When the Contoso administrator tries:
      """
      Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Microsoft Federation Gateway" -AccountNamespace exchangedelegation.contoso.com -Enabled $true
      """
    Then the command fails saying "no TXT record of exchangedelegation.contoso.com holds the domain proof"
    Given Contoso publishes the domain proof of exchangedelegation.contoso.com in DNS
    When the Contoso administrator runs "Set-FederatedOrganizationIdentifier -DelegationFederationTrust 'Microsoft Federation Gateway' -AccountNamespace exchangedelegation.contoso.com -Enabled $true"
    And the Contoso administrator tries:
      """
      Add-FederatedDomain -DomainName contoso.com
      """
    Then the command fails saying "the domain proof of contoso.com was not found in DNS"

  Scenario: The account namespace must be an accepted domain, and must not be the primary SMTP domain
    Given the Contoso administrator has run:
      """
      New-ExchangeCertificate -FriendlyName "Federation"
      Get-ExchangeCertificate | ?{$_.FriendlyName -eq "Federation"} | New-FederationTrust -Name "Microsoft Federation Gateway"
      """
    And Contoso publishes the domain proof of exchangedelegation.contoso.com in DNS
    When the Contoso administrator tries:
      """
      Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Microsoft Federation Gateway" -AccountNamespace exchangedelegation.contoso.com
      """
    Then the command fails saying "must be an accepted domain first (New-AcceptedDomain -DomainName exchangedelegation.contoso.com)"
    When the Contoso administrator tries:
      """
      Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Microsoft Federation Gateway" -AccountNamespace contoso.com
      """
    Then the command fails saying "must differ from the primary SMTP domain contoso.com"

  Scenario: The console's wizard makes a self-signed certificate; a third-party one only from the shell
    Given Contoso has a certificate "Contoso Federation" issued by "Fabrikam Trust Services CA"
    When the Contoso administrator uses the New Federation Trust wizard
    And the Contoso administrator runs "Get-FederationTrust"
    Then the output shows:
      | TokenIssuerUri                 |
      | urn:federation:MicrosoftOnline |

  Scenario: Exchange 2010 SP1 with a third-party certificate ends up on the consumer instance
    Given Contoso has a certificate "Contoso Federation" issued by "Fabrikam Trust Services CA"
    When the Contoso administrator runs:
      """
      Get-ExchangeCertificate | ?{$_.FriendlyName -eq "Contoso Federation"} | New-FederationTrust -Name "Microsoft Federation Gateway"
      Get-FederationTrust
      """
    Then the output shows:
      | TokenIssuerUri    | TokenIssuerType |
      | uri:WindowsLiveID | WindowsLiveID   |

  Scenario: Exchange 2010 RTM federates with the consumer instance, which refuses a self-signed certificate
    Given the Exchange organization "Tailspin" in the forest tailspintoys.com
    And the Active Directory site Paris
    And these Exchange servers:
      | Name     | Site  | Version           | Roles                 |
      | TAIL-EX1 | Paris | Exchange 2010 RTM | ClientAccess, Mailbox |
    When the Tailspin administrator tries:
      """
      New-ExchangeCertificate -FriendlyName "Federation"
      Get-ExchangeCertificate | ?{$_.FriendlyName -eq "Federation"} | New-FederationTrust -Name "Microsoft Federation Gateway"
      """
    Then the command fails saying "the consumer instance of the Microsoft Federation Gateway requires a certificate issued by a certification authority"
    Given Tailspin has a certificate "Tailspin Federation" issued by "Contoso Root CA"
    When the Tailspin administrator runs:
      """
      Get-ExchangeCertificate | ?{$_.FriendlyName -eq "Tailspin Federation"} | New-FederationTrust -Name "Microsoft Federation Gateway"
      Get-FederationTrust
      """
    Then the output shows:
      | TokenIssuerUri    |
      | uri:WindowsLiveID |

  Scenario: A certificate made on a server ahead of GMT is not yet valid for the gateway; waiting cures it
    Given Contoso's servers are 1 hour ahead of GMT
    And the Contoso administrator has run "New-ExchangeCertificate -FriendlyName Federation"
    When the Contoso administrator tries:
      """
      Get-ExchangeCertificate | ?{$_.FriendlyName -eq "Federation"} | New-FederationTrust -Name "Microsoft Federation Gateway"
      """
    Then the command fails saying "is not valid yet"
    When 1 hour passes
    And the Contoso administrator runs "Get-ExchangeCertificate | ?{$_.FriendlyName -eq 'Federation'} | New-FederationTrust -Name 'Microsoft Federation Gateway'"
    And the Contoso administrator runs "Get-FederationTrust"
    Then the output shows:
      | Name                         |
      | Microsoft Federation Gateway |

  Scenario: A mistyped parameter applies nothing and names what is accepted
    When the Contoso administrator tries:
      """
      New-AcceptedDomain -DomainName exchangedelegation.contoso.com -Name FederationDomain
      Set-FederatedOrganizationIdentifier -DelegationTrust "Microsoft Federation Gateway" -AccountNamespace exchangedelegation.contoso.com
      """
    Then the command fails saying "Set-FederatedOrganizationIdentifier has no parameter -DelegationTrust"
    When the Contoso administrator runs "New-AcceptedDomain -DomainName exchangedelegation.contoso.com -Name FederationDomain"
