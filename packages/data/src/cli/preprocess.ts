import { checkOutputFolder, MAX_SEED, parseArgs, positiveInt, runMain, UsageError } from '@digitfuse/core';
import { ensureDemoDataset } from '../demo/build-demo';
import { checkPreparedCache, checkTestAudioScale, emptyValidationWarning, prepareData, warningsOnly } from '../prepare-data';
import { formatSummary } from '../summary';

/** `digitfuse preprocess [--data DIR] [--out DIR] ...` (`nx run data:preprocess`): load, validate, split, cache; print the summary. */
export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(
    argv,
    { name: 'digitfuse preprocess', usage: '[--data DIR] [--out DIR]', describe: 'Load, validate, split and preprocess the competition files, cache the arrays and print a summary.' },
    (y) =>
      y
        .option('data', { type: 'string', describe: "folder with the competition's files (default: the built-in demo dataset, built on first use)" })
        .option('out', { type: 'string', describe: 'cache folder for the preprocessed arrays (default: <workspace>/.cache/prepared/<data name>-<hash>)' })
        .option('seed', { type: 'number', default: 42, describe: 'seed of the train/validation split' })
        .option('val-fraction', { type: 'number', default: 0.2, describe: 'fraction of training rows held out for validation' })
        .option('split', { choices: ['grouped', 'stratified'] as const, default: 'grouped' as const, describe: 'grouped: identical audio never on both sides' })
        .option('rebuild', { type: 'boolean', default: false, describe: 'ignore an existing cache' })
        .option('allow-shift', { type: 'boolean', default: false, describe: 'go on when the test audio is grossly unlike the training audio (wrong scale, unit mix-up), which is refused otherwise' })
        .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' }),
  );
  if (!(args.valFraction > 0 && args.valFraction < 1)) throw new UsageError(`Expected --val-fraction between 0 and 1, found ${args.valFraction}`);
  positiveInt(args.seed, 'seed', { allowZero: true, max: MAX_SEED });
  if (args.out !== undefined) {
    checkOutputFolder(args.out, 'out', 'a cache folder for the preprocessed arrays');
    checkPreparedCache(args.out);
  }
  const dataDir = args.data ?? (await ensureDemoDataset({ log: (line) => console.error(line) }));
  const prepared = await prepareData({
    dataDir,
    cacheDir: args.out,
    seed: args.seed,
    valFraction: args.valFraction,
    splitMode: args.split,
    rebuild: args.rebuild,
    // With --json only its warnings, on stderr beside the JSON.
    log: args.json ? warningsOnly((line) => console.error(line)) : (line) => console.error(line),
  });
  // Judged as the pipeline judges them with its default fusion (robust: it falls back on its image expert).
  checkTestAudioScale(prepared, args.allowShift, (line) => console.error(line), 'falls-back');
  const warning = emptyValidationWarning(prepared, 'a model trained on this split has no early stopping and no validation metrics');
  if (warning) console.error(warning);
  if (args.json) {
    console.log(JSON.stringify(prepared.summary, null, 2));
  } else {
    console.log(formatSummary(prepared.summary));
    // resourceUsage().maxRSS is in KiB: the process's peak, what the memory budget is about.
    console.log(`peak RSS:    ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  }
}

if (require.main === module) runMain(main);
