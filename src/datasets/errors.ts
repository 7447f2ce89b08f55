/**
 * Problems with a user's data (a missing root, a bad line, an unreadable
 * image): the message names the file (and line), the hint says how to fix
 * it. Dataset nodes turn these into NodeErrors, printed without a stack.
 */
export class DatasetInputError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DatasetInputError';
  }
}

/** `file:line`, the way editors and terminals link to a position. */
export function at(file: string, line: number): string {
  return `${file}:${line}`;
}
