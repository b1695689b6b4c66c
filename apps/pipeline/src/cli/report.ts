import { parseArgs, runMain } from '@digitfuse/core';
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
      .option('seed', { type: 'number', describe: "Seed of t-SNE and K-means (default: the run's seed)" }),
  );
  const log = (line: string) => process.stderr.write(line + '\n');
  const { layout, state } = openRun<PipelineOptions>(args.run);
  const options = { ...state.options, report: true, ...(args.seed !== undefined ? { seed: args.seed } : {}) };
  const ctx: RunContext = { options, layout, state, log };
  const t0 = performance.now();
  await reportStage.run(ctx);
  log(`report regenerated in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
}

if (require.main === module) runMain(main);
