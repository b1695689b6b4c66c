import * as path from 'node:path';
import { checkOutputFolder, counted, listFlag, makeDirs, MAX_SEED, parseArgs, positiveInt, runMain, writeFileAtomicAsync } from '@digitfuse/core';
import { BACKEND_CHOICES, describeBackend, selectBackend, type BackendChoice } from '../backend';
import { BENCH_CONFIGS } from '../bench/benchmark';
import { FUSIONS } from '../network/fusion/fusions';
import { MAX_EPOCHS } from '../training/train';
import { benchmarkSetFlag, benchmarkSets } from '../robustness/benchmark-sets';
import {
  defaultRobustnessDir,
  ROBUSTNESS_JSON,
  robustnessConclusion,
  robustnessMarkdown,
  ROBUSTNESS_MODELS,
  runRobustness,
  summarize,
  type RobustnessFile,
  type RobustnessModel,
  type RobustnessRun,
} from '../robustness/robustness';

export const ROBUSTNESS_MD = 'robustness.md';

/** Contents of `robustness.json`: the benchmark file plus its summary. */
export interface RobustnessReport extends RobustnessFile {
  readonly summary: ReturnType<typeof summarize>;
}

/** `digitfuse bench robustness --root DIR | --sets DIR,DIR [--out DIR]` (`nx run model:robustness`): the robust-fusion benchmark. */
export async function main(argv: readonly string[]): Promise<RobustnessReport> {
  const args = await parseArgs(
    argv,
    {
      name: 'digitfuse bench robustness',
      usage: '(--root DIR | --sets DIR,DIR,...) [--out DIR] [options]',
      describe:
        `Trains image-only, audio-only and fused models (${FUSIONS.join(', ')}) with the same budget and seeds on each dataset ` +
        '(a folder of competition files plus y_test.csv; a folder named <speaker>-clean|noisy is a leave-one-speaker-out set) ' +
        'and prints test accuracy per set with the mean and worst case over unseen speakers. Writes robustness.json and robustness.md to --out.',
    },
    (y) =>
      y
        .option('root', { type: 'string', describe: 'folder whose subfolders are the datasets' })
        .option('sets', { type: 'string', describe: 'comma-separated dataset folders (instead of --root)' })
        .option('out', { type: 'string', default: defaultRobustnessDir(), defaultDescription: '<workspace>/runs/robustness', describe: 'folder for robustness.json and robustness.md' })
        .option('models', { type: 'string', default: ROBUSTNESS_MODELS.join(','), describe: `comma-separated subset of ${ROBUSTNESS_MODELS.join(', ')}` })
        .option('config', { choices: Object.keys(BENCH_CONFIGS), default: 'paper', describe: 'filters and units of every model (small: 16/32/64)' })
        .option('epochs', { type: 'number', default: 10, describe: `most epochs, 1 to ${MAX_EPOCHS} (early stopping on validation loss, patience 3)` })
        .option('seed', { type: 'number', default: 42, describe: 'seed of the split, weights, shuffling and augmentation (same for every model)' })
        .option('augment-audio', { type: 'boolean', default: false, describe: 'robust fusion: also augment training audio (off by default: it cost accuracy)' })
        .option('modality-dropout', { type: 'boolean', default: true, describe: 'robust fusion: modality dropout (--no-modality-dropout to compare)' })
        .option('backend', { choices: BACKEND_CHOICES, default: 'auto' as BackendChoice }),
  );

  benchmarkSetFlag(args);
  const models = listFlag(args.models, 'models', ROBUSTNESS_MODELS) as RobustnessModel[];
  positiveInt(args.epochs, 'epochs', { max: MAX_EPOCHS });
  positiveInt(args.seed, 'seed', { allowZero: true, max: MAX_SEED });
  // Every folder now, not when the benchmark reaches it (a later set or the first save can be an hour in).
  const sets = benchmarkSets(args);
  checkOutputFolder(args.out, 'out', `a folder for ${ROBUSTNESS_JSON} and ${ROBUSTNESS_MD}`, [ROBUSTNESS_JSON, ROBUSTNESS_MD]);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const backend = await selectBackend(args.backend, log);
  const out = path.resolve(args.out);
  const base = BENCH_CONFIGS[args.config as keyof typeof BENCH_CONFIGS];
  log(`robustness: ${counted(sets.length, 'set')} x ${counted(models.length, 'model')}, config ${args.config}, at most ${counted(args.epochs, 'epoch')}, seed ${args.seed}; writing ${out}`);

  const report = (runs: readonly RobustnessRun[], complete: boolean): RobustnessReport => ({
    backend: describeBackend(backend),
    config: args.config,
    epochs: args.epochs,
    seed: args.seed,
    sets,
    runs,
    summary: summarize(runs, sets),
    complete,
  });
  const save = async (r: RobustnessReport): Promise<void> => {
    makeDirs(out);
    await writeFileAtomicAsync(path.join(out, ROBUSTNESS_JSON), JSON.stringify(r, null, 2) + '\n');
    await writeFileAtomicAsync(path.join(out, ROBUSTNESS_MD), robustnessMarkdown(r.runs, sets));
  };
  const runs = await runRobustness({
    sets,
    models,
    config: base,
    epochs: args.epochs,
    seed: args.seed,
    robustTraining: { augmentAudio: args.augmentAudio, modalityDropout: args.modalityDropout },
    log,
    onRun: (_run, sofar) => save(report(sofar, false)),
  });
  const final = report(runs, true);
  await save(final);
  console.log(robustnessMarkdown(runs, sets));
  console.log(robustnessConclusion(runs, sets));
  log(`saved ${path.join(out, ROBUSTNESS_JSON)} and ${ROBUSTNESS_MD}`);
  return final;
}

if (require.main === module) runMain(main);
