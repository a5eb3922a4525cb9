@redirection @shell
Feature: Changing the topology with the Exchange Management Shell, as the runbook says
  Administrators change OWA with Set-OwaVirtualDirectory, create mailboxes with New-Mailbox and move them
  with New-MoveRequest (Exchange 2010) or Move-Mailbox (Exchange 2007). The commands are pasted as they
  are, in PowerShell's own syntax; a mistake names the cmdlet, the parameter and what Exchange accepts.

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

  Scenario: The seed's command turns cross-site redirection silent
    Given the administrator runs:
      """
      Set-OWAVirtualDirectory -Identity "SEA-CAS\owa (Default Web site)" -CrossSiteRedirectType Silent
      """
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is silently redirected to "https://mail.dallas.contoso.com/owa" with single sign-on
    And the rule that decided was "2010sp2.cross-site-silent-fba"

  Scenario: Get-OwaVirtualDirectory piped into Set-OwaVirtualDirectory, with a continued line and comments
    Given the administrator runs:
      """
      # every OWA virtual directory back to forms-based logon
      Get-OwaVirtualDirectory | Set-OwaVirtualDirectory `
          -FormsAuthentication $true -WindowsAuthentication:$false   # FBA turns Windows off anyway
      Get-OwaVirtualDirectory -Server DAL-CAS | Format-List
      """
    Then the output shows:
      | Server  | InternalAuthenticationMethods | FormsAuthentication | WindowsAuthentication |
      | DAL-CAS | {Basic, Fba}                  | true                | false                 |

  Scenario: Integrated Windows authentication instead of forms, and an ExternalUrl taken away with $null
    Given the administrator runs:
      """
      Set-OwaVirtualDirectory "DAL-CAS\owa (Default Web Site)" -FormsAuthentication $false -BasicAuthentication $false -WindowsAuthentication $true -ExternalUrl $null
      """
    Then Get-OwaVirtualDirectory on DAL-CAS shows:
      | InternalAuthenticationMethods | Ntlm, WindowsIntegrated |
      | ExternalUrl                   | $null                   |
    When alice signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then alice is proxied to DAL-CAS via "https://dal-cas.contoso.com/owa"

  Scenario: New-Mailbox, then New-MoveRequest from Dallas to Seattle
    Given the administrator runs:
      """
      New-Mailbox -Name "Erin Hill" -Alias erin -UserPrincipalName erin@contoso.com -Database "Mailbox Database DAL-MBX"
      New-MoveRequest -Identity erin -TargetDatabase "Mailbox Database SEA-MBX"
      """
    When erin signs in to OWA at "https://mail.seattle.contoso.com/owa"
    Then erin is connected directly by SEA-CAS

  Scenario Outline: A mistake names the cmdlet, the parameter and what is accepted, and nothing is applied
    When the administrator tries:
      """
      Set-OwaVirtualDirectory -Identity "SEA-CAS\owa (Default Web Site)" -FailbackUrl https://failback.seattle.contoso.com/owa
      <command>
      """
    Then the command fails saying "<message>"
    And Get-OwaVirtualDirectory on SEA-CAS shows:
      | FailbackUrl | $null |

    Examples:
      | command                                                                               | message                                                                     |
      | Set-OwaVirtualDirectory -Identity SEA-CAS -ExternalURLs https://x.contoso.com/owa     | ExternalURLs                                                                |
      | Set-OwaVirtualDirectory -Identity SEA-CAS -CrossSiteRedirectType Loud                 | Manual, Silent                                                              |
      | Set-OwaVirtualDirectry -Identity SEA-CAS                                              | Set-OwaVirtualDirectry is not a cmdlet modelled here                        |
      | New-MoveRequest -TargetDatabase "Mailbox Database SEA-MBX"                            | New-MoveRequest needs -Identity                                             |

  Scenario: A check Exchange makes when the command runs
    When the administrator tries:
      """
      Set-OwaVirtualDirectory -Identity "DAL-CAS\owa (Default Web Site)" -FailbackUrl https://mail.dallas.contoso.com/owa
      """
    Then the command fails saying "FailbackUrl must differ from ExternalUrl (https://mail.dallas.contoso.com/owa)"

  Scenario: Forms-based authentication and Windows authentication in one command contradict each other
    When the administrator tries:
      """
      Set-OwaVirtualDirectory -Identity DAL-CAS -FormsAuthentication $true -WindowsAuthentication $true
      """
    Then the command fails saying "-FormsAuthentication $true turns WindowsAuthentication off"

  Scenario: Exchange 2007's Move-Mailbox cannot move a mailbox to Exchange 2010
    When the administrator tries:
      """
      Move-Mailbox -Identity alice -TargetDatabase "Mailbox Database SEA-MBX"
      """
    Then the command fails saying "Move-Mailbox cannot move a mailbox to SEA-MBX, which runs Exchange 2010 SP2; use New-MoveRequest"
    When alice signs in to OWA at "https://mail.dallas.contoso.com/owa"
    Then alice is connected directly by DAL-CAS
