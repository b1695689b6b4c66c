import { UserError } from '@digitfuse/core';

/** Input to the report (or to one of its math helpers) is not what was expected. */
export class ReportInputError extends UserError {
  override readonly name = 'ReportInputError';
}
