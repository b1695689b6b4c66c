import { accessSync, closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, mkdtempSync, openSync, promises as fs, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UserError } from './errors';
import { FILE_PROBLEMS } from './file-problems';

/**
 * A file could not be written for a reason the user can fix (disk full, read-only, no permission, a
 * folder in the way). The message names the file and says that nothing was changed.
 */
export class FileWriteError extends UserError {}

/**
 * `mkdirSync(path, { recursive: true })`, one folder at a time from the nearest one that exists: Node
 * 20's recursive mkdir loops forever where a mkdir fails with ENOENT under a folder that exists (e.g.
 * `/proc/x`), while this throws that error at once. No error when the folder exists. A symbolic link
 * on the path whose folder is not there yet gets it made where it leads ({@link followLinks}), as a
 * write through a link makes its file.
 */
export function makeDirs(path: string): void {
  const real = followLinks(path);
  const missing: string[] = [];
  for (let dir = real; !existsSync(dir); dir = dirname(dir)) {
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if (!statSync(real).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', path });
}

/** How many symbolic links a path may go through before it counts as a loop (Linux's own limit). */
const MAX_LINKS = 40;

/**
 * `path` made absolute with every symbolic link on it followed, also one that leads where nothing is
 * yet (which `realpath` refuses): the file or folder that a write or mkdir of `path` makes or
 * replaces, so that the user's links stay and what they lead to gets the new content. The part
 * after the first name that is not there is kept as it is. Links in a loop throw ELOOP.
 */
export function followLinks(path: string): string {
  const rest = resolve(path).split(sep).filter((name) => name !== '');
  let real: string = sep;
  for (let hops = 0; rest.length > 0; ) {
    const next = join(real, rest.shift() as string);
    let link: string | null = null;
    try {
      if (lstatSync(next).isSymbolicLink()) link = readlinkSync(next);
    } catch {
      // Nothing there (nor, then, under it), or nothing this process may look at: taken as it is.
    }
    if (link === null) {
      real = next;
      continue;
    }
    if (++hops > MAX_LINKS) throw Object.assign(new Error(`ELOOP: too many symbolic links encountered, '${path}'`), { code: 'ELOOP', path });
    rest.unshift(...resolve(real, link).split(sep).filter((name) => name !== ''));
    real = sep;
  }
  return real;
}

/** Whether a folder stands at `path` (false when nothing is, or nothing can be). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // nothing there yet, or nothing that can be there: writeProblem says which
  }
}

/**
 * Checks, before any work, that {@link writeFileAtomic} can write `path`, which the flag `--flag`
 * names: it is not a folder, and {@link writeProblem} finds nothing in the way. Throws a
 * {@link FileWriteError} naming the flag (exit 1: the command line is well-formed, what stands on
 * disk is in the way, as for an input file that is missing).
 */
export function checkOutputFile(path: string, flag: string): void {
  if (isFolder(path)) throw new FileWriteError(`Expected \`--${flag} ${path}\` to be a file to write, found a folder there; nothing was written`);
  const problem = writeProblem(path);
  if (problem !== null) throw new FileWriteError(`Expected \`--${flag} ${path}\` to be a file this process can write, found ${problem}; nothing was written`);
}

/**
 * Why `path` could not be (or become) a folder to write in, checked before any work and leaving
 * nothing behind: a file there (`a file there`), a file in the way of one of its folders (``a file
 * at `/x/f` ``), symbolic links in a loop, the nearest existing folder one this process may not write
 * in or make nothing in ({@link makeProblem}: the reason with its code), or, of the `files` the
 * command writes in it, one that is a folder (``a folder at `/x/digits-grid.png`, the name of a file
 * it writes``: its write would fail at the end). Returns null when it could. A CLI calls it on an
 * output-folder flag before starting any work.
 */
export function outputFolderProblem(path: string, files: readonly string[] = []): string | null {
  let target: string;
  try {
    target = followLinks(path);
  } catch (err) {
    return diskProblem(err) ?? String(err);
  }
  for (const name of files) {
    if (isFolder(join(target, name))) return `a folder at \`${join(path, name)}\`, the name of a file it writes`;
  }
  for (let dir = target; ; dir = dirname(dir)) {
    let st;
    try {
      st = statSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return diskProblem(err) ?? `cannot look at \`${dir}\` (${code ?? String(err)})`;
    }
    if (st?.isDirectory()) return folderWriteProblem(dir);
    if (st) return dir === target ? 'a file there' : `a file at \`${dir}\``;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Checks, before any work, that the folder `path` named by `--flag` is a folder or can be made one
 * ({@link outputFolderProblem}), and that none of the `files` the command writes in it is a folder.
 * Throws a {@link FileWriteError} naming the flag (exit 1, as {@link checkOutputFile}); `what` says
 * what the folder is for, e.g. `a folder for the figures`.
 */
export function checkOutputFolder(path: string, flag: string, what = 'a folder', files: readonly string[] = []): void {
  const problem = outputFolderProblem(path, files);
  if (problem !== null) throw new FileWriteError(`Expected \`--${flag} ${path}\` to be ${what}, found ${problem}; nothing was written`);
}

/**
 * Writes a file atomically: the bytes go to a temporary file beside the target, are flushed to disk,
 * and the temporary file is renamed over the target, so no reader ever sees a half-written file and an
 * earlier version stays intact until the new one is complete. Parent folders are created. On failure
 * the temporary file is removed and a disk problem (ENOSPC, EROFS, EACCES ...) becomes a
 * {@link FileWriteError} naming the file. A symbolic link at `path` is kept: the file it leads to
 * is the one replaced. Temporary files that an interrupted process (kill -9, power
 * loss) left beside the target are removed by the next write of the target.
 *
 * Why not npm `write-file-atomic`: its temporary names (`<file>.<number>`) cannot be told from a
 * user's own files, so what a killed process left behind could never be cleaned up safely.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeFileAtomicWith(path, writeAll(toBytes(data)));
}

/** A writer of all of `bytes` to a file descriptor. */
const writeAll =
  (bytes: Uint8Array) =>
  (fd: number): void => {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
  };

/**
 * Writes the temporary file of `target` (symbolic links already followed) with `write`, flushed to
 * disk; returns its name, for the caller to rename into place. On failure it is removed.
 */
function writeTemp(target: string, write: (fd: number) => void): string {
  const tmp = prepareWrite(target);
  try {
    const fd = openSync(tmp, 'w', modeOf(target));
    try {
      write(fd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  return tmp;
}

/**
 * {@link writeFileAtomic} for a writer that writes the file itself (positioned writes, several
 * parts): `write` gets the temporary file's descriptor; the flush, the rename, the clean-up and the
 * errors are as in {@link writeFileAtomic}.
 */
export function writeFileAtomicWith(path: string, write: (fd: number) => void): void {
  let tmp: string | null = null;
  try {
    const target = followLinks(path);
    tmp = writeTemp(target, write);
    renameSync(tmp, target);
  } catch (err) {
    if (tmp !== null) removeQuietly(tmp);
    throw asWriteError(err, path);
  }
}

/**
 * {@link writeFileAtomic} of several files that belong together (two figures of one data set): every
 * one is written to its temporary file first, and only when all are complete are they renamed into
 * place. A write that fails (a disk that fills, a folder that cannot be made) leaves every file as it
 * was, not a new one beside an old one.
 */
export function writeFilesAtomic(files: readonly (readonly [path: string, data: string | Uint8Array])[]): void {
  const written: { tmp: string; target: string }[] = [];
  let failing = files[0]?.[0] ?? '';
  try {
    for (const [path, data] of files) {
      failing = path;
      const target = followLinks(path);
      // A folder where the file goes would refuse its rename, after others were renamed: found now.
      if (existsSync(target) && statSync(target).isDirectory()) throw Object.assign(new Error(`EISDIR: a folder at ${target}`), { code: 'EISDIR' });
      written.push({ tmp: writeTemp(target, writeAll(toBytes(data))), target });
    }
    for (const [i, { tmp, target }] of written.entries()) {
      failing = files[i][0];
      renameSync(tmp, target);
    }
  } catch (err) {
    for (const { tmp } of written) removeQuietly(tmp);
    throw asWriteError(err, failing);
  }
}

/** {@link writeFileAtomic} without blocking the event loop. */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  let tmp: string | null = null;
  try {
    const target = followLinks(path);
    tmp = prepareWrite(target);
    const handle = await fs.open(tmp, 'w', modeOf(target));
    try {
      await handle.writeFile(toBytes(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
  } catch (err) {
    if (tmp !== null) removeQuietly(tmp);
    throw asWriteError(err, path);
  }
}

/** The marker of this module's temporary files: `.<name>.digitfuse-<pid>-<n>.tmp`. */
const TEMP = /^\.(.+)\.digitfuse-(\d+)-\d+\.tmp$/;
let counter = 0;

/**
 * Readies the atomic write of `target` (symbolic links already followed): its folders made, the
 * temporary files an interrupted write left beside it removed; returns the temporary file's name.
 */
function prepareWrite(target: string): string {
  makeDirs(dirname(target));
  removeStaleTemps(target);
  return tempName(target);
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.digitfuse-${process.pid}-${++counter}.tmp`);
}

/** Removes the temporary files of `path` whose writing process is gone (a live writer's are kept). */
function removeStaleTemps(path: string): void {
  const name = basename(path);
  removeLeftoversOfEnded(dirname(path), (entry) => {
    const m = TEMP.exec(entry);
    return m && m[1] === name ? Number(m[2]) : null;
  });
}

/**
 * Removes the entries of `dir` (files or folders) that a process of this machine left and that it
 * would have removed had it not been stopped outright (a kill, a power cut): `pidOf` gives the id of
 * the process an entry is of (named by it), or null for one that is not such a leftover. Those of a
 * running process are kept; one that cannot be removed (another user's) is left; a `dir` that cannot
 * be read has none.
 */
export function removeLeftoversOfEnded(dir: string, pidOf: (entry: string) => number | null): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = pidOf(entry);
    if (pid === null || processAlive(pid)) continue;
    try {
      rmSync(join(dir, entry), { recursive: true, force: true });
    } catch {
      // another user's, or gone already
    }
  }
}

/**
 * Whether process `pid` of this machine is running (this process counts as running). A zombie (a
 * process that has ended and that nobody has reaped yet, as happens to a killed process's child in a
 * container whose first process reaps none) has ended: on Linux its /proc state says so.
 */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !ended(pid);
}

/** Whether /proc (Linux) says `pid` is a zombie or dead; false where there is no /proc to ask. */
function ended(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (command) state ...`: the command may hold spaces and parentheses, the state follows its last `)`.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** The mode of the file being replaced (so a rewrite keeps its permissions), else the default. */
function modeOf(path: string): number {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return 0o666;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** What each error code of a write the user can fix means, in words: those of any file, and those a write gives a meaning of its own. */
const DISK_PROBLEMS: Readonly<Record<string, string>> = {
  ...FILE_PROBLEMS,
  EISDIR: 'a folder is in the way',
  ENOTDIR: 'a file is in the way of one of its folders',
  EEXIST: 'a file is in the way of one of its folders',
  // A write's folder that is not there and cannot be made (e.g. under /proc): `makeDirs`.
  ENOENT: 'a folder of its path is not there and cannot be made',
};

/**
 * What stops `err` (a failed write, mkdir or rename) in words with its code, e.g. `permission denied
 * (EACCES)`, when it is a disk problem the user can fix; else undefined (a bug, to be rethrown).
 */
export function diskProblem(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code && code in DISK_PROBLEMS ? `${DISK_PROBLEMS[code]} (${code})` : undefined;
}

/**
 * Whether `path` (a file or folder to be created or replaced) could be written, checked before any
 * work and leaving nothing behind: no symbolic links in a loop on it, and the nearest existing parent
 * folder of what it leads to is a folder this process may write in and make something in
 * ({@link makeProblem}). Returns null when it could, else the reason in words with its code, e.g. `a
 * file is in the way of one of its folders (ENOTDIR)`. A CLI calls it on an output flag before
 * starting any work.
 */
export function writeProblem(path: string): string | null {
  let real: string;
  try {
    real = followLinks(path);
  } catch (err) {
    return diskProblem(err) ?? String(err);
  }
  let dir = dirname(real);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(dir) !== dir) {
        dir = dirname(dir);
        continue;
      }
      return diskProblem(err) ?? `cannot look at \`${dir}\` (${code ?? String(err)})`;
    }
    if (!isDir) return `${DISK_PROBLEMS.ENOTDIR} (ENOTDIR)`;
    return folderWriteProblem(dir);
  }
}

/** Why this process cannot write in the existing folder `dir`: no permission (access), or it can make nothing there ({@link makeProblem}); else null. */
function folderWriteProblem(dir: string): string | null {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    return diskProblem(err) ?? `cannot write in \`${dir}\` (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  return makeProblem(dir);
}

/**
 * Why nothing can be made in the existing folder `dir` that access() lets this process write in, or
 * null: found by making a folder there and removing it at once. access() says yes to root for /proc
 * and /sys, where every mkdir fails (ENOENT, EPERM): a train, predict or figures there failed only as
 * it wrote, after all its work.
 */
function makeProblem(dir: string): string | null {
  let probe: string;
  try {
    probe = mkdtempSync(join(dir, `.digitfuse-probe-${process.pid}-`));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return `no way to make anything in \`${dir}\` (${code in FILE_PROBLEMS ? `${FILE_PROBLEMS[code]}, ` : ''}${code})`;
  }
  try {
    rmdirSync(probe);
  } catch {
    // gone already
  }
  return null;
}

function asWriteError(err: unknown, path: string): unknown {
  const problem = diskProblem(err);
  if (!problem) return err;
  return new FileWriteError(`Cannot write \`${path}\`: ${problem}; the file was left as it was`, { cause: err });
}

/** The bytes of a typed array's view (not its whole buffer), or a string's UTF-8. */
const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
