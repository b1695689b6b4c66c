import { shellQuote } from '@digitfuse/core';
import { outliveClosedOutput, parseArgs, runMain, stopAfterWork } from '@digitfuse/core';
import { checkNativeEnvironment } from '@digitfuse/model';
import { backendToCheckFirst, runStages } from '../context';
import { openCheckedContext, storageToCheckFirst } from '../open-run';
import { staleSubmission, STAGE_NAMES } from '../run-artifacts';
import { checkSharedStudy, checkStorage, withResumeHint } from '../study-access';
import { toPipelineOptions, withPipelineFlags } from '../options';
import { dataStage } from '../stages/data-stage';
import { isWorker, searchStage, workerPrefix } from '../stages/search-stage';

/** `digitfuse search` (`nx run pipeline:search`): the data and search stages alone (same flags as `full`, resumable). */
export async function main(argv: readonly string[]): Promise<void> {
  const describe = 'Run the hyperparameter search alone (continue it later with --resume DIR, or finish with `digitfuse full --resume DIR`).';
  const args = await parseArgs(argv, { name: 'digitfuse search', describe }, (y) =>
    // The report follows the command that writes it (`full --resume` writes it unless given --no-report), so here it changes nothing.
    withPipelineFlags(y).option('report', { type: 'boolean', default: true, describe: 'No effect here: search writes no report (`full --resume DIR` writes it unless given --no-report)' }),
  );
  // The run goes on to its last file when its output's reader is gone (`| head`, a closed terminal).
  outliveClosedOutput();
  const prefix = workerPrefix();
  const log = (line: string) => process.stderr.write(prefix + line + '\n');
  const options = toPipelineOptions(args as Record<string, unknown>);
  // The native kernels' DIGITFUSE_* variables, then a new run's --storage (a resumed run's when its
  // stages are known: openCheckedContext): one line before anything is written.
  checkNativeEnvironment();
  await checkStorage(storageToCheckFirst(options, argv), log);
  await checkSharedStudy(options, log);
  const backend = await backendToCheckFirst(options, log);
  const ctx = await openCheckedContext(options, argv, log, ['data', 'search']);
  ctx.backend = backend;
  if (isWorker()) {
    // A worker only runs trials; the main process records the stage and writes the outputs. Stopped,
    // it fails the trial it runs first (the search stage's stop work), as the main process does.
    const removeHandlers = stopAfterWork();
    try {
      await searchStage.run(ctx);
    } finally {
      removeHandlers();
    }
    return;
  }
  try {
    await runStages(ctx, [dataStage, searchStage], 'search');
  } catch (e) {
    throw withResumeHint(e, ctx, 'search');
  }
  log(`\nsearch results: ${ctx.layout.searchDir} (trials.md, trials.csv, best.json)`);
  // The stages after the search are `full`'s: say which command runs them, and that a submission.csv
  // there is not this search's (a larger --trials went on from an earlier one).
  if (STAGE_NAMES.some((name) => !ctx.state.stages[name])) {
    const stale = staleSubmission(ctx.layout, ctx.state);
    log(
      `next: \`digitfuse full --resume ${shellQuote(ctx.layout.root)}\` retrains the chosen configuration, predicts, validates, evaluates and reports` +
        (stale ? ` (until then, ${stale} there is the run's earlier submission)` : ''),
    );
  }
}

// A worker's error line too says whose it is (the main process says what to do next).
if (require.main === module) runMain(main, process.argv.slice(2), (text) => process.stderr.write(text.replace(/^(?=.)/gm, workerPrefix())));
