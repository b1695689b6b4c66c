import { UserError } from '@digitfuse/core';

/** An unusable run directory or input: the message names the option or path, what was expected and what was found. */
export class PipelineError extends UserError {
  override readonly name = 'PipelineError';
}
