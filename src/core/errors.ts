/**
 * The error types every layer throws. A `UserError` is a problem the user
 * can fix (a bad dataset line, a map of the wrong size, a NaN loss): its
 * message says what is wrong, its hint how to fix it, and its location
 * fields where. The CLI and the worker print these without a stack trace;
 * any other exception is a bug and keeps its stack.
 *
 * This module is a leaf: it imports nothing, so the library folders
 * (datasets, evaluation, tensor, training, methods) can use it without
 * reaching up into the node contract or the engine.
 */

/** Where a problem is. Every field is optional; set what is known. */
export interface ErrorLocation {
  /** A file the user owns (pipeline, dataset list, image, lock file). */
  file?: string;
  /** 1-based line and column inside `file`. */
  line?: number;
  column?: number;
  /** JSON pointer inside `file`, e.g. `/nodes/loc/with/alpha`. */
  pointer?: string;
  /** The pipeline node the problem belongs to. */
  node?: string;
  /** An image id of a dataset split. */
  image?: string;
  /** 1-based training epoch and step. */
  epoch?: number;
  step?: number;
}

/** Marks UserErrors across module copies (a plugin that resolved its own copy of wsol-run throws another class). */
const USER_ERROR = Symbol.for('wsol-run.UserError');

export class UserError extends Error {
  readonly hint: string | undefined;
  readonly location: ErrorLocation;
  readonly [USER_ERROR] = true;
  constructor(message: string, hint?: string, location: ErrorLocation = {}) {
    super(message);
    this.name = 'UserError';
    this.hint = hint;
    this.location = location;
  }
}

/** Whether `e` is a UserError of this or any other copy of the module. */
export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError || (e instanceof Error && (e as unknown as Record<symbol, unknown>)[USER_ERROR] === true);
}

/** A user's data cannot be read as the dataset format says (a missing root, a bad line, an unknown class). */
export class DatasetInputError extends UserError {
  constructor(message: string, hint?: string, location: ErrorLocation = {}) {
    super(message, hint, location);
    this.name = 'DatasetInputError';
  }
}

/** A score map (or box list) that cannot be evaluated: names the image and what to do. */
export class MapInputError extends UserError {
  constructor(message: string, hint?: string, location: ErrorLocation = {}) {
    super(message, hint, location);
    this.name = 'MapInputError';
  }
}

/** An image file that is missing or cannot be decoded. */
export class ImageReadError extends UserError {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly missing: boolean,
  ) {
    super(
      `${path}: ${missing ? 'image file is missing' : `cannot decode image (${reason})`}`,
      missing ? 'check the dataset root and the image list' : 'replace or remove the corrupt file',
      { file: path },
    );
    this.name = 'ImageReadError';
  }
}

/** `file:line`, the way editors and terminals link to a position. */
export function at(file: string, line: number): string {
  return `${file}:${line}`;
}
