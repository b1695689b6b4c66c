import { parseArgs, runMain } from '@digitfuse/core';
import { runStages } from '../context';
import { openContext } from '../open-run';
import { toPipelineOptions, withPipelineFlags } from '../options';
import { dataStage } from '../stages/data-stage';
import { evaluateStage } from '../stages/evaluate-stage';
import { reportStage } from '../stages/report-stage';
import { retrainStage } from '../stages/retrain-stage';
import { searchStage } from '../stages/search-stage';
import { predictStage, validateStage } from '../stages/submit-stages';

/** Every stage of `pipeline:full`, in order. */
export const FULL_STAGES = [dataStage, searchStage, retrainStage, predictStage, validateStage, evaluateStage, reportStage];

/** `digitfuse full` (`nx run pipeline:full`): data, search, retrain, predict, validate, evaluate, report into one run directory. */
export async function main(argv: readonly string[]): Promise<void> {
  const describe = 'Search hyperparameters, retrain the best configuration, write and validate submission.csv, and report.';
  const args = await parseArgs(argv, { name: 'digitfuse full', describe }, (y) => withPipelineFlags(y));
  const log = (line: string) => process.stderr.write(line + '\n');
  const ctx = openContext(toPipelineOptions(args as Record<string, unknown>), argv, log);
  const t0 = performance.now();
  await runStages(ctx, FULL_STAGES);
  log(`\nfinished in ${((performance.now() - t0) / 1000).toFixed(0)}s: ${ctx.layout.submission}`);
  log(`report: ${ctx.layout.reportDir}/report.html   summary: ${ctx.layout.summaryMd}`);
}

if (require.main === module) runMain(main);
