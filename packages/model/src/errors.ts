import { UserError } from '@digitfuse/core';

/** A model configuration value is out of range or of the wrong type; the message names the field and the value. */
export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** The offending config field (e.g. `dropout`). */
    readonly field: string,
  ) {
    super(message);
  }
}

/** A model directory is missing, incomplete or malformed; the message names the file. */
export class ModelFileError extends UserError {
  override readonly name = 'ModelFileError';
  constructor(
    message: string,
    /** The file the problem is in. */
    readonly file: string,
  ) {
    super(message);
  }
}
