import { MAX_SEED, parseArgs, positiveInt, runMain, UsageError } from '@digitfuse/core';
import { requireDataDir } from '@digitfuse/data';
import { resolve } from 'node:path';
import { openRun } from '../run-artifacts';
import type { RunContext } from '../context';
import type { PipelineOptions } from '../options';
import { reportStage } from '../stages/report-stage';

/** `digitfuse report --run DIR` (`nx run pipeline:report`): regenerate the summary and report of a run directory. */
export async function main(argv: readonly string[]): Promise<void> {
  const describe = 'Regenerate summary.md and report/ (figures + report.html) from a run directory.';
  const args = await parseArgs(argv, { name: 'digitfuse report', usage: '--run DIR [--seed N]', describe }, (y) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'The run directory (as written by `digitfuse full`)' })
      .option('seed', { type: 'number', describe: `Seed of t-SNE and K-means, 0 to ${MAX_SEED} (default: the run's seed)` }),
  );
  const log = (line: string) => process.stderr.write(line + '\n');
  const seed = args.seed === undefined ? undefined : positiveInt(args.seed, 'seed', { allowZero: true, max: MAX_SEED });
  if (typeof args.run !== 'string' || args.run.trim() === '') throw new UsageError(`Expected \`--run\` to be a run directory, found \`${String(args.run)}\``);
  const { layout, state } = openRun<PipelineOptions>(args.run, '--run');
  // --seed seeds the maps only: the run's own seed still makes its split (the rows the maps show are
  // its validation rows) and is the seed its summary names.
  const options = { ...state.options, report: true };
  // The maps are drawn from the run's data: a folder moved or deleted since is named as run.json's, not as a --data never typed.
  if (options.data) requireDataDir(resolve(options.data), `the run's data folder \`${options.data}\` (its run.json; the report draws its maps from those rows: put them back there)`);
  const ctx: RunContext = { options, layout, state, log, ...(seed !== undefined ? { mapSeed: seed } : {}) };
  const t0 = performance.now();
  await reportStage.run(ctx);
  log(`report regenerated in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
}

if (require.main === module) runMain(main);
