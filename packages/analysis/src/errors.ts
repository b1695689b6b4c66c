/** Input to one of the analysis functions is not what was expected (the message names the problem). */
export class AnalysisError extends Error {
  override readonly name = 'AnalysisError';
}
