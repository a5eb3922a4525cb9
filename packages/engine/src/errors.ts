// Errors that come from what a person wrote (a table row, a value, a command): they name the item and the
// field at fault and what would have been accepted, so the step layer can point at the feature line.

export interface InputProblem {
  /** Zero-based index of the item (table row) at fault, when the input was a list. */
  index?: number;
  /** The field (table column, cmdlet parameter) at fault. */
  field?: string;
  /** The value at fault, as written. */
  value?: string;
  /** What would have been accepted, when that is a short list. */
  accepted?: readonly string[];
}

export class InputError extends Error {
  readonly problem: InputProblem;
  constructor(message: string, problem: InputProblem = {}) {
    super(message);
    this.name = 'InputError';
    this.problem = problem;
  }

  /** The same problem, placed at an item of a list. */
  at(index: number): InputError {
    return new InputError(this.message, { ...this.problem, index });
  }
}

export function acceptedList(accepted: readonly string[]): string {
  if (accepted.length === 0) return 'none are defined yet';
  return accepted.join(', ');
}

/** An unknown name among known ones, e.g. a site that no step created. */
export function unknownName(kind: string, value: string, known: readonly string[], field?: string): InputError {
  return new InputError(`"${value}" is not ${kind} of this topology; accepted: ${acceptedList(known)}`, {
    field,
    value,
    accepted: known,
  });
}

/** An InputError placed somewhere ("line 3", "Add-ADPermission (line 2)"): the same problem, its message prefixed; anything else unchanged. */
export function placed(e: unknown, where: string): unknown {
  return e instanceof InputError ? new InputError(`${where}: ${e.message}`, e.problem) : e;
}
