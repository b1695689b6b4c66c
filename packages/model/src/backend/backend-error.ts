import { UserError } from '@digitfuse/core';

/**
 * Thrown when a compute backend the user asked for cannot be used (package not installed, native
 * library that fails to load, wasm binary that cannot be instantiated). The message names the
 * option value and the reason.
 */
export class BackendError extends UserError {
  override readonly name = 'BackendError';

  constructor(
    message: string,
    /** The `--backend` value that was asked for. */
    readonly choice: string,
  ) {
    super(message);
  }
}
