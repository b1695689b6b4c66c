/** A problem with a submission file: the message names the file, the line, what was expected and what was found. */
export class SubmissionError extends Error {
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
