import { readFileSync } from 'node:fs';
import { DataError } from './errors';

/**
 * The bytes of an input file, or a {@link DataError} naming it: missing (`File not found`), a folder
 * where `what` (e.g. `an .npy file`) was expected, or unreadable (the system's reason).
 */
export function readInputFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`File not found: \`${path}\``, path);
    if (code === 'EISDIR') throw new DataError(`Expected \`${path}\` to be ${what}, found a directory`, path);
    throw new DataError(`Cannot read \`${path}\`: ${(err as Error).message}`, path);
  }
}
