import { runStages } from '../context';
import { openContext } from '../open-run';
import { toPipelineOptions, withPipelineFlags } from '../options';
import { dataStage } from '../stages/data-stage';
import { isWorker, searchStage } from '../stages/search-stage';
import { exitWith, runCli } from './run-cli';

/** `nx run pipeline:search`: the data and search stages alone (same flags as pipeline:full, resumable). */
export function main(argv: readonly string[]): Promise<number> {
  return runCli(
    argv,
    'nx run pipeline:search',
    'Run the hyperparameter search alone (continue it later with --resume DIR, or finish with pipeline:full --resume DIR).',
    (y) => withPipelineFlags(y),
    async (args) => {
      const prefix = isWorker() ? `[worker ${Number(process.env.TUNING_WORKER_INDEX ?? 0) + 2}] ` : '';
      const log = (line: string) => process.stderr.write(prefix + line + '\n');
      const ctx = openContext(toPipelineOptions(args as Record<string, unknown>), argv, log);
      if (isWorker()) {
        // A worker only runs trials; the main process records the stage and writes the outputs.
        await searchStage.run(ctx);
        return;
      }
      await runStages(ctx, [dataStage, searchStage]);
      log(`\nsearch results: ${ctx.layout.searchDir} (trials.md, trials.csv, best.json)`);
    },
  );
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
