import { somethingAt } from '@digitfuse/core';
import { COMPETITION_FILES, misnamedHint, requireDataDir, testRowCount } from '@digitfuse/data';
import { join } from 'node:path';
import { SubmissionError } from './errors';

/**
 * The number of test rows a submission must have: those of the competition folder `dir`'s test
 * files, checked as the data loader checks them (`x_test_wr.npy` [N,784] with N at least 1, and
 * `x_test_sp.npy` [N,507] when it is there). `what` names the folder in messages, e.g.
 * ``` `--data data` ```. Throws one line naming the folder or file for a folder that is not there, a
 * missing `x_test_wr.npy`, or a file of the wrong shape (a 0-d, 1-D or [N,5] array), no rows or
 * non-finite values.
 */
export function submissionTestRows(dir: string, what: string): number {
  requireDataDir(dir, what);
  const testImages = join(dir, COMPETITION_FILES.testImages);
  if (!somethingAt(testImages)) {
    throw new SubmissionError(`Expected ${what} to hold ${COMPETITION_FILES.testImages} (its rows are the submission's), found no such file${misnamedHint(dir, COMPETITION_FILES.testImages)}`, testImages);
  }
  return testRowCount(dir);
}
