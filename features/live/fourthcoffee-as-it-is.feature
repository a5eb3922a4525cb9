@live
Feature: Fourth Coffee's production forest, read as it is
  Run against a live domain controller (EXCHANGE_SCENARIOS_ENVIRONMENT=live, or npm run test:live, which
  serves fixtures/fourthcoffee.ldf from slapd with a read-only account): nothing here declares anything;
  the organization is the one the directory holds, and no step may change it.

  Scenario: A Dallas mailbox is proxied through the Chicago CAS
    When dave signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then dave is proxied to DAL-CAS via "https://dal-cas.fourthcoffee.com/owa"
    And his mailbox is rendered by DAL-CAS

  Scenario: A Chicago mailbox is served where she came in
    When carol signs in to OWA at "https://mail.fourthcoffee.com/owa"
    Then carol is connected directly by CHI-CAS

  Scenario: The virtual directories as the forest holds them
    Then Get-OwaVirtualDirectory on DAL-CAS shows:
      | InternalUrl | https://dal-cas.fourthcoffee.com/owa |
      | ExternalUrl | $null                                |
