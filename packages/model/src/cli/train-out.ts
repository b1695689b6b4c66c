import { existsSync, promises as fs, readdirSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { diskProblem, FileWriteError, followLinks, processAlive, UsageError, writeProblem } from '@digitfuse/core';
import { MODEL_JSON, WEIGHTS_BIN } from '../io/fs-io-handler';
import { META_JSON } from '../io/model-files';

/** The metrics file `digitfuse train` writes beside the model. */
export const METRICS_JSON = 'metrics.json';

/** Every file `digitfuse train` writes in its `--out` folder: the model's three and metrics.json. */
export const TRAIN_FILES: readonly string[] = [MODEL_JSON, WEIGHTS_BIN, META_JSON, METRICS_JSON];

const listed = (names: readonly string[]): string => {
  const sorted = [...names].sort();
  return sorted.length > 4 ? `${sorted.slice(0, 4).join(', ')} and ${sorted.length - 4} more` : sorted.join(', ');
};

/**
 * Checks `--out` of `digitfuse train` before any work, writing nothing: it must be a new or empty
 * folder that can be created, or, with `force`, a folder holding only an earlier train's files
 * ({@link TRAIN_FILES}, meta.json among them), which the new model replaces whole.
 * @param given `--out` as the user typed it (the messages quote it).
 * @returns the absolute folder, symbolic links followed.
 * @throws FileWriteError in one line naming `--out`, what was expected and what is there.
 */
export function checkTrainOut(given: string, force: boolean): string {
  // The folder itself where --out is a symbolic link (also one to a folder not made yet): the model
  // goes in by a rename, which would fail on the link after the whole training.
  let out: string;
  try {
    out = followLinks(given);
  } catch (err) {
    throw new FileWriteError(`Cannot write the model to \`--out ${given}\`: ${diskProblem(err) ?? String(err)}; nothing was written`, { cause: err });
  }
  const flag = `\`--out ${given}\``;
  const problem = writeProblem(out);
  if (problem) throw new FileWriteError(`Cannot write the model to ${flag}: ${problem}; nothing was written`);
  let entries: string[];
  try {
    if (!statSync(out).isDirectory()) throw new FileWriteError(`Expected ${flag} to be a folder for the model, found a file there`);
    entries = readdirSync(out);
  } catch (err) {
    if (err instanceof FileWriteError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    const why = diskProblem(err);
    if (why) throw new FileWriteError(`Cannot write the model to ${flag}: ${why}; nothing was written`, { cause: err });
    throw err;
  }
  if (entries.length === 0) return out;
  const others = entries.filter((e) => !TRAIN_FILES.includes(e));
  const earlierModel = others.length === 0 && entries.includes(META_JSON);
  if (earlierModel && force) return out;
  if (earlierModel) {
    throw new FileWriteError(`Expected ${flag} to be a new or empty folder, found the model of an earlier train there (${listed(entries)}); add --force to replace it`);
  }
  const expected = force ? 'a new or empty folder, or one that only an earlier train wrote (what --force replaces)' : 'a new or empty folder';
  // Model files without meta.json are no model train wrote (nor one it could load): name them all.
  throw new FileWriteError(`Expected ${flag} to be ${expected}, found ${listed(others.length > 0 ? others : entries)} there`);
}

/**
 * `path` resolved, with the symbolic links of its longest existing part followed (what it will be
 * once the rest is created).
 */
function realPath(given: string): string {
  const abs = path.resolve(given);
  for (let dir = abs; ; dir = path.dirname(dir)) {
    try {
      return path.join(realpathSync(dir), path.relative(dir, abs));
    } catch {
      if (path.dirname(dir) === dir) return abs;
    }
  }
}

/**
 * Refuses, before any work, a `--cache-dir` that is `--out` or lies inside it: the cache would go
 * into the model folder, which then holds a file train did not write, and the finished model could
 * not be moved in (after the whole training). A UsageError naming both flags (exit 2).
 */
export function checkCacheOutsideOut(cacheDir: string, out: string): void {
  const cache = realPath(cacheDir);
  const model = realPath(out);
  const inside = path.relative(model, cache);
  if (inside !== '' && (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside))) return;
  const where = inside === '' ? 'the same folder' : `a folder inside it (${inside})`;
  throw new UsageError(
    `Expected \`--cache-dir ${cacheDir}\` to be outside \`--out ${out}\` (the model folder holds only the model's files), found ${where}; nothing was written`,
  );
}

/**
 * The folder `digitfuse train` writes the model and metrics.json into before they go to `out` at
 * once: `.<name>.training-<pid>` beside it. Removes what a killed train of `out` left there.
 */
export async function trainStaging(out: string): Promise<string> {
  const parent = path.dirname(out);
  const entries = await fs.readdir(parent).catch(() => [] as string[]);
  for (const kind of ['training', 'replaced']) {
    const prefix = `.${path.basename(out)}.${kind}-`;
    for (const entry of entries) {
      const pid = entry.startsWith(prefix) ? Number(entry.slice(prefix.length)) : NaN;
      // A killed swap's earlier model is kept while `out` is missing (it is the only copy then).
      if (Number.isInteger(pid) && !processAlive(pid) && (kind === 'training' || existsSync(out))) {
        await fs.rm(path.join(parent, entry), { recursive: true, force: true });
      }
    }
  }
  return path.join(parent, `.${path.basename(out)}.training-${process.pid}`);
}

/**
 * Moves the complete model folder `staging` to `out` (checked again as {@link checkTrainOut} does):
 * into a new or empty `out` in one rename; over an earlier train's folder (`force`) by moving that one
 * aside, moving the new one in, and only then removing the earlier one. Either the earlier folder or
 * the new one is there whole at every moment.
 * @returns whether an earlier model was replaced.
 * @throws FileWriteError naming `--out` when the folder cannot be moved in; `out` is left as it was.
 */
export async function moveIntoOut(staging: string, out: string, given: string, force: boolean): Promise<boolean> {
  checkTrainOut(given, force);
  const replaced = existsSync(out) && readdirSync(out).length > 0;
  const aside = path.join(path.dirname(out), `.${path.basename(out)}.replaced-${process.pid}`);
  try {
    if (replaced) await fs.rename(out, aside);
    try {
      await fs.rename(staging, out);
    } catch (err) {
      if (replaced) await fs.rename(aside, out);
      throw err;
    }
  } catch (err) {
    const why = diskProblem(err);
    if (why) throw new FileWriteError(`Cannot write the model to \`--out ${given}\`: ${why}; it was left as it was`, { cause: err });
    throw err;
  }
  if (replaced) await fs.rm(aside, { recursive: true, force: true });
  return replaced;
}
