import { UserError } from '@digitfuse/core';

/** A problem with a submission file: the message names the file, the line, what was expected and what was found. */
export class SubmissionError extends UserError {
  override readonly name = 'SubmissionError';
  constructor(
    message: string,
    /** The submission file. */
    readonly file: string,
    /** 1-based line number of the first problem, when there is one. */
    readonly line?: number,
  ) {
    super(message);
  }
}

/** An upload that did not happen: the message says what is missing (or how the Kaggle CLI failed) and the command to run. */
export class UploadError extends UserError {}
