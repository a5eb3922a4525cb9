// Steps that do next to nothing: the floor a scenario step costs in cucumber itself.

import { Given, Then, When } from '@cucumber/cucumber';

interface Counter {
  n: number;
}

Given('a number {int}', function (this: Counter, n: number) {
  this.n = n;
});

When('{int} is added', async function (this: Counter, n: number) {
  this.n += n;
});

Then('the number is {int}', function (this: Counter, expected: number) {
  if (this.n !== expected) throw new Error(`expected ${expected}, got ${this.n}`);
});
