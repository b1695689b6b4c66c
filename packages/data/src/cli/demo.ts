import { MAX_SEED, parseArgs, positiveInt, runMain, UsageError } from '@digitfuse/core';
import { defaultDemoDir, ensureDemoDataset, readDemoManifest } from '../demo/build-demo';

/** `digitfuse demo [--train N] [--test N] [--seed S] [--out DIR] [--force]` (`nx run data:demo`): build the demo dataset. */
export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(
    argv,
    { name: 'digitfuse demo', usage: '[--train N] [--test N] [--seed S] [--out DIR] [--force]', describe: 'Build the Kaggle-format demo dataset (MNIST images paired with FSDD spoken-digit features).' },
    (y) =>
      y
        .option('train', { type: 'number', default: 4000, describe: 'training rows (MNIST training images), 1..60000' })
        .option('test', { type: 'number', default: 1000, describe: 'test rows (MNIST test images), 0..10000; 0 writes no test files (training only, no submission)' })
        .option('seed', { type: 'number', default: 1, describe: 'seed of the image choice and image-clip pairing' })
        .option('out', { type: 'string', describe: 'output folder, absent, empty or a demo dataset (a file or a folder with other files is refused; default: <workspace>/.cache/demo/<train>-<test>-<seed>)' })
        .option('force', { type: 'boolean', default: false, describe: 'rebuild even when the folder is complete, and replace a demo dataset built with other sizes or seed' }),
  );
  const options = {
    train: positiveInt(args.train, 'train'),
    test: positiveInt(args.test, 'test', { allowZero: true }),
    seed: positiveInt(args.seed, 'seed', { allowZero: true, max: MAX_SEED }),
  };
  if (options.train > 60000) throw new UsageError(`Expected --train to be at most 60000 (MNIST training images), found ${options.train}`);
  if (options.test > 10000) throw new UsageError(`Expected --test to be at most 10000 (MNIST test images), found ${options.test}`);
  const dir = args.out ?? defaultDemoDir(options);
  const existed = readDemoManifest(dir, options) !== null;
  // A build of 60,000 rows takes seconds: one line says what is being built where (stderr: stdout's line is the outcome).
  await ensureDemoDataset({ ...options, dir, force: args.force, log: (line) => console.error(line) });
  console.log(`${existed && !args.force ? 'demo dataset up to date' : 'built demo dataset'}: ${dir} (${options.train} train, ${options.test} test, seed ${options.seed})`);
}

if (require.main === module) runMain(main);
