import { MAX_BATCH, MAX_SEED, parseDuration, positiveInt, UsageError } from '@digitfuse/core';
import { BACKEND_CHOICES, describeFusions, FUSIONS, MAX_EPOCHS, type BackendChoice, type Fusion } from '@digitfuse/model';
import { OBJECTIVE_NAMES, OBJECTIVES, type ObjectiveName } from './objective';
import { postgresUrlProblem, redactUrl } from '@digitfuse/tuning';
import { PipelineError } from './errors';
import type { Argv } from 'yargs';

/** `--split`'s choices. */
export const SPLITS = ['grouped', 'stratified'] as const;
/** `--pruner`'s choices. */
export const PRUNERS = ['median', 'hyperband', 'none'] as const;
/** `--modality`'s choices (the pipeline has no audio-only run). */
export const PIPELINE_MODALITIES = ['both', 'image'] as const;

/** Every flag of `pipeline:full` and `pipeline:search`, after parsing and checking. */
export interface PipelineOptions {
  /** Folder with the competition's files; null = the built-in demo dataset (built on first use). */
  readonly data: string | null;
  /** Run directory. Default `<workspace>/runs/<timestamp>` (`defaultRunDir`). */
  readonly out: string | null;
  /** Continue the run in this directory. */
  readonly resume: string | null;
  /** Finished trials the search aims for. Default 10 (the paper's protocol). */
  readonly trials: number;
  /** Wall-time budget of the search in ms, the trials' end-of-trial work included (search-stage.ts); null = no limit. */
  readonly budgetMs: number | null;
  /** Most epochs per training run. Default 10. */
  readonly epochs: number;
  /** Samples per gradient step. Default 64. */
  readonly batchSize: number;
  /** Seed of the split, the sampler, initialisers and shuffling. Default 42. */
  readonly seed: number;
  /** Compute backend. Default auto. */
  readonly backend: BackendChoice;
  /** Worker processes running trials in parallel. Default 1. */
  readonly workers: number;
  /** Validation split: grouped (no audio clip on both sides, default) or stratified. */
  readonly split: (typeof SPLITS)[number];
  /** Pruner for the search. Default median. */
  readonly pruner: (typeof PRUNERS)[number];
  /** Most training rows a search trial trains on (a seeded sample of the split's training rows). Default 12000. */
  readonly searchRows: number;
  /** Average the softmax of the K best configurations retrained. Default 1. */
  readonly ensemble: number;
  /** Test-time augmentation of the predictions (one-pixel image shifts). Default false. */
  readonly tta: boolean;
  /** Write the report at the end. Default true. */
  readonly report: boolean;
  /**
   * How the model fuses image and audio: 'robust' (per-sense heads, modality dropout, product of
   * experts calibrated on validation data with shifted audio and adapted to the test rows; the
   * default) or 'concat' (the paper's concatenation). Runs written before this option existed are 'concat'.
   */
  readonly fusion: Fusion;
  /**
   * How trials are ranked (see objective.ts): 'shift-aware' (the default), 'worst' or 'clean'. Runs
   * written before this option existed ranked by 'clean'.
   */
  readonly objective: ObjectiveName;
  /** The senses the models use: 'both' (default) or 'image' (an image-only pipeline, the baseline a fused one must beat). */
  readonly modality: (typeof PIPELINE_MODALITIES)[number];
  /** Go on when the test inputs are grossly unlike the training inputs (a wrong scale, a unit mix-up). Default false. */
  readonly allowShift?: boolean;
  /**
   * Where the study lives: null = the run directory's journal (default); a
   * `postgresql://user@host:port/db` URL = a database that workers on other machines share (also
   * from DIGITFUSE_STORAGE). Kept in run.json without its password.
   */
  readonly storage?: string | null;
  /** The study's name in a shared storage. Default: `digitfuse`. */
  readonly study?: string | null;
}

/** The fusion of a run's options ('concat' for runs written before `--fusion` existed). */
export const fusionOf = (options: PipelineOptions): Fusion => options.fusion ?? 'concat';

/** The fusion of a run's models: null for an image-only run (one branch, nothing fused). */
export const modelFusionOf = (options: PipelineOptions): Fusion | null => (modalityOf(options) === 'image' ? null : fusionOf(options));

/** The objective of a run's options ('clean' for runs written before `--objective` existed). */
export const objectiveOf = (options: PipelineOptions): ObjectiveName => options.objective ?? 'clean';

