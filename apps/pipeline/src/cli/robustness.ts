import { join, resolve } from 'node:path';
import { checkOutputFolder, counted, parseArgs, runMain, UsageError, writeFileAtomic } from '@digitfuse/core';
import { runsPath } from '@digitfuse/data';
import { benchmarkSetFlag, benchmarkSets } from '@digitfuse/model';
import { toPipelineOptions, withPipelineFlags } from '../options';
import { pipelineRobustnessMarkdown, planPipelineRobustness, runPipelineRobustness, type PipelineRobustnessOptions, type PipelineRun } from '../robustness/pipeline-robustness';

/**
 * `digitfuse robustness --root DIR [--budget 5m ...]` (`nx run pipeline:robustness`): the main job
 * (search, retrain, predict) on each leave-one-speaker-out set, and the image-only pipeline with the
 * same flags, scored on each set's y_test.csv; per-set table with mean and worst case to --bench-out.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const describe =
    'Benchmark the main job on sets whose test voices are new: for each set (a folder of competition files plus y_test.csv) run search + ' +
    'retrain + predict with the given flags, and the same with images only (once per distinct set of images); print test accuracy per set ' +
    'with the mean and the worst case. Interrupted runs are resumed. Writes pipeline-robustness.json and .md to --bench-out.';
  const args = await parseArgs(argv, { name: 'digitfuse robustness', usage: '(--root DIR | --sets DIR,DIR,...) [options]', describe }, (y) =>
    withPipelineFlags(y)
      // The pipeline's flags that each set's run sets itself: still parsed (to refuse them), not listed.
      .hide('data')
      .hide('out')
      .hide('resume')
      .hide('modality')
      .option('root', { type: 'string', describe: 'Folder whose subfolders are the benchmark sets' })
      .option('sets', { type: 'string', describe: 'Comma-separated set folders (instead of --root)' })
      .option('bench-out', { type: 'string', default: runsPath('pipeline-robustness'), defaultDescription: '<workspace>/runs/pipeline-robustness', describe: 'Folder for the run directories and the results' })
      .option('image-only', { type: 'boolean', default: true, describe: 'Also run the image-only pipeline (--no-image-only to skip)' }),
  );
  const a = args as Record<string, unknown>;
  // The command line first (exit 2), then the sets on disk (exit 1); nothing is written before both are checked.
  benchmarkSetFlag(a);
  for (const flag of ['data', 'out', 'resume'] as const) {
    if (a[flag] !== undefined) throw new UsageError(`Expected no \`--${flag}\` (each set is its own run under --bench-out), found \`${String(a[flag])}\``);
  }
  if (a.modality !== undefined && a.modality !== 'both') throw new UsageError('Expected no `--modality image` (the benchmark runs both pipelines itself)');
  // Without --data the pipeline would take the demo budget; here a missing --budget means none. Each run sets its own data.
  const base = toPipelineOptions({ ...a, data: String(a.root || a.sets) });
  const benchOut = a['bench-out'];
  if (typeof benchOut !== 'string' || benchOut.trim() === '') throw new UsageError(`Expected \`--bench-out\` to be a folder, found \`${String(benchOut)}\``);
  const sets = benchmarkSets(a);
  checkOutputFolder(benchOut, 'bench-out', 'a folder for the runs and pipeline-robustness.json');
  const out = resolve(benchOut);
  const log = (line: string) => process.stderr.write(line + '\n');
  const save = (runs: readonly PipelineRun[], complete: boolean) => {
    const file = { options: { ...base, data: null }, sets, runs, complete };
    writeFileAtomic(join(out, 'pipeline-robustness.json'), JSON.stringify(file, null, 2) + '\n');
    writeFileAtomic(join(out, 'pipeline-robustness.md'), pipelineRobustnessMarkdown(runs));
  };
  const bench: PipelineRobustnessOptions = { sets, base, runsDir: join(out, 'runs'), imageOnly: a['image-only'] !== false, argv, log, onRun: (_run, sofar) => save(sofar, false) };
  // A run of an earlier benchmark in --bench-out that these flags would change: one line, before anything runs.
  const plan = planPipelineRobustness(bench);
  log(
    `pipeline robustness: ${counted(sets.length, 'set')}; budget ${a.budget ?? 'none'}, ${counted(base.trials, 'trial')}, ${base.searchRows} search rows, ` +
      `objective ${base.objective}, fusion ${base.fusion}, seed ${base.seed}; writing ${out}`,
  );
  const runs = await runPipelineRobustness(bench, plan);
  save(runs, true);
  process.stdout.write(pipelineRobustnessMarkdown(runs));
}

if (require.main === module) runMain(main);
