/** A bad flag or an unusable run directory: the message names the option or path, what was expected and what was found. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
}
