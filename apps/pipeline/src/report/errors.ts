/** Input to the report (or to one of its math helpers) is not what was expected. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}
