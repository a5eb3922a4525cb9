// Turns a problem with what a feature says into one clear message that names the feature line, the table
// row and column, the value and what would be accepted — instead of a stack trace from the engine.

import { InputError } from '@exchange-scenarios/engine';
import type { FeatureLocator } from './locations';

export class FeatureInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureInputError';
    // The message says everything; a stack from the step layer would only add noise.
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * Runs `work`; an InputError becomes a FeatureInputError located at the step, or at the table row its
 * `index` names (rows are counted from 0 after the header).
 */
export async function located<T>(locator: FeatureLocator, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InputError) throw fromInputError(locator, err);
    throw err;
  }
}

export function fromInputError(locator: FeatureLocator, err: InputError): FeatureInputError {
  const p = err.problem;
  const where = p.index !== undefined ? `${locator.at(p.index + 1)} (table row ${p.index + 1}${p.field ? `, column ${p.field}` : ''})` : `${locator.at()}${p.field ? ` (${p.field})` : ''}`;
  return new FeatureInputError(`${where}: ${err.message}`);
}
