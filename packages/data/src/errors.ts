import { UserError } from '@digitfuse/core';

/** A problem with a user's data files: the message names the file, what was expected and what was found. */
export class DataError extends UserError {
  override readonly name = 'DataError';
  constructor(
    message: string,
    /** The file the problem is in, when there is one. */
    readonly file?: string,
  ) {
    super(message);
  }
}
