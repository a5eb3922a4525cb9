@federation @shell
Feature: Federating with the Exchange Management Shell, as the runbook says
  The runbook's commands are pasted as they are, in PowerShell's own syntax: the certificate and the
  federation trust, the domain proofs, the organization identifier and the federated domains, then an
  organization relationship typed by hand or built from the partner's Get-FederationInformation. The
  shell checks a whole script before it runs any of it, so a mistake on its last line names the cmdlet,
  the parameter and what Exchange accepts, and nothing of the script is applied. What only the network can
  tell (the partner's Autodiscover, a domain proof in DNS) stops the script where it fails, and what ran
  before it stays, as with -ErrorAction Stop.

  Background:
    Given the Exchange organization "Contoso" in the forest contoso.com
    And the Active Directory site Redmond
    And these Exchange servers:
      | Name     | Site    | Version           | Roles                 |
      | CON-EX01 | Redmond | Exchange 2010 SP1 | ClientAccess, Mailbox |
    And these mailboxes:
      | Name  | Server   |
      | alice | CON-EX01 |
    And the Contoso administrator has run "Set-WebServicesVirtualDirectory -Identity CON-EX01\EWS* -ExternalUrl https://mail.contoso.com/EWS/Exchange.asmx"
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
    And Fabrikam is federated

  Scenario: Part I of the runbook: the certificate, the trust from the pipeline, the account namespace and its domain proof
    When the Contoso administrator runs:
      """
      # the certificate the trust signs with, and the trust on the business instance
      New-ExchangeCertificate -FriendlyName 'Exchange Federated Delegation' -SubjectName "CN=Federation" `
          -DomainName contoso.com,exchangedelegation.contoso.com -PrivateKeyExportable:$true -KeySize 2048 -Services Federation
      Get-ExchangeCertificate | ?{$_.friendlyname -eq “Exchange Federated Delegation”} | New-FederationTrust -Name “Microsoft Federation Gateway”
      New-AcceptedDomain -DomainName exchangedelegation.contoso.com -Name FederationDomain -DomainType Authoritative
      Get-FederatedDomainProof –DomainName exchangedelegation.contoso.com
      """
    Then the output shows:
      | DomainName                     |
      | exchangedelegation.contoso.com |
    And Contoso's Get-ExchangeCertificate shows:
      | FriendlyName                  | Subject       |
      | Exchange Federated Delegation | CN=Federation |
    And Contoso's Get-FederationTrust | fl shows:
      | Name                         | TokenIssuerUri                 | ApplicationUri |
      | Microsoft Federation Gateway | urn:federation:MicrosoftOnline |                |
    And Contoso's Get-AcceptedDomain shows:
      | Name             | DomainName                     |
      | contoso.com      | contoso.com                    |
      | FederationDomain | exchangedelegation.contoso.com |

  Scenario: New-FederationTrust takes the certificate by -Thumbprint too, and only one certificate from the pipeline
    Given Contoso has a self-signed certificate "Exchange Federated Delegation"
    And Contoso has a self-signed certificate "Old Federation"
    When the Contoso administrator tries "Get-ExchangeCertificate | New-FederationTrust -Name 'Microsoft Federation Gateway'"
    Then the command fails saying "New-FederationTrust needs exactly one certificate from the pipeline; 2 would come (Exchange Federated Delegation, Old Federation): filter with ?{$_.FriendlyName -eq \"<name>\"}"
    When the Contoso administrator tries "New-FederationTrust -Name 'Microsoft Federation Gateway' -Thumbprint 0123456789ABCDEF0123456789ABCDEF01234567"
    Then the command fails saying "New-FederationTrust -Thumbprint (line 1): no certificate with thumbprint 0123456789ABCDEF0123456789ABCDEF01234567 is in Contoso's certificate store"
    When the Contoso administrator runs "Get-ExchangeCertificate | ?{$_.FriendlyName -like 'Exchange*'} | New-FederationTrust -Name 'Microsoft Federation Gateway'"
    Then Contoso's Get-FederationTrust shows:
      | Name                         |
      | Microsoft Federation Gateway |

  Scenario: Part II: with both proofs in DNS, the organization identifier and the federated domain, the account namespace apart from the primary domain
    Given the Contoso administrator has run:
      """
      New-ExchangeCertificate -FriendlyName "Exchange Federated Delegation"
      Get-ExchangeCertificate | ?{$_.FriendlyName -eq "Exchange Federated Delegation"} | New-FederationTrust -Name "Microsoft Federation Gateway"
      New-AcceptedDomain -DomainName exchangedelegation.contoso.com -Name FederationDomain
      """
    And Contoso publishes the domain proof of exchangedelegation.contoso.com in DNS
    And Contoso publishes the domain proof of contoso.com in DNS
    When the Contoso administrator runs:
      """
      Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Microsoft Federation Gateway" `
          -AccountNamespace exchangedelegation.contoso.com -Enabled $True
      Add-FederatedDomain contoso.com    # -DomainName by position
      """
    Then Contoso's Get-FederatedOrganizationIdentifier shows:
      | AccountNamespace               | Domains                                     | Enabled | DelegationTrustLink          |
      | exchangedelegation.contoso.com | contoso.com, exchangedelegation.contoso.com | True    | Microsoft Federation Gateway |
    And Contoso's Get-FederationTrust shows:
      | ApplicationUri                                 |
      | FYDIBOHF25SPDLT.exchangedelegation.contoso.com |

  Scenario: Set-FederatedOrganizationIdentifier -Enabled $false: a partner's Get-FederationInformation hears it is not federated
    # Get-FederationInformation tries autodiscover.fabrikam.com, then fabrikam.com itself.
    Given fabrikam.com is not published in public DNS
    When the Fabrikam administrator runs "Set-FederatedOrganizationIdentifier -DelegationFederationTrust 'Microsoft Federation Gateway' -AccountNamespace exchangedelegation.fabrikam.com -Enabled $false"
    Then Fabrikam's Get-FederatedOrganizationIdentifier shows:
      | AccountNamespace                | Enabled |
      | exchangedelegation.fabrikam.com | False   |
    When the Contoso administrator tries "Get-FederationInformation -DomainName fabrikam.com"
    Then the command fails saying "NotFederated (The organization Fabrikam is not federated.)"
    When the Fabrikam administrator runs "Set-FederatedOrganizationIdentifier -DelegationFederationTrust 'Microsoft Federation Gateway' -AccountNamespace exchangedelegation.fabrikam.com -Enabled:$true"
    And the Contoso administrator runs "Get-FederationInformation -DomainName fabrikam.com"
    Then the output shows:
      | DomainNames                                   |
      | exchangedelegation.fabrikam.com, fabrikam.com |

  Scenario: Set-FederationTrust -RefreshMetadata, the seed's line as printed, after the gateway rotated its certificate
    Given Contoso is federated
    And MFG (business) rotates its signing certificate
    When the Contoso administrator runs "Test-FederationTrust -UserIdentity alice@contoso.com"
    Then Test-FederationTrust reports 1108 Error
    When the Contoso administrator runs "Get-Federationtrust|Set-Federationtrust -Refreshmetadata"
    # The servers keep the trust they read for five minutes.
    And 5 minutes pass
    And the Contoso administrator runs "Test-FederationTrust -UserIdentity alice@contoso.com"
    Then Test-FederationTrust reports 1108 Success

  Scenario: Set-FederationTrust refuses what it does not do here, and a trust the organization does not have
    Given Contoso is federated
    When the Contoso administrator tries "Get-FederationTrust | Set-FederationTrust -Thumbprint 0123456789ABCDEF0123456789ABCDEF01234567"
    Then the command fails saying "Set-FederationTrust -Thumbprint (replacing the organization's certificate) is not modelled here; accepted: -Identity, -RefreshMetadata"
    When the Contoso administrator tries "Set-FederationTrust -Identity 'Federation Gateway' -RefreshMetadata"
    Then the command fails saying "Set-FederationTrust -Identity (line 1): \"Federation Gateway\" is not a federation trust of Contoso; accepted: Microsoft Federation Gateway"
    When the Contoso administrator tries "Set-FederationTrust 'Microsoft Federation Gateway' -RefreshMetadata:$false"
    Then the command fails saying "-RefreshMetadata:$false asks for nothing"

  Scenario: The seed's New-OrganizationRelationship typed by hand, curly quotes and the line break the blog printed
    Given the Fabrikam administrator has run:
      """
      New-OrganizationRelationship -Name Contoso -DomainNames contoso.com,exchangedelegation.contoso.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails `
        -TargetApplicationUri FYDIBOHF25SPDLT.exchangedelegation.contoso.com -TargetAutodiscoverEpr https://autodiscover.contoso.com/autodiscover/autodiscover.svc/WSSecurity
      Set-MailboxFolderPermission -Identity bob@fabrikam.com:\Calendar -User Default -AccessRights LimitedDetails
      """
    And bob@fabrikam.com's calendar holds:
      | Start             | End               | BusyType | Subject       | Location |
      | 2011-12-12T10:00Z | 2011-12-12T11:00Z | Busy     | Budget review | Room 12  |
    And Contoso is federated
    When the Contoso administrator runs:
      """
      New-OrganizationRelationship -Name “External Company” -DomainNames “exchangedelegation.fabrikam.com”,”fabrikam.com” -FreeBusyAccessEnabled $true `
      -FreeBusyAccessLevel LimitedDetails -TargetAutodiscoverEpr “https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/wssecurity” -TargetApplicationUri “FYDIBOHF25SPDLT.exchangedelegation.fabrikam.com”
      """
    Then the output shows:
      | Name             | DomainNames                                   | FreeBusyAccessEnabled | FreeBusyAccessLevel | Enabled |
      | External Company | exchangedelegation.fabrikam.com, fabrikam.com | True                  | LimitedDetails      | True    |
    When alice@contoso.com asks for the free/busy of bob@fabrikam.com on 2011-12-12
    Then she sees busy times with subject and location

  Scenario: The seed's own misprints of cmdlet names are refused with the name meant
    When the Contoso administrator tries "Get-OrganizationRelationShop –Identity TrustedDomain"
    Then the command fails saying "line 1: Get-OrganizationRelationShop is not a cmdlet modelled here (did you mean Get-OrganizationRelationship?)"
    When the Contoso administrator tries "Get-FederationOrganizationIdentifier"
    Then the command fails saying "Get-FederationOrganizationIdentifier is not a cmdlet modelled here (did you mean Get-FederatedOrganizationIdentifier?)"

  Scenario: Get-FederationInformation piped into New-OrganizationRelationship fills in what the partner publishes
    When the Contoso administrator runs "Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name 'External Company' -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly"
    Then Contoso's Get-OrganizationRelationship 'External Company' shows:
      | Name             | DomainNames                                   | FreeBusyAccessLevel | TargetApplicationUri                            | TargetAutodiscoverEpr                                                      |
      | External Company | exchangedelegation.fabrikam.com, fabrikam.com | AvailabilityOnly    | FYDIBOHF25SPDLT.exchangedelegation.fabrikam.com | https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity |

  Scenario: Set-OrganizationRelationship from the pipeline: a scope group, $null to take it away, -Enabled:$false
    Given Contoso has the group "Free/Busy Sharers" with members alice
    And the Contoso administrator has run "New-OrganizationRelationship -Name Fabrikam -DomainNames fabrikam.com -FreeBusyAccessLevel AvailabilityOnly"
    When the Contoso administrator runs:
      """
      Get-OrganizationRelationship Fabrikam | Set-OrganizationRelationship -FreeBusyAccessEnabled $true -FreeBusyAccessScope 'Free/Busy Sharers'
      """
    Then the output shows:
      | Name     | FreeBusyAccessEnabled | FreeBusyAccessScope | Enabled |
      | Fabrikam | True                  | Free/Busy Sharers   | True    |
    When the Contoso administrator runs "Set-OrganizationRelationship -Identity Fabrikam -FreeBusyAccessScope $null; Set-OrganizationRelationship Fabrikam -Enabled:$false"
    Then Contoso's Get-OrganizationRelationship | Format-Table shows:
      | Name     | FreeBusyAccessEnabled | FreeBusyAccessScope | Enabled |
      | Fabrikam | True                  |                     | False   |

  Scenario Outline: A mistake in the last line names the cmdlet, the parameter and what is accepted, and nothing of the script is applied
    When the Contoso administrator tries:
      """
      New-ExchangeCertificate -FriendlyName "Exchange Federated Delegation"
      Get-ExchangeCertificate | ?{$_.FriendlyName -eq "Exchange Federated Delegation"} | New-FederationTrust -Name "Microsoft Federation Gateway"
      New-AcceptedDomain -DomainName exchangedelegation.contoso.com -Name FederationDomain
      New-OrganizationRelationship -Name Fabrikam -DomainNames fabrikam.com,exchangedelegation.fabrikam.com -FreeBusyAccessEnabled $true
      <last line>
      """
    Then the command fails saying "<message>"
    And Contoso's Get-ExchangeCertificate shows nothing
    And Contoso's Get-FederationTrust shows nothing
    And Contoso's Get-OrganizationRelationship shows nothing
    And Contoso's Get-AcceptedDomain shows:
      | DomainName  |
      | contoso.com |

    Examples: what Exchange refuses
      | last line                                                                                                                              | message                                                                                                                                                                      |
      | New-OrganizationRelationship -Name Northwind -Domains northwindtraders.com                                                             | New-OrganizationRelationship (line 5): New-OrganizationRelationship has no parameter -Domains; accepted: -Name, -DomainNames                                                 |
      | Set-OrganizationRelationship Fabrikam -FreeBusyAccessLevel Detailed                                                                    | Set-OrganizationRelationship (line 5): Set-OrganizationRelationship -FreeBusyAccessLevel does not accept \"Detailed\"; accepted: None, AvailabilityOnly, LimitedDetails      |
      | Set-OrganizationRelationship Fabrikam -FreeBusyAccessLevel -LimitedDetails                                                             | -LimitedDetails is a value of -FreeBusyAccessLevel: write -FreeBusyAccessLevel LimitedDetails, without a dash                                                                |
      | Set-OrganizationRelationship Fabrikam -FreeBusyAccessEnabled True                                                                      | -FreeBusyAccessEnabled expects $true or $false, not text: Boolean parameters accept only $true, $false, 1 or 0 (write $true)                                                 |
      | Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Federation Gateway" -AccountNamespace exchangedelegation.contoso.com   | Set-FederatedOrganizationIdentifier -DelegationFederationTrust (line 5): \"Federation Gateway\" is not a federation trust of Contoso; accepted: Microsoft Federation Gateway |
      | Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Microsoft Federation Gateway"                                          | Set-FederatedOrganizationIdentifier needs -AccountNamespace                                                                                                                  |
      | Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Microsoft Federation Gateway" -AccountNamespace federation.contoso.com | the account namespace federation.contoso.com must be an accepted domain first (New-AcceptedDomain -DomainName federation.contoso.com)                                        |
      | Add-FederatedDomain -DomainName contoso.com                                                                                            | Add-FederatedDomain -DomainName (line 5): Add-FederatedDomain needs a federated organization identifier; run Set-FederatedOrganizationIdentifier first                       |
      | Get-FederatedDomainProof                                                                                                               | Get-FederatedDomainProof (line 5): Get-FederatedDomainProof needs -DomainName                                                                                                |
      | New-AcceptedDomain -DomainName exchangedelegation.contoso.com -Name Delegation                                                         | New-AcceptedDomain -DomainName (line 5): the accepted domain exchangedelegation.contoso.com already exists                                                                   |
      | New-AcceptedDomain -DomainName tailspintoys.com -Name Tailspin -DomainType InternalRelay                                               | New-AcceptedDomain -DomainType does not accept \"InternalRelay\"; accepted: Authoritative                                                                                    |
      | New-OrganizationRelationship -Name Northwind                                                                                           | New-OrganizationRelationship needs -DomainNames (the other organization's federated domains), or Get-FederationInformation piped into it                                     |
      | New-OrganizationRelationship -Name Northwind -DomainNames northwindtraders                                                             | New-OrganizationRelationship -DomainNames (line 5): \"northwindtraders\" is not a domain name such as fabrikam.com                                                           |
      | New-OrganizationRelationship -Name "Fabrikam again" -DomainNames fabrikam.com                                                          | the domain fabrikam.com is already in the organization relationship \"Fabrikam\"                                                                                             |
      | Get-FederationInformation fabrikam.com \| New-OrganizationRelationship -Name "Fabrikam again"                                          | the domain fabrikam.com is already in the organization relationship \"Fabrikam\"                                                                                             |
      | New-OrganizationRelationship -Name fabrikam -DomainNames tailspintoys.com                                                              | New-OrganizationRelationship -Name (line 5): an organization relationship named \"fabrikam\" already exists                                                                  |
      | Set-OrganizationRelationship Fabrikam -FreeBusyAccessScope "Fabrikam Sharers"                                                          | Set-OrganizationRelationship -FreeBusyAccessScope (line 5): \"Fabrikam Sharers\" is not a group of Contoso                                                                   |
      | Set-OrganizationRelationship Fabrikam -TargetAutodiscoverEpr autodiscover.fabrikam.com                                                 | Set-OrganizationRelationship -TargetAutodiscoverEpr (line 5): \"autodiscover.fabrikam.com\" is not an absolute URL                                                           |
      | Set-OrganizationRelationship Northwind -Enabled $false                                                                                 | \"Northwind\" is not an organization relationship of Contoso; accepted: Fabrikam                                                                                             |
      | Get-ExchangeCertificate \| New-FederationTrust -Name "Second Gateway"                                                                  | New-FederationTrust -Name (line 5): Contoso already has a federation trust (\"Microsoft Federation Gateway\"); remove it before creating another                             |
      | New-ExchangeCertificate -FriendlyName "Exchange Federated Delegation"                                                                  | New-ExchangeCertificate (line 5): Contoso already has a certificate named \"Exchange Federated Delegation\"                                                                  |
      | New-ExchangeCertificate -FriendlyName Second -Services IIS,Web                                                                         | New-ExchangeCertificate -Services does not accept \"Web\"; accepted: None, IMAP, POP, UM, IIS, SMTP, Federation, UMCallRouter                                                |
      | New-ExchangeCertificate -FriendlyName Second -KeySize 3000                                                                             | New-ExchangeCertificate -KeySize does not accept 3000; accepted: 1024, 2048, 4096                                                                                            |
      | Get-FederationTrust \| New-OrganizationRelationship -Name Northwind -DomainNames northwindtraders.com                                  | New-OrganizationRelationship (line 5): New-OrganizationRelationship does not take what Get-FederationTrust sends down the pipeline                                           |
      | Get-FederationInformation -DomainName northwindtraders                                                                                 | Get-FederationInformation -DomainName (line 5): \"northwindtraders\" is not a domain name                                                                                    |
      | Test-OrganizationRelationship -Identity Fabrikam -UserIdentity carol@contoso.com                                                       | Test-OrganizationRelationship -UserIdentity (line 5): carol@contoso.com is not a mailbox of Contoso                                                                          |
      | New-OrganizationRelationship -Name Northwind -DomainNames $partnerDomains                                                              | line 5, column 59: $partnerDomains is a variable; variables are not supported: write the value                                                                               |
      | New-OrganizationRelationship -Name "Northwind -DomainNames northwindtraders.com                                                        | line 5, column 36: unterminated string                                                                                                                                       |
      | New-OrgRelationship -Name Northwind -DomainNames northwindtraders.com                                                                  | line 5: New-OrgRelationship is not a cmdlet modelled here                                                                                                                    |
      | Add-ADPermission -Identity CON-EX01 -User alice -ExtendedRights Send-As                                                                | New-ExchangeCertificate (line 1) is federation's and Add-ADPermission (line 5) impersonation's                                                                               |

  Scenario: What only the network can tell stops the script there, and what ran before it stays applied, as in Exchange
    Given autodiscover.northwindtraders.com is not published in public DNS
    And northwindtraders.com is not published in public DNS
    When the Contoso administrator tries:
      """
      New-OrganizationRelationship -Name Fabrikam -DomainNames fabrikam.com -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly
      Get-FederationInformation -DomainName northwindtraders.com | New-OrganizationRelationship -Name Northwind
      New-OrganizationRelationship -Name Tailspin -DomainNames tailspintoys.com
      """
    Then the command fails saying "Get-FederationInformation -DomainName (line 2): Get-FederationInformation could not reach Autodiscover for northwindtraders.com"
    And the command fails saying "the script stopped there, as with -ErrorAction Stop: what the statements of line 1 did stays applied"
    And Contoso's Get-OrganizationRelationship shows:
      | Name     | DomainNames  | FreeBusyAccessLevel |
      | Fabrikam | fabrikam.com | AvailabilityOnly    |

  Scenario: A domain proof not yet in DNS stops Set-FederatedOrganizationIdentifier; the accepted domain made before it stays
    Given Contoso has a self-signed certificate "Exchange Federated Delegation"
    When the Contoso administrator tries:
      """
      Get-ExchangeCertificate | ?{$_.FriendlyName -eq "Exchange Federated Delegation"} | New-FederationTrust -Name "Microsoft Federation Gateway"
      New-AcceptedDomain -DomainName exchangedelegation.contoso.com -Name FederationDomain
      Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Microsoft Federation Gateway" -AccountNamespace exchangedelegation.contoso.com
      Add-FederatedDomain -DomainName contoso.com
      """
    Then the command fails saying "the domain proof of exchangedelegation.contoso.com was not found in DNS"
    And the command fails saying "what the statements of lines 1 and 2 did stays applied"
    And Contoso's Get-AcceptedDomain FederationDomain shows:
      | Name             | DomainName                     |
      | FederationDomain | exchangedelegation.contoso.com |
    And Contoso's Get-FederatedOrganizationIdentifier shows:
      | AccountNamespace | Domains |
      |                  |         |
