/**
 * A problem the user can fix: a bad file, flag or configuration. The message says exactly what is
 * wrong (the file or option, what was expected, what was found). Every package's typed errors
 * (DataError, ConfigError, SubmissionError, ...) extend it, and the CLI runner tells them from bugs
 * with `instanceof UserError`: one line `error: <message>` and exit code 1, no stack trace.
 */
export class UserError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A bad command line: an unknown flag, a bad or missing value, a value out of range. The CLI runner
 * exits with code 2. A well-formed flag whose file or folder does not fit what is on disk (an input
 * that is missing, an output path with a file in the way) is a plain {@link UserError}: exit 1.
 */
export class UsageError extends UserError {}
