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

/** A command running the `main` of a package's CLI module. */
const cli = (name: string, nxTarget: string, describe: string, load: () => Promise<CliModule>): Command => ({ name, describe, nxTarget, run: lazy(load) });

/** Every command, in the order `digitfuse --help` lists them. */
export const COMMANDS: readonly Command[] = [
  cli('full', 'pipeline:full', 'search, retrain, predict, validate, evaluate and report into one run directory', () => import('@digitfuse/pipeline/cli/full')),
  cli('search', 'pipeline:search', 'the hyperparameter search alone (resumable)', () => import('@digitfuse/pipeline/cli/search')),
  cli('report', 'pipeline:report', "regenerate a run's summary and report", () => import('@digitfuse/pipeline/cli/report')),
  cli('dashboard', 'pipeline:dashboard', 'a live dashboard of a run (trials, charts, progress) until Ctrl-C', () => import('@digitfuse/pipeline/cli/dashboard')),
  cli('robustness', 'pipeline:robustness', 'the main job and the image-only pipeline on sets with unseen voices', () => import('@digitfuse/pipeline/cli/robustness')),
  cli('train', 'model:train', 'train one model (default: the paper configuration)', () => import('@digitfuse/model/cli/train')),
  cli('predict', 'submit:predict', 'predict the test files and write a validated submission', () => import('@digitfuse/submit/cli/predict')),
  cli('validate', 'submit:validate', 'check a submission against the test files', () => import('@digitfuse/submit/cli/validate')),
  cli('upload', 'submit:upload', 'submit with the official Kaggle CLI, or say what is missing', () => import('@digitfuse/submit/cli/upload')),
  cli('preprocess', 'data:preprocess', 'load, validate, split and preprocess; print the summary', () => import('@digitfuse/data/cli/preprocess')),
  cli('demo', 'data:demo', 'build the demo dataset', () => import('@digitfuse/data/cli/demo')),
  cli('figures', 'data:figures', 'digits-grid.png and mfcc-per-digit.png of a data folder', () => import('@digitfuse/data/cli/figures')),
  {
    name: 'bench',
    describe: 'benchmarks: model, kernels, tuning, robustness',
    subcommands: [
      cli('model', 'model:bench', 'training and inference samples/s', () => import('@digitfuse/model/cli/bench')),
      cli('kernels', 'model:bench-kernels', 'per-kernel profile of a training step', () => import('@digitfuse/model/cli/bench-kernels')),
      cli('tuning', 'tuning:bench', "the TPE sampler's overhead per trial", () => import('@digitfuse/tuning/cli/bench')),
      cli('samplers', 'tuning:bench-samplers', "the samplers' median regret (beside Optuna's when it is importable) and ZDT1 hypervolume", () => import('@digitfuse/tuning/cli/bench-samplers')),
      cli('storage', 'tuning:bench-storage', 'trials/s of 1-16 worker processes on one study: journal file vs PostgreSQL', () => import('@digitfuse/tuning/cli/bench-storage')),
      cli('robustness', 'model:robustness', 'image-only, audio-only, plain and robust fusion models on each dataset', () => import('@digitfuse/model/cli/robustness')),
    ],
  },
  cli('audio-bank', 'data:audio-bank', 'regenerate the demo audio bank from the FSDD features', () => import('@digitfuse/data/cli/build-audio-bank')),
  { name: 'build-native', describe: '(re)build the native kernels', nxTarget: 'model:build-native', run: buildNative },
];

/** Every runnable command with the words that select it, e.g. `[['bench', 'kernels'], command]`. */
export function leafCommands(commands: readonly Command[] = COMMANDS, prefix: readonly string[] = []): [readonly string[], Command][] {
  return commands.flatMap((c) => (c.subcommands ? leafCommands(c.subcommands, [...prefix, c.name]) : [[[...prefix, c.name], c] as [readonly string[], Command]]));
}
