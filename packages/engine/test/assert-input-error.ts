// A helper the unit tests share (not itself a test file: the runner takes only *.test.ts).
import assert from 'node:assert/strict';
import { InputError } from '../src/errors';

/** Asserts an InputError whose message matches every pattern; returns it for further checks. */
export function assertInputError(fn: () => unknown, ...patterns: RegExp[]): InputError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof InputError, `expected an InputError, got ${String(caught)}`);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}
