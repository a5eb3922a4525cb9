import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTOSO, FOURTH_COFFEE, FOURTH_COFFEE_2010_SP2, exportForest } from '../../../scripts/make-fixtures';
import { toLdifde } from '../src/directory/ldif';

// The exports under fixtures/ are what the writer writes today: regenerate them with
// `node -r ts-node/register scripts/make-fixtures.ts` when the writer changes.
for (const [file, forest] of [['fourthcoffee.ldf', FOURTH_COFFEE], ['contoso.ldf', CONTOSO], ['fourthcoffee-2010sp2.ldf', FOURTH_COFFEE_2010_SP2]] as const) {
  test(`fixtures/${file} is what scripts/make-fixtures.ts makes from the writer today`, async () => {
    const committed = readFileSync(join(__dirname, '..', '..', '..', 'fixtures', file), 'utf8');
    assert.equal(toLdifde(await exportForest(forest)), committed, `fixtures/${file} is stale: run node -r ts-node/register scripts/make-fixtures.ts`);
  });
}