/** The modality of a run's options ('both' for runs written before `--modality` existed). */
export const modalityOf = (options: PipelineOptions): 'both' | 'image' => options.modality ?? 'both';

/**
 * The seed `offset` after the run's `seed` (a trial's, a retrained member's), wrapped into [0, MAX_SEED]:
 * the same as `seed + offset` whenever that fits, so runs with smaller seeds are unchanged.
 */
export const offsetSeed = (seed: number, offset: number): number => (seed + offset) % (MAX_SEED + 1);

/**
 * Options that `--resume` takes from the command line when given (e.g. a larger budget); every other
 * one comes from run.json, and giving it with another value than the run's is refused (open-run.ts).
 * `report` is always the command's own (`--no-report` or not).
 */
export const RESUMABLE: readonly (keyof PipelineOptions)[] = ['trials', 'budgetMs', 'workers', 'backend', 'report', 'allowShift', 'storage', 'study', 'ensemble', 'tta'];

/**
 * Resumable options that only the stages after the search read, with the first stage that reads each:
 * another value redoes the finished stages from there, keeping the search (and, for `--tta`, the
 * retrained models).
 */
export const AFTER_SEARCH_SETTINGS: Readonly<Partial<Record<keyof PipelineOptions, string>>> = { ensemble: 'retrain', tta: 'predict' };

