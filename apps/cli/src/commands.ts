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

/**
 * The commands that run a package's CLI, in the order `digitfuse --help` lists them: the words that
 * select one, the Nx target that runs the same program, its help line, and the CLI module when it is
 * not named after the target (`@digitfuse/<project>/cli/<target>`, whose `main(argv)` is the command).
 */
const TABLE: readonly (readonly [words: string, nxTarget: string, describe: string, module?: string])[] = [
  ['full', 'pipeline:full', 'search, retrain, predict, validate, evaluate and report into one run directory'],
  ['search', 'pipeline:search', 'the hyperparameter search alone (resumable)'],
  ['report', 'pipeline:report', "regenerate a run's summary and report"],
  ['dashboard', 'pipeline:dashboard', 'a live dashboard of a run, or of a study in PostgreSQL (trials, charts, progress) until Ctrl-C'],
  ['studies', 'pipeline:studies', 'the studies a PostgreSQL database holds (trials, best value, hosts, last activity), one study\'s trials, or --delete one'],
  ['robustness', 'pipeline:robustness', 'the main job and the image-only pipeline on sets with unseen voices'],
  ['train', 'model:train', 'train one model (default: the paper configuration)'],
  ['predict', 'submit:predict', 'predict the test files and write a validated submission'],
  ['validate', 'submit:validate', 'check a submission against the test files'],
  ['upload', 'submit:upload', 'submit with the official Kaggle CLI, or say what is missing'],
  ['preprocess', 'data:preprocess', 'load, validate, split and preprocess; print the summary'],
  ['demo', 'data:demo', 'build the demo dataset'],
  ['figures', 'data:figures', 'digits-grid.png and mfcc-per-digit.png of a data folder'],
  ['bench model', 'model:bench', 'training and inference samples/s'],
  ['bench kernels', 'model:bench-kernels', 'per-kernel profile of a training step'],
  ['bench tuning', 'tuning:bench', "the TPE sampler's overhead per trial"],
  ['bench samplers', 'tuning:bench-samplers', "the samplers' median regret (beside Optuna's when it is importable) and ZDT1 hypervolume"],
  ['bench storage', 'tuning:bench-storage', 'trials/s of 1-16 worker processes on one study: journal file vs PostgreSQL'],
  ['bench robustness', 'model:robustness', 'image-only, audio-only, plain and robust fusion models on each dataset'],
  ['audio-bank', 'data:audio-bank', 'regenerate the demo audio bank from the FSDD features', 'build-audio-bank'],
];

/** The help lines of the command groups (the first word of two-word commands). */
const GROUPS: Readonly<Record<string, string>> = { bench: 'benchmarks: model, kernels, tuning, samplers, storage, robustness' };

/** `digitfuse build-native`: the model package's install script, which builds the native kernels. */
async function buildNative(argv: readonly string[]): Promise<void> {
  await parseArgs(argv, { name: 'digitfuse build-native', describe: '(Re)build the native kernels (node-gyp, C++17); `npm ci` does it too.' }, (y) => y);
  const result = spawnSync(process.execPath, [require.resolve('@digitfuse/model/native/build.cjs')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`the native kernels' build script ended with ${result.status ?? result.signal}`);
}

/**
 * The commands of `table`, two-word ones in their group. The module of each is loaded only when the
 * command runs: `digitfuse preprocess` never loads TensorFlow.js.
 */
function commandsOf(table: typeof TABLE): Command[] {
  const commands: Command[] = [];
  const groups = new Map<string, Command[]>();
  for (const [words, nxTarget, describe, module] of table) {
    const [first, second] = words.split(' ');
    const [project, target] = nxTarget.split(':');
    const load = (): Promise<CliModule> => import(`@digitfuse/${project}/cli/${module ?? target}`);
    const command: Command = { name: second ?? first, describe, nxTarget, run: async (argv) => (await load()).main(argv) };
    if (second === undefined) {
      commands.push(command);
      continue;
    }
    let group = groups.get(first);
    if (!group) {
      group = [];
      groups.set(first, group);
      commands.push({ name: first, describe: GROUPS[first], subcommands: group });
    }
    group.push(command);
  }
  return commands;
}

/** Every command, in the order `digitfuse --help` lists them. */
export const COMMANDS: readonly Command[] = [
  ...commandsOf(TABLE),
  { name: 'build-native', describe: '(re)build the native kernels', nxTarget: 'model:build-native', run: buildNative },
];

/** Every runnable command with the words that select it, e.g. `[['bench', 'kernels'], command]`. */
export function leafCommands(commands: readonly Command[] = COMMANDS, prefix: readonly string[] = []): [readonly string[], Command][] {
  return commands.flatMap((c) => (c.subcommands ? leafCommands(c.subcommands, [...prefix, c.name]) : [[[...prefix, c.name], c] as [readonly string[], Command]]));
}
