Feature: Trivial steps

  Scenario: Nothing happens
    Given a number 1
    When 2 is added
    Then the number is 3
