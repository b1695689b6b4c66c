import { readFileSync } from 'node:fs';

/**
 * The JSON value in the file `path` that a flag names. When it cannot be read or parsed, throws
 * `fail(found)`, `found` saying what stands there instead: `no such file`, `a folder`, `a file it
 * cannot read (EACCES)`, or `text that is not JSON (...)`.
 */
export function readJsonFile(path: string, fail: (found: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder' : `a file it cannot read (${code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw fail(`text that is not JSON (${(err as Error).message})`);
  }
}
