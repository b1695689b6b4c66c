import { readFileSync } from 'node:fs';
import { readProblem } from './input-file';

/**
 * The JSON value in the file `path` that a flag names. A UTF-8 byte-order mark before it is skipped
 * (Windows editors write one; the CSV readers skip it too). When it cannot be read or parsed, throws
 * `fail(found)`, `found` saying what stands there instead: `no such file`, `a folder`, `a file it
 * may not read (permission denied, EACCES)` (see {@link readProblem}), or `text that is not JSON (...)`.
 */
export function readJsonFile(path: string, fail: (found: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fail(readProblem(err, path));
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw fail(`text that is not JSON (${(err as Error).message})`);
  }
}