/** The flag of an option (`budgetMs` -> `--budget`, `searchRows` -> `--search-rows`). */
export const flagOf = (key: string): string => `--${key === 'budgetMs' ? 'budget' : key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** `--fusion`'s help: every registered fusion with its one-sentence description. */
export const FUSION_HELP = `How image and audio are fused: ${describeFusions()}`;

/** `--storage`: where the study lives (also `digitfuse dashboard`'s). */
export const STORAGE_FLAG = {
  type: 'string',
  describe: "Where the study lives: postgresql://user@host:port/db shares it between machines (default: DIGITFUSE_STORAGE, else the run directory's journal)",
} as const;

/** `--study`: the study's name in a shared storage (also `digitfuse dashboard`'s). */
export const STUDY_FLAG = {
  type: 'string',
  describe: "Name of the study: in a shared --storage, every machine joining it gives the same name; without one, only its name in the run's own journal (default: digitfuse)",
} as const;

/** Declare the shared flags on a yargs instance. */
export function withPipelineFlags<T>(y: Argv<T>) {
  return y
    .option('data', { type: 'string', describe: 'Folder with x_train_wr.npy, x_train_sp.npy, y_train.csv, x_test_wr.npy, x_test_sp.npy (default: the built-in demo dataset)' })
    .option('out', { type: 'string', describe: 'Run directory for every output: a new or empty folder (default: <workspace>/runs/<timestamp>)' })
    .option('resume', {
      type: 'string',
      describe: `Continue an interrupted run in this directory (finished stages and trials are kept). The run keeps its settings: only ${RESUMABLE.map(flagOf).join(', ')} (and --data holding the same files) take the new value, and the report is written unless --no-report is given again; another value of any other flag is refused`,
    })
    .option('trials', { type: 'number', default: 10, describe: 'Finished trials the search aims for' })
    .option('budget', {
      type: 'string',
      describe:
        'Wall-time budget of the search, e.g. 90s, 10m, 1h30m (a bare number is minutes: 10 = 10m), its end-of-trial work included: running trials stop in time (mid-epoch if need be, keeping their best finished epoch) and no trial starts that could not finish its first epoch; a search stopped by Ctrl-C (or killed: all but its last 10 s) gets what is left of it when resumed, and a budget given again on resuming is a new one (default: none; 6m on the built-in demo data)',
    })
    .option('epochs', { type: 'number', default: 10, describe: `Most epochs per training run, 1 to ${MAX_EPOCHS} (early stopping, patience 3)` })
    .option('batch-size', { type: 'number', default: 64, describe: 'Samples per gradient step' })
    .option('seed', { type: 'number', default: 42, describe: `Seed of the split, the sampler, weight initialisers and shuffling (0 to ${MAX_SEED})` })
    .option('backend', { choices: BACKEND_CHOICES, default: 'auto' as BackendChoice, describe: 'Compute backend (auto: tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu in that order)' })
    .option('workers', { type: 'number', default: 1, describe: 'Worker processes running trials in parallel on one study (on this machine)' })
    .option('storage', STORAGE_FLAG)
    .option('study', STUDY_FLAG)
    .option('split', { choices: SPLITS, default: 'grouped' as const, describe: 'Validation split: grouped keeps each audio clip on one side' })
    .option('pruner', { choices: PRUNERS, default: 'median' as const, describe: 'Pruner that stops unpromising trials early' })
    .option('search-rows', { type: 'number', default: 12_000, describe: "Most training rows per search trial (a seeded sample); retraining uses every row" })
    .option('ensemble', { type: 'number', default: 1, describe: 'Average the softmax of the K best configurations, each retrained' })
    .option('tta', { type: 'boolean', default: false, describe: 'Test-time augmentation: average predictions over one-pixel image shifts' })
    .option('report', { type: 'boolean', default: true, describe: 'Write report.html and figures at the end (--no-report to skip)' })
    .option('fusion', {
      choices: FUSIONS,
      default: 'robust' as const,
      describe: FUSION_HELP,
    })
    .option('objective', {
      choices: OBJECTIVE_NAMES,
      default: 'shift-aware' as ObjectiveName,
      describe: OBJECTIVE_NAMES.map((n) => `${n}: ${OBJECTIVES[n].describe}`).join('; '),
    })
    .option('allow-shift', { type: 'boolean', default: false, describe: 'Go on when the test inputs are grossly unlike the training inputs (wrong scale, unit mix-up)' })
    .option('modality', {
      choices: PIPELINE_MODALITIES,
      default: 'both' as const,
      describe: 'Senses the models use: both, or image only (the baseline a fused model must beat on a new voice)',
    });
}

/**
 * `pipeline:full`'s `--dashboard` flag (not a run option: it is not kept in run.json, so a resumed
 * run shows the dashboard only when asked again).
 */
export function withDashboardFlag<T>(y: Argv<T>) {
  return y.option('dashboard', {
    type: 'boolean',
    default: false,
    describe: 'Serve a live dashboard of the run on 127.0.0.1 (URL printed at the start) until the run ends',
  });
}

/** Search budget on the built-in demo data when no --budget is given, so the demo ends in minutes. */
export const DEMO_BUDGET_MS = 6 * 60_000;

/** `--storage`, else DIGITFUSE_STORAGE (an error names the one the value came from); null (the run's journal) without either. */
export function storageOf(flag: unknown): string | null {
  return flag !== undefined ? storageFlag(flag) : storageFlag(process.env.DIGITFUSE_STORAGE, 'DIGITFUSE_STORAGE');
}

/**
 * A `--storage` value (or the `source` it came from) checked: a PostgreSQL URL with a host and a
 * database, and only the query parameters the storage reads (postgresUrlProblem); null when not given.
 * A bad URL is a UsageError naming the source; an SSL file it names that cannot be read, a
 * PipelineError (what stands on disk).
 */
export function storageFlag(v: unknown, source = '--storage'): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new UsageError(`Expected \`${source}\` to be a postgresql://user@host:port/database URL, found \`${redactUrl(String(v))}\``);
  const problem = postgresUrlProblem(v, `\`${source}\``);
  if (problem !== undefined) throw problem.onDisk ? new PipelineError(problem.message) : new UsageError(problem.message);
  return v;
}

/**
 * A study name given as `flag` (`--study`, `studies --delete`) checked. What was found is shown on
 * one line: a name with a line break or another control character as a JSON string, a longer one by
 * its length.
 */
export function studyName(v: unknown, flag = '--study'): string {
  if (typeof v === 'string' && /^[\w.-]{1,100}$/.test(v)) return v;
  const text = String(v);
  const found = text.length > 100 ? `a name of ${text.length} characters` : /[\u0000-\u001f\u007f-\u009f]/.test(text) ? JSON.stringify(text) : `\`${text}\``;
  throw new UsageError(`Expected \`${flag}\` to be a name of 1 to 100 characters among ASCII letters, digits, _ . -, found ${found}`);
}

