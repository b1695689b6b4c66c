import { spawnSync } from 'node:child_process';
import { parseArgs } from '@digitfuse/core';

/** One `digitfuse` command: a program to run, or a group of subcommands. */
export interface Command {
  /** The word that selects it, e.g. `full`. */
  readonly name: string;
  /** One line for `digitfuse --help`. */
  readonly describe: string;
  /** The Nx target that runs the same program, e.g. `pipeline:full`. */
  readonly nxTarget?: string;
  /** Runs the command with the arguments after its name (it parses and checks them itself). */
  readonly run?: (argv: readonly string[]) => Promise<unknown>;
  /** Subcommands, for a group such as `bench`. */
  readonly subcommands?: readonly Command[];
}

/** A CLI module of a package: its `main(argv)` is the command. */
interface CliModule {
  main(argv: readonly string[]): Promise<unknown>;
}

/** Loads the module only when its command runs: `digitfuse preprocess` never loads TensorFlow.js. */
const lazy =
  (load: () => Promise<CliModule>) =>
  async (argv: readonly string[]): Promise<unknown> =>
    (await load()).main(argv);

/** `digitfuse build-native`: the model package's install script, which builds the native kernels. */
async function buildNative(argv: readonly string[]): Promise<void> {
  await parseArgs(argv, { name: 'digitfuse build-native', describe: '(Re)build the native kernels (node-gyp, C++17); `npm ci` does it too.' }, (y) => y);
  const result = spawnSync(process.execPath, [require.resolve('@digitfuse/model/native/build.cjs')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`the native kernels' build script ended with ${result.status ?? result.signal}`);
}

/** Every command, in the order `digitfuse --help` lists them. */
export const COMMANDS: readonly Command[] = [
  {
    name: 'full',
    describe: 'search, retrain, predict, validate, evaluate and report into one run directory',
    nxTarget: 'pipeline:full',
    run: lazy(() => import('@digitfuse/pipeline/cli/full')),
  },
  { name: 'search', describe: 'the hyperparameter search alone (resumable)', nxTarget: 'pipeline:search', run: lazy(() => import('@digitfuse/pipeline/cli/search')) },
  { name: 'report', describe: "regenerate a run's summary and report", nxTarget: 'pipeline:report', run: lazy(() => import('@digitfuse/pipeline/cli/report')) },
  {
    name: 'robustness',
    describe: 'the main job and the image-only pipeline on sets with unseen voices',
    nxTarget: 'pipeline:robustness',
    run: lazy(() => import('@digitfuse/pipeline/cli/robustness')),
  },
  { name: 'train', describe: 'train one model (default: the paper configuration)', nxTarget: 'model:train', run: lazy(() => import('@digitfuse/model/cli/train')) },
  { name: 'predict', describe: 'predict the test files and write a validated submission', nxTarget: 'submit:predict', run: lazy(() => import('@digitfuse/submit/cli/predict')) },
  { name: 'validate', describe: 'check a submission against the test files', nxTarget: 'submit:validate', run: lazy(() => import('@digitfuse/submit/cli/validate')) },
  { name: 'upload', describe: 'submit with the official Kaggle CLI, or say what is missing', nxTarget: 'submit:upload', run: lazy(() => import('@digitfuse/submit/cli/upload')) },
  { name: 'preprocess', describe: 'load, validate, split and preprocess; print the summary', nxTarget: 'data:preprocess', run: lazy(() => import('@digitfuse/data/cli/preprocess')) },
  { name: 'demo', describe: 'build the demo dataset', nxTarget: 'data:demo', run: lazy(() => import('@digitfuse/data/cli/demo')) },
  { name: 'figures', describe: 'digits-grid.png and mfcc-per-digit.png of a data folder', nxTarget: 'data:figures', run: lazy(() => import('@digitfuse/data/cli/figures')) },
  {
    name: 'bench',
    describe: 'benchmarks: model, kernels, tuning, robustness',
    subcommands: [
      { name: 'model', describe: 'training and inference samples/s', nxTarget: 'model:bench', run: lazy(() => import('@digitfuse/model/cli/bench')) },
      { name: 'kernels', describe: 'per-kernel profile of a training step', nxTarget: 'model:bench-kernels', run: lazy(() => import('@digitfuse/model/cli/bench-kernels')) },
      { name: 'tuning', describe: "the TPE sampler's overhead per trial", nxTarget: 'tuning:bench', run: lazy(() => import('@digitfuse/tuning/cli/bench')) },
      {
        name: 'robustness',
        describe: 'image-only, audio-only, plain and robust fusion models on each dataset',
        nxTarget: 'model:robustness',
        run: lazy(() => import('@digitfuse/model/cli/robustness')),
      },
    ],
  },
  { name: 'audio-bank', describe: 'regenerate the demo audio bank from the FSDD features', nxTarget: 'data:audio-bank', run: lazy(() => import('@digitfuse/data/cli/build-audio-bank')) },
  { name: 'build-native', describe: '(re)build the native kernels', nxTarget: 'model:build-native', run: buildNative },
];

/** Every runnable command with the words that select it, e.g. `[['bench', 'kernels'], command]`. */
export function leafCommands(commands: readonly Command[] = COMMANDS, prefix: readonly string[] = []): [readonly string[], Command][] {
  return commands.flatMap((c) => (c.subcommands ? leafCommands(c.subcommands, [...prefix, c.name]) : [[[...prefix, c.name], c] as [readonly string[], Command]]));
}
