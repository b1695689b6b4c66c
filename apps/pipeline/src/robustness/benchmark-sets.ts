import { statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@digitfuse/core';
import { COMPETITION_FILES } from '@digitfuse/data';
import { describeSet, discoverSets, type RobustnessSet } from '@digitfuse/model';
import { PipelineError } from '../errors';

/** `--root` and `--sets` as parsed. */
export interface BenchmarkSetFlags {
  readonly root?: unknown;
  readonly sets?: unknown;
}

/** What is at `path`: a folder, a file, or nothing (a link is followed). */
function kindOf(path: string): 'folder' | 'file' | 'nothing' {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat === undefined ? 'nothing' : stat.isDirectory() ? 'folder' : 'file';
}

/**
 * Which of `--root DIR` or `--sets DIR,DIR,...` was given, checked as a command line: exactly one of
 * them, no empty entry in `--sets`. Nothing is read from disk.
 * @throws UsageError for neither or both flags, or an empty `--sets` entry
 */
export function benchmarkSetFlag(flags: BenchmarkSetFlags): { readonly root: string } | { readonly sets: readonly string[] } {
  const root = flags.root === undefined || flags.root === '' ? undefined : String(flags.root);
  const sets = flags.sets === undefined || flags.sets === '' ? undefined : String(flags.sets);
  if ((root === undefined) === (sets === undefined)) {
    throw new UsageError('Expected exactly one of `--root DIR` or `--sets DIR,DIR,...`, got ' + (root === undefined ? 'neither' : 'both'));
  }
  if (root !== undefined) return { root };
  const dirs = (sets as string).split(',').map((d) => d.trim());
  if (dirs.some((d) => d === '')) throw new UsageError(`Expected \`--sets\` to be comma-separated set folders, got an empty entry in \`${sets}\``);
  return { sets: dirs };
}

/** @throws PipelineError unless `set` holds every competition file and y_test.csv (their contents are the data stage's to check). */
function checkSetFiles(set: RobustnessSet, what: string): void {
  for (const name of Object.values(COMPETITION_FILES)) {
    const kind = kindOf(join(set.dir, name));
    if (kind !== 'file') throw new PipelineError(`Expected ${what} to hold ${name}, found ${kind === 'folder' ? 'a folder' : 'nothing'} there`);
  }
}

/**
 * The benchmark's sets, each checked on disk before any run directory is made: `--root` must be a
 * folder (its subfolders with y_test.csv are the sets); each `--sets` entry a folder, with a name no
 * other entry has (a set's name names its run directory); every set must hold the competition files
 * and y_test.csv.
 * @throws UsageError for a bad command line (`benchmarkSetFlag`) or two `--sets` entries of one name;
 * PipelineError or DataError for a folder that is missing or a file, or a set without one of its files
 */
export function benchmarkSets(flags: BenchmarkSetFlags): RobustnessSet[] {
  const given = benchmarkSetFlag(flags);
  if ('root' in given) {
    const kind = kindOf(given.root);
    if (kind !== 'folder') throw new PipelineError(`Expected \`--root ${given.root}\` to be a folder of benchmark sets, found ${kind === 'file' ? 'a file' : 'nothing'} there`);
    const sets = discoverSets(given.root);
    for (const set of sets) checkSetFiles(set, `the set \`${set.dir}\` under \`--root\``);
    return sets;
  }
  const sets = given.sets.map((dir) => {
    const kind = kindOf(dir);
    if (kind !== 'folder') {
      throw new PipelineError(`Expected \`--sets\` entry \`${dir}\` to be a set folder (competition files and ${COMPETITION_FILES.testLabels}), found ${kind === 'file' ? 'a file' : 'nothing'} there`);
    }
    return describeSet(dir);
  });
  for (const [i, set] of sets.entries()) {
    const other = sets.findIndex((s) => s.name === set.name);
    if (other !== i) {
      throw new UsageError(`Expected \`--sets\` entries of different names (each names its run directory), got \`${given.sets[other]}\` and \`${given.sets[i]}\` both named ${set.name}`);
    }
  }
  for (const [i, set] of sets.entries()) checkSetFiles(set, `\`--sets\` entry \`${given.sets[i]}\``);
  return sets;
}
