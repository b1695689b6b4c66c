import { accessSync, constants, lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FILE_PROBLEMS } from './file-problems';

/**
 * What stands at `path` instead of a file this process can read, in words, from the error `err` that
 * reading or looking at it threw: `no such file`, `a broken symbolic link (to \`target\`)`, `a
 * folder`, `a file it may not read (permission denied, EACCES)`, `` no access to the folder `/x` on
 * its path (permission denied, EACCES) ``, or the reason with its code. The words complete a message
 * such as ``Expected `data/y_train.csv` to be a CSV file, found <words>``.
 */
export function readProblem(err: unknown, path: string): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return brokenLink(path) ?? 'no such file';
  if (code === 'ENOTDIR') return 'no such file (a file is in the way of one of its folders)';
  if (code === 'EISDIR') return 'a folder';
  const why = code && code in FILE_PROBLEMS ? `${FILE_PROBLEMS[code]}, ${code}` : (code ?? (err as Error)?.message ?? String(err));
  if (code === 'EACCES' || code === 'EPERM') {
    const folder = closedFolder(path);
    if (folder !== null) return `no access to the folder \`${folder}\` on its path (${why})`;
    return `a file it may not read (${why})`;
  }
  return `a file it cannot read (${why})`;
}

/**
 * Why `path` is no file this process can read, in words (as {@link readProblem} says them, and `a
 * FIFO (named pipe)`, ... for what is no regular file: reading one could wait forever); null when it
 * is one. Reads nothing: a command calls it on its input files before any work.
 */
export function inputFileProblem(path: string): string | null {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    return readProblem(err, path);
  }
  if (st.isDirectory()) return 'a folder';
  if (!st.isFile()) return `${kindOf(st)}, not a file`;
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    return readProblem(err, path);
  }
  return null;
}

/** What stands at `path` instead of a folder this process can look into ({@link folderProblem}). */
export interface FolderProblem {
  /** `nothing`: no folder nor file (also where a file is in the way of one of its folders); `file`: a file; `other`: anything else, or a path it may not look at. */
  readonly kind: 'nothing' | 'file' | 'other';
  /**
   * In words, to end a message such as ``Expected `--data x` to be a folder with the competition's
   * files, found <words>``: `no such folder`, `a file`, `a FIFO (named pipe)`, `` a broken symbolic
   * link (to `y`, which does not exist) ``, `` no access to the folder `/x` on its path (permission
   * denied, EACCES) ``, `a folder it cannot look at (too many symbolic links (a loop?) in its path
   * (ELOOP))`. A command may say `nothing` and `file` in words of its own (`nothing there`).
   */
  readonly found: string;
}

/**
 * Why `path` is no folder this process can look into, or null when it is one (a symbolic link to one
 * counts). Reads nothing: a command calls it on a folder flag (`--data`, `--model`, `--fsdd`, `--root`)
 * before any work, and says the {@link FolderProblem} in one line naming the flag.
 */
export function folderProblem(path: string): FolderProblem | null {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const link = code === 'ENOENT' ? brokenLink(path) : null;
    if (link !== null) return { kind: 'other', found: link };
    // ENOTDIR: a file is in the way of one of its folders, so the folder is not there either.
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'nothing', found: 'no such folder' };
    // A closed folder on its path names that folder.
    if (code === 'EACCES' || code === 'EPERM') return { kind: 'other', found: readProblem(err, path) };
    // A loop of links, a name too long...: in words, not as Node's `stat` message.
    const why = code && code in FILE_PROBLEMS ? `${FILE_PROBLEMS[code]} (${code})` : (code ?? (err as Error)?.message ?? String(err));
    return { kind: 'other', found: `a folder it cannot look at (${why})` };
  }
  if (st.isDirectory()) return null;
  return st.isFile() ? { kind: 'file', found: 'a file' } : { kind: 'other', found: kindOf(st) };
}

/**
 * Whether anything stands at `path`: a file, a folder, a broken symbolic link, or something in a
 * folder this process may not look into. Unlike `existsSync`, which says false for the last two, it
 * tells a file that is absent (an optional input one may leave out) from one that is there but
 * cannot be read (which reading then names).
 */
export function somethingAt(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

/** `a broken symbolic link (to \`target\`)` when `path` is a symbolic link whose target is missing; else null. */
function brokenLink(path: string): string | null {
  try {
    if (!lstatSync(path).isSymbolicLink()) return null;
    return `a broken symbolic link (to \`${readlinkSync(path)}\`, which does not exist)`;
  } catch {
    return null;
  }
}

/** The outermost folder on `path`'s way that this process may not enter (search), or null when it may enter them all. */
function closedFolder(path: string): string | null {
  const folders: string[] = [];
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    folders.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of folders) {
    try {
      accessSync(dir, constants.X_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') return dir;
      return null;
    }
  }
  return null;
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'something';
}
