import { readJsonFile } from '@digitfuse/core';
import { ModelFileError } from '../errors';

/**
 * The JSON value of a model's file (`model.json`, `meta.json`): the one reader of both. A UTF-8
 * byte-order mark before it is skipped (Windows editors write one). One that cannot be read or parsed
 * is a {@link ModelFileError} in one line naming the file, what it should be and what stands there:
 * ``Expected `m/meta.json` to be the model's metadata (JSON), found a file it may not read (permission
 * denied, EACCES)`` (also `no such file`, `a folder`, `text that is not JSON (...)`).
 * @param expected what the file should be, in words: `the model's metadata (JSON)`.
 */
export function readModelJson(file: string, expected: string): unknown {
  return readJsonFile(file, (found) => new ModelFileError(`Expected \`${file}\` to be ${expected}, found ${found}`, file));
}
