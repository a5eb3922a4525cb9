import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedView } from '../src/federation/services';
import { effectiveLevel } from '../src/federation/mailbox-content';

test('the relationship level caps the requested view; the merged flag is kept', () => {
  assert.equal(allowedView('DetailedMerged', 'LimitedDetails'), 'DetailedMerged');
  assert.equal(allowedView('DetailedMerged', 'AvailabilityOnly'), 'FreeBusyMerged');
  assert.equal(allowedView('Detailed', 'AvailabilityOnly'), 'FreeBusy');
  assert.equal(allowedView('FreeBusy', 'LimitedDetails'), 'FreeBusy');
  assert.equal(allowedView('MergedOnly', 'LimitedDetails'), 'MergedOnly');
  assert.equal(allowedView('Detailed', 'None'), 'None');
});

test('the calendar permission can only lower the relationship level', () => {
  assert.equal(effectiveLevel('LimitedDetails', 'AvailabilityOnly'), 'AvailabilityOnly');
  assert.equal(effectiveLevel('AvailabilityOnly', 'Reviewer'), 'AvailabilityOnly');
  assert.equal(effectiveLevel('LimitedDetails', 'Reviewer'), 'LimitedDetails');
  assert.equal(effectiveLevel('LimitedDetails', 'None'), 'None');
});
