import { readFileSync } from 'node:fs';
import { inputFileProblem, readProblem } from '@digitfuse/core';
import { DataError } from './errors';

/**
 * The bytes of an input file, or a {@link DataError} naming it, saying it was expected to be `what`
 * (e.g. `an .npy file`) and what stands there instead (see `inputFileProblem`): no such file, a
 * broken symbolic link, a folder, a file it may not read, a folder on its path it may not enter.
 */
export function readInputFile(path: string, what: string): Buffer {
  const problem = inputFileProblem(path);
  if (problem !== null) throw new DataError(`Expected \`${path}\` to be ${what}, found ${problem}`, path);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DataError(`Expected \`${path}\` to be ${what}, found ${readProblem(err, path)}`, path);
  }
}
