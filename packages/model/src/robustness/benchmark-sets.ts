import { statSync } from 'node:fs';
import { join } from 'node:path';
import { folderProblem, listFlag, UsageError, type FolderProblem } from '@digitfuse/core';
import { COMPETITION_FILES, DataError } from '@digitfuse/data';
import { describeSet, discoverSets, type RobustnessSet } from './robustness';

/** `--root` and `--sets` as parsed. */
export interface BenchmarkSetFlags {
  readonly root?: unknown;
  readonly sets?: unknown;
}

/** What `folderProblem` found at a `--root` or `--sets` folder, as the end of an `Expected ..., found` message. */
const foundThere = (problem: FolderProblem): string => (problem.kind === 'other' ? problem.found : `${problem.kind === 'file' ? 'a file' : 'nothing'} there`);

/** Whether a file this process can look at stands at `path` (a link is followed). */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // nothing there, or nothing it may look at: not a file the set holds
  }
}

/**
 * Which of `--root DIR` or `--sets DIR,DIR,...` was given, checked as a command line: exactly one of
 * them, `--sets` a list without empty or repeated entries (`listFlag`). Nothing is read from disk.
 * @throws UsageError for neither or both flags, or a bad `--sets` list
 */
export function benchmarkSetFlag(flags: BenchmarkSetFlags): { readonly root: string } | { readonly sets: readonly string[] } {
  const root = flags.root === undefined || flags.root === '' ? undefined : String(flags.root);
  const sets = flags.sets === undefined || flags.sets === '' ? undefined : String(flags.sets);
  if ((root === undefined) === (sets === undefined)) {
    throw new UsageError('Expected exactly one of `--root DIR` or `--sets DIR,DIR,...`, found ' + (root === undefined ? 'neither' : 'both'));
  }
  return root !== undefined ? { root } : { sets: listFlag(sets as string, 'sets') };
}

/** @throws DataError unless `set` holds every competition file and y_test.csv (their contents are for later to check), naming those it lacks. */
function checkSetFiles(set: RobustnessSet, what: string): void {
  const missing = Object.values(COMPETITION_FILES).filter((name) => !isFile(join(set.dir, name)));
  if (missing.length > 0) {
    throw new DataError(`Expected ${what} to hold the competition files and ${COMPETITION_FILES.testLabels}, found no ${missing.map((m) => `\`${m}\``).join(', ')}`, set.dir);
  }
}

/**
 * The benchmark's sets, each checked on disk before any work: `--root` must be a folder (its
 * subfolders with y_test.csv are the sets); each `--sets` entry a folder, with a name no other entry
 * has (a set's name names its results and run directory); every set must hold the competition files
 * and y_test.csv.
 * @throws UsageError for a bad command line (`benchmarkSetFlag`) or two `--sets` entries of one name;
 * DataError for a folder that is missing or a file, or a set without some of its files
 */
export function benchmarkSets(flags: BenchmarkSetFlags): RobustnessSet[] {
  const given = benchmarkSetFlag(flags);
  if ('root' in given) {
    const problem = folderProblem(given.root);
    if (problem !== null) throw new DataError(`Expected \`--root ${given.root}\` to be a folder of benchmark sets, found ${foundThere(problem)}`, given.root);
    const sets = discoverSets(given.root);
    for (const set of sets) checkSetFiles(set, `the set \`${set.dir}\` under \`--root\``);
    return sets;
  }
  const sets = given.sets.map((dir) => {
    const problem = folderProblem(dir);
    if (problem !== null) {
      throw new DataError(`Expected \`--sets\` entry \`${dir}\` to be a set folder (competition files and ${COMPETITION_FILES.testLabels}), found ${foundThere(problem)}`, dir);
    }
    return describeSet(dir);
  });
  for (const [i, set] of sets.entries()) {
    const other = sets.findIndex((s) => s.name === set.name);
    if (other !== i) {
      throw new UsageError(`Expected \`--sets\` entries of different names (each set is known by its folder's name), found \`${given.sets[other]}\` and \`${given.sets[i]}\` both named ${set.name}`);
    }
  }
  for (const [i, set] of sets.entries()) checkSetFiles(set, `\`--sets\` entry \`${given.sets[i]}\``);
  return sets;
}
