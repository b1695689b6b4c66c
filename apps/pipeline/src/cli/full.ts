import { shellQuote } from '@digitfuse/core';
import { outliveClosedOutput, parseArgs, runMain } from '@digitfuse/core';
import { COMPETITION_FILES } from '@digitfuse/data';
import { checkNativeEnvironment } from '@digitfuse/model';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { backendToCheckFirst, runStages } from '../context';
import { openCheckedContext, storageToCheckFirst } from '../open-run';
import { checkSharedStudy, checkStorage, storageUrlOf, studyNameOf, withResumeHint } from '../study-access';
import { startDashboardThread } from '../dashboard';
import { toPipelineOptions, withDashboardFlag, withPipelineFlags } from '../options';
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
  const args = await parseArgs(argv, { name: 'digitfuse full', describe }, (y) => withDashboardFlag(withPipelineFlags(y)));
  // The run goes on to its last file when its output's reader is gone (`| head`, a closed terminal).
  outliveClosedOutput();
  const log = (line: string) => process.stderr.write(line + '\n');
  const options = toPipelineOptions(args as Record<string, unknown>);
  // The native kernels' DIGITFUSE_* variables, then a new run's --storage (a resumed run's when its
  // stages are known: openCheckedContext): one line before anything is written.
  checkNativeEnvironment();
  await checkStorage(storageToCheckFirst(options, argv), log);
  await checkSharedStudy(options, log);
  const backend = await backendToCheckFirst(options, log);
  const ctx = await openCheckedContext(options, argv, log, FULL_STAGES.map((stage) => stage.name));
  ctx.backend = backend;
  ctx.besideRetrain = true;
  const testFiles = [COMPETITION_FILES.testImages, COMPETITION_FILES.testAudio];
  if (ctx.options.data && !testFiles.every((f) => existsSync(join(ctx.options.data as string, f)))) {
    log(`note: ${ctx.options.data} has no ${testFiles.join(' / ')}: the run searches, retrains and reports, but writes no submission`);
  }
  const stages = FULL_STAGES.map(({ name, title }) => ({ name, title }));
  const dashboard = args.dashboard
    ? await startDashboardThread({ run: ctx.layout.root, storage: storageUrlOf(ctx), study: studyNameOf(ctx), besideRun: true, stages }, log)
    : null;
  if (dashboard) log(`dashboard: ${dashboard.url} (live until the run ends)`);
  const t0 = performance.now();
  try {
    await runStages(ctx, FULL_STAGES, 'full');
  } catch (e) {
    throw withResumeHint(e, ctx, 'full');
  } finally {
    await dashboard?.finish();
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(0);
  log(`\nfinished in ${seconds}s: ${existsSync(ctx.layout.submission) ? ctx.layout.submission : 'no submission written (no test files)'}`);
  // The report stage records how many figures it drew: 0 when it was skipped (--no-report).
  const reportHtml = join(ctx.layout.reportDir, 'report.html');
  const reported = Number(ctx.state.stages.report?.facts?.figures ?? 0) > 0 && existsSync(reportHtml);
  const stale = !reported && existsSync(reportHtml) ? `; ${reportHtml} is from before this run's last stages` : '';
  log(
    reported
      ? `report: ${reportHtml}   summary: ${ctx.layout.summaryMd}`
      : `summary: ${ctx.layout.summaryMd}   report: none (--no-report${stale}; \`digitfuse report --run ${shellQuote(ctx.layout.root)}\` writes it)`,
  );
  if (dashboard) log(`dashboard stopped (it showed ${dashboard.url}); \`digitfuse dashboard --run ${shellQuote(ctx.layout.root)}\` serves it again`);
}

if (require.main === module) runMain(main);