/** What a field of run.json's `options` must hold: a check and its words. */
interface RunOptionRule {
  readonly expected: string;
  readonly ok: (value: unknown) => boolean;
}
const intFrom = (min: number, max: number): RunOptionRule => ({ expected: `an integer from ${min} to ${max}`, ok: (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max });
const oneOf = (choices: readonly string[]): RunOptionRule => ({ expected: `one of ${choices.join(', ')}`, ok: (v) => choices.includes(v as string) });
const pathOrNull: RunOptionRule = { expected: 'a path or null', ok: (v) => v === null || (typeof v === 'string' && v.trim() !== '') };
const flag: RunOptionRule = { expected: 'true or false', ok: (v) => typeof v === 'boolean' };

/** The flags' checks as run.json keeps their values (toPipelineOptions's ranges). */
const RUN_OPTION_RULES: Readonly<Record<string, RunOptionRule>> = {
  data: pathOrNull,
  out: pathOrNull,
  resume: pathOrNull,
  trials: intFrom(1, 10_000),
  budgetMs: { expected: 'milliseconds above 0, or null', ok: (v) => v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0) },
  epochs: intFrom(1, MAX_EPOCHS),
  batchSize: intFrom(1, MAX_BATCH),
  seed: intFrom(0, MAX_SEED),
  backend: oneOf(BACKEND_CHOICES),
  workers: intFrom(1, 64),
  split: oneOf(SPLITS),
  pruner: oneOf(PRUNERS),
  searchRows: intFrom(1, 10_000_000),
  ensemble: intFrom(1, 20),
  tta: flag,
  report: flag,
  fusion: oneOf(FUSIONS),
  objective: oneOf(OBJECTIVE_NAMES),
  modality: oneOf(PIPELINE_MODALITIES),
  allowShift: flag,
  storage: { expected: 'a string or null', ok: (v) => v === null || typeof v === 'string' },
  study: { expected: 'a string or null', ok: (v) => v === null || typeof v === 'string' },
};

/**
 * The first field of a run's recorded `options` (run.json) that no flag could have given, e.g. an
 * `epochs` edited to "abc" (what it should hold, for the message); fields not recorded pass (runs
 * written before a flag existed take its default).
 */
export function runOptionProblem(options: Readonly<Record<string, unknown>>): { readonly field: string; readonly expected: string } | undefined {
  for (const [field, rule] of Object.entries(RUN_OPTION_RULES)) {
    if (options[field] !== undefined && !rule.ok(options[field])) return { field, expected: rule.expected };
  }
  return undefined;
}

/** Check and normalise parsed flags; throws a UsageError naming the flag. */
export function toPipelineOptions(argv: Record<string, unknown>): PipelineOptions {
  const str = (k: string): string | null => {
    const v = argv[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`Expected \`--${k}\` to be a path, found \`${String(v)}\``);
    return v;
  };
  if (argv.out !== undefined && argv.resume !== undefined) {
    throw new UsageError('Expected either `--out` (a new run) or `--resume` (an existing run), found both');
  }
  const seed = positiveInt(argv.seed, 'seed', { allowZero: true, max: MAX_SEED });
  return {
    data: str('data'),
    out: str('out'),
    resume: str('resume'),
    trials: positiveInt(argv.trials, 'trials', { max: 10_000 }),
    budgetMs:
      argv.budget !== undefined
        ? parseDuration(String(argv.budget), '--budget')
        : argv.data === undefined && argv.resume === undefined
          ? DEMO_BUDGET_MS
          : null,
    epochs: positiveInt(argv.epochs, 'epochs', { max: MAX_EPOCHS }),
    batchSize: positiveInt(argv['batch-size'] ?? argv.batchSize, 'batch-size', { max: MAX_BATCH }),
    seed,
    backend: argv.backend as BackendChoice,
    workers: positiveInt(argv.workers, 'workers', { max: 64 }),
    split: argv.split as PipelineOptions['split'],
    pruner: argv.pruner as PipelineOptions['pruner'],
    searchRows: positiveInt(argv['search-rows'] ?? argv.searchRows, 'search-rows', { max: 10_000_000 }),
    ensemble: positiveInt(argv.ensemble, 'ensemble', { max: 20 }),
    tta: argv.tta === true,
    report: argv.report !== false,
    fusion: (argv.fusion ?? 'robust') as Fusion,
    objective: (argv.objective ?? 'shift-aware') as ObjectiveName,
    modality: (argv.modality ?? 'both') as 'both' | 'image',
    allowShift: argv['allow-shift'] === true,
    storage: storageOf(argv.storage),
    study: argv.study === undefined ? null : studyName(argv.study),
  };
}
