import { existsSync, promises as fs, rmSync } from 'node:fs';
import * as path from 'node:path';
import {
  beforeStopping,
  checkOutputFolder,
  counted,
  FileWriteError,
  MAX_BATCH,
  MAX_SEED,
  onStopSignals,
  parseArgs,
  positiveInt,
  readJsonFile,
  runMain,
  stopWord,
  unlessStopping,
  UsageError,
  writeFileAtomicAsync,
} from '@digitfuse/core';
import { checkPreparedCache, checkTestAudioScale, COMPETITION_FILES, DataError, emptyValidationWarning, ensureDemoDataset, prepareData, readLabelsCsv, requireDataDir, subset, type ModelInputs, type SplitMode } from '@digitfuse/data';
import { BACKEND_CHOICES, backendAdvice, describeBackend, selectBackend, type BackendChoice } from '../backend';
import { ConfigError } from '../errors';
import { evaluate, type EvaluationResult } from '../evaluation/evaluate';
import { audioUseOf, DEFAULT_MODEL_CONFIG as D, FUSIONS, MODALITIES, type Fusion, type Modality, type ModelConfig, validateConfig } from '../network/config';
import { describeFusions } from '../network/fusion/fusions';
import type { EpochLogs } from '../training/callbacks';
import { savingFolder } from '../io/model-files';
import { epochNumber, numberedHistory } from '../io/saved-epochs';
import { fitModel } from '../training/fit-model';
import { MAX_EPOCHS } from '../training/train';
import { checkCacheOutsideOut, checkTrainOut, METRICS_JSON, moveIntoOut, trainStaging } from './train-out';

export { METRICS_JSON } from './train-out';

/** Contents of `metrics.json` written beside the model. */
export interface TrainMetrics {
  /** The backend as the `backend:` line and a run's run.json name it (`describeBackend`), e.g. `wasm (SIMD, 1 thread) + native kernels (avx512, 2 threads)`. */
  readonly backend: string;
  readonly config: ModelConfig;
  readonly data: { readonly dir: string; readonly nTrain: number; readonly nVal: number; readonly valFraction: number; readonly splitMode: string };
  readonly epochsRun: number;
  /** The epoch whose weights were saved, counted from 1 as the log lines and meta.json count (`best epoch 3/10` is 3); 0 when none finished. */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly seconds: number;
  /** Metrics of the saved (best) weights on the validation split; null without one. */
  readonly validation: EvaluationJson | null;
  /** Metrics on the test rows when the data folder has their labels (`y_test.csv`, as the demo and reference datasets do); else null. */
  readonly test: EvaluationJson | null;
  /** Per-epoch metrics; each `epoch` counted from 1, as `bestEpoch`. */
  readonly history: readonly EpochLogs[];
}

/** An `EvaluationResult` as JSON: the confusion matrix as rows. */
export type EvaluationJson = Omit<EvaluationResult, 'confusion'> & { readonly confusion: number[][] };

const toJson = (r: EvaluationResult): EvaluationJson => ({
  ...r,
  confusion: Array.from({ length: 10 }, (_, row) => Array.from(r.confusion.subarray(row * 10, row * 10 + 10))),
});

/** The test rows with labels from `y_test.csv` when the folder has that file, else null. */
function labelledTest(dataDir: string, test: ModelInputs | null): ModelInputs | null {
  const file = path.join(dataDir, COMPETITION_FILES.testLabels);
  if (!test || !existsSync(file)) return null;
  const { labels } = readLabelsCsv(file);
  if (labels.length !== test.n) throw new DataError(`Expected \`${file}\` to have ${counted(test.n, 'label')} (one per test row), found ${labels.length}`, file);
  return { ...test, labels };
}

const parseFilters = (flag: string, s: string | undefined): number[] | undefined => {
  if (s === undefined) return undefined;
  const parts = s.split(',').map((x) => x.trim());
  if (parts.some((x) => x === '' || !Number.isFinite(Number(x)))) throw new UsageError(`Expected --${flag} to be comma-separated integers like 48,128,64, found '${s}'`);
  return parts.map(Number);
};

const kebabCase = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Checks each model-config value given by a flag on its own, before any work: a bad one is a
 * {@link UsageError} naming the flag as typed (``Expected `kernelSize` ...`` from `validateConfig`
 * becomes `Expected --kernel-size ...`, `` `imageFilters[0]` `` becomes `entry 1 of --image-filters`).
 */
function checkConfigFlags(values: Partial<Record<keyof ModelConfig, unknown>>): void {
  for (const [field, value] of Object.entries(values)) {
    try {
      validateConfig({ [field]: value });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const message = err.message.replace(/`(\w+)(?:\[(\d+)\])?`/, (_, name: string, i?: string) =>
        i === undefined ? `--${kebabCase(name)}` : `entry ${Number(i) + 1} of --${kebabCase(name)}`,
      );
      throw new UsageError(message);
    }
  }
}

/** The flags a one-branch model has no use for: they would be accepted and do nothing. */
const OTHER_BRANCH_FLAGS = {
  image: { flags: ['fusion', 'audioFilters'], why: 'an image-only model has no audio branch' },
  audio: { flags: ['fusion', 'imageFilters', 'augment'], why: 'an audio-only model has no image branch' },
} as const;

/** Refuses flags given for the branch a one-branch model (`modality`, set by `from`) lacks. */
function refuseOtherBranchFlags(modality: Modality, from: string, given: Readonly<Record<string, string | boolean | undefined>>): void {
  if (modality === 'both') return;
  const { flags, why } = OTHER_BRANCH_FLAGS[modality];
  const found = flags.filter((k) => given[k] !== undefined).map((k) => `\`--${kebabCase(k)}${given[k] === true ? '' : ` ${String(given[k])}`}\``);
  if (found.length > 0) {
    const named = flags.map((k) => `\`--${kebabCase(k)}\``);
    throw new UsageError(`Expected no ${named.slice(0, -1).join(', ')} or ${named[named.length - 1]} with ${from} (${why}), found ${found.join(' and ')}`);
  }
}

/**
 * What `train` does on Ctrl-C, SIGTERM or SIGHUP, as a run does (core's stop signals): a move of the
 * model into `--out` under way ends first (`--out` then holds the earlier model or the new one,
 * whole), the folder the model was being saved in goes, and the last line says what `--out` holds.
 * The process then ends as the signal ends it. Before, it ended at once, without a word.
 */
interface TrainStop {
  /** The folder beside `--out` the model is saved in before it moves there, once there is one. */
  staging: string | null;
  /** The move of the model into `--out` (see moveIntoOut), once it has begun. */
  moving: Promise<boolean> | null;
  /** Removes the handlers (the command ended). */
  remove(): void;
}

/**
 * Removes a staging folder as the process stops. A save under way may still be writing a file into it
 * (its writes run on libuv's threads while the stop runs here), so the removal is retried (a last file
 * written between listing the folder and removing it: ENOTEMPTY); what still cannot go is one line
 * naming the folder, never a stack trace.
 */
export function removeStaging(folder: string, log: (line: string) => void, remove: typeof rmSync = rmSync): void {
  try {
    remove(folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  } catch (error) {
    log(`warning: could not remove ${folder} (${(error as NodeJS.ErrnoException).code ?? String(error)}); remove it by hand`);
  }
}

function stopWithLine(given: string, log: (line: string) => void): TrainStop {
  let saved = false;
  const forget = beforeStopping(async () => {
    saved = (await stop.moving?.then(() => true).catch(() => false)) ?? false;
  });
  const removeHandlers = onStopSignals(
    () => undefined,
    (signal) => {
      // Synchronously, as the last thing before the process ends: no write of the training comes after it.
      if (stop.staging !== null) for (const folder of [stop.staging, savingFolder(stop.staging)]) removeStaging(folder, log);
      const outcome = saved ? `the model was saved to \`--out ${given}\`` : `no model was written; \`--out ${given}\` was left as it was`;
      log(`\nstopped (${stopWord(signal)}): ${outcome}`);
    },
  );
  const stop: TrainStop = {
    staging: null,
    moving: null,
    remove: () => {
      forget();
      removeHandlers();
    },
  };
  return stop;
}

/** `digitfuse train --data DIR --out DIR [...]` (`nx run model:train`): trains one model, saves it and its validation metrics. */
export async function main(argv: readonly string[]): Promise<TrainMetrics> {
  const args = await parseArgs(
    argv,
    {
      name: 'digitfuse train',
      usage: '--out DIR [--data DIR] [options]',
      describe:
        'Trains the two-branch CNN (default: the paper config) on the training split, early-stops on the validation split, and writes the model (model.json, weights.bin, meta.json) and metrics.json to --out.',
    },
    (y) =>
      y
        .option('data', { type: 'string', describe: 'folder of the competition files (default: the built-in demo dataset)' })
        .option('cache-dir', { type: 'string', describe: 'folder of the preprocessed-data cache (default: under <workspace>/.cache/prepared)' })
        .option('out', { type: 'string', demandOption: true, describe: 'model folder to write: a new or empty one (or an earlier model with --force)' })
        .option('force', {
          type: 'boolean',
          default: false,
          describe: 'replace the model an earlier train wrote in --out (a folder of only model.json, weights.bin, meta.json, metrics.json)',
        })
        .option('config', {
          type: 'string',
          describe: "JSON file with a (partial) model config, or one that holds it in its `config` field (a model's meta.json, a run's search/best.json); flags below override it",
        })
        .option('epochs', { type: 'number', default: 10, describe: `most epochs (1 to ${MAX_EPOCHS})` })
        .option('batch-size', { type: 'number', default: 64, describe: 'samples per training step' })
        .option('patience', { type: 'number', default: 3, describe: 'early-stopping patience (epochs without val_loss improvement)' })
        .option('seed', { type: 'number', describe: 'seed of the initial weights, shuffling and dropout (default 42)' })
        .option('backend', { choices: BACKEND_CHOICES, default: 'auto' as BackendChoice, describe: 'compute backend (auto: tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu in that order)' })
        .option('modality', { choices: MODALITIES, describe: 'input branches (default both)' })
        .option('fusion', { choices: FUSIONS, describe: `How image and audio are fused (default concat, the paper's): ${describeFusions()}` })
        .option('image-filters', { type: 'string', describe: `filters of the image branch's conv blocks, comma-separated (default ${D.imageFilters.join(',')})` })
        .option('audio-filters', { type: 'string', describe: `filters of the audio branch's conv blocks, comma-separated (default ${D.audioFilters.join(',')})` })
        .option('kernel-size', { type: 'number', describe: `convolution kernel size (default ${D.kernelSize})` })
        .option('units', { type: 'number', describe: `units of the dense layer after the fusion (default ${D.units})` })
        .option('dropout', { type: 'number', describe: `dropout rate before the output, in [0, 1) (default ${D.dropout})` })
        .option('learning-rate', { type: 'number', describe: `Adam learning rate (default ${D.learningRate})` })
        .option('augment', { type: 'boolean', default: false, describe: 'random shifts/rotations of training images' })
        .option('val-fraction', { type: 'number', default: 0.2, describe: 'fraction of training rows held out for validation' })
        .option('split', { choices: ['grouped', 'stratified'] as const, default: 'grouped' as const, describe: 'grouped: identical audio never on both sides of the split' })
        .option('split-seed', { type: 'number', default: 42, describe: 'seed of the train/validation split' })
        .option('allow-shift', { type: 'boolean', default: false, describe: 'go on when the test audio is grossly unlike the training audio (wrong scale, unit mix-up), which is refused otherwise' })
        .option('progress', {
          choices: ['auto', 'bar', 'lines', 'silent'] as const,
          default: 'auto' as const,
          describe: 'progress output: a bar on a terminal, a line per epoch otherwise (auto), or none (silent)',
        }),
  );

  // Refuse a bad count now, before the data are read and the model is built.
  positiveInt(args.epochs, 'epochs', { max: MAX_EPOCHS });
  positiveInt(args.batchSize, 'batch-size', { max: MAX_BATCH });
  positiveInt(args.patience, 'patience', { allowZero: true });
  positiveInt(args.splitSeed, 'split-seed', { allowZero: true, max: MAX_SEED });
  if (args.seed !== undefined) positiveInt(args.seed, 'seed', { allowZero: true, max: MAX_SEED });
  // The split needs rows on both sides (splitRows takes a fraction strictly between 0 and 1).
  if (!(args.valFraction > 0 && args.valFraction < 1)) throw new UsageError(`Expected --val-fraction to be above 0 and below 1, found ${args.valFraction}`);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const overrides: Partial<Record<keyof ModelConfig, unknown>> = {
    imageFilters: parseFilters('image-filters', args.imageFilters),
    audioFilters: parseFilters('audio-filters', args.audioFilters),
    kernelSize: args.kernelSize,
    units: args.units,
    dropout: args.dropout,
    learningRate: args.learningRate,
    modality: args.modality as Modality | undefined,
    fusion: args.fusion as Fusion | undefined,
    seed: args.seed,
  };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  checkConfigFlags(defined);
  // Refuse an --out that cannot take the model now, not after minutes of training.
  const out = checkTrainOut(args.out, args.force);
  if (args.cacheDir !== undefined) {
    checkOutputFolder(args.cacheDir, 'cache-dir', 'a cache folder for the preprocessed arrays');
    checkCacheOutsideOut(args.cacheDir, args.out);
    checkPreparedCache(args.cacheDir);
  }
  // Ctrl-C, SIGTERM or SIGHUP from here on: a line closes the output, and nothing is left half-written.
  const stop = stopWithLine(args.out, log);
  try {

    let fileConfig: Partial<ModelConfig> = {};
    if (args.config) {
      const file = args.config;
      fileConfig = readJsonFile(file, (found) => new ConfigError(`Expected \`--config ${file}\` to be a JSON file of model config fields, found ${found}`, 'config')) as Partial<ModelConfig>;
      if (typeof fileConfig !== 'object' || fileConfig === null || Array.isArray(fileConfig)) {
        throw new ConfigError(`Expected model config \`${args.config}\` to hold a JSON object of config fields, found ${JSON.stringify(fileConfig)}`, 'config');
      }
      // A file that holds a model's config in its `config` field: a trained model's meta.json, or a run's
      // search/best.json (the chosen trial's configuration, as the run retrains it).
      const inner = (fileConfig as { config?: unknown }).config;
      if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
        fileConfig = inner as Partial<ModelConfig>;
        log(`config: the \`config\` field of ${file}`);
      }
    }
    let config: ModelConfig;
    try {
      config = validateConfig({ ...fileConfig, ...defined } as Partial<ModelConfig>);
    } catch (err) {
      if (err instanceof ConfigError && args.config) throw new ConfigError(`Bad model config \`${args.config}\`: ${err.message}`, err.field);
      throw err;
    }
    refuseOtherBranchFlags(config.modality, args.modality === undefined ? `\`"modality": "${config.modality}"\` in --config ${args.config}` : `\`--modality ${config.modality}\``, {
      fusion: args.fusion,
      imageFilters: args.imageFilters,
      audioFilters: args.audioFilters,
      augment: args.augment === true ? true : undefined,
    });
    if (args.data !== undefined) requireDataDir(path.resolve(args.data));
    const backend = await selectBackend(args.backend, log);
    const advice = backendAdvice(backend, args.batchSize);
    if (advice != null) log(advice);
    const dataDir = args.data ?? (await ensureDemoDataset());
    if (!args.data) log(`data: built-in demo dataset at ${dataDir}`);
    const prepared = await prepareData({
      dataDir,
      cacheDir: args.cacheDir,
      seed: args.splitSeed,
      valFraction: args.valFraction,
      splitMode: args.split as SplitMode,
      log,
    });
    // Robust fusion adapts to the test rows, and test metrics are computed on them: test audio on another scale is refused as predict refuses it.
    checkTestAudioScale(prepared, args.allowShift, log, audioUseOf(config));
    const warning = emptyValidationWarning(prepared, "training runs all --epochs without early stopping, keeps the last epoch's weights and writes no validation metrics");
    if (warning) log(warning);
    const trainRows = subset(prepared.train, prepared.split.train);
    const valRows = prepared.split.val.length > 0 ? subset(prepared.train, prepared.split.val) : undefined;
    log(`training on ${counted(trainRows.n, 'row')}, validating on ${valRows?.n ?? 0}; config ${JSON.stringify(config)}`);

    const testRows = labelledTest(dataDir, prepared.test);
    // The model and metrics.json go to a folder beside --out, then into --out together (see moveIntoOut).
    const staging = await trainStaging(out);
    stop.staging = staging;
    let metrics: TrainMetrics;
    let replaced = false;
    try {
      const result = await fitModel(config, { train: trainRows, val: valRows }, {
        epochs: args.epochs,
        batchSize: args.batchSize,
        seed: config.seed,
        earlyStopping: { patience: args.patience },
        augment: args.augment,
        progress: args.progress,
        // Robust fusion: the audio weight adapted to the (unlabelled) test rows.
        target: prepared.test,
        save: { dir: staging, stats: prepared.stats, backend: backend.name },
        use: async (model) => ({
          validation: valRows ? await evaluate(model, valRows) : null,
          test: testRows ? await evaluate(model, testRows) : null,
        }),
      });
      const { validation, test } = result.used;
      metrics = {
        backend: describeBackend(backend),
        config,
        data: { dir: path.resolve(dataDir), nTrain: trainRows.n, nVal: valRows?.n ?? 0, valFraction: prepared.split.valFraction, splitMode: prepared.split.mode },
        epochsRun: result.history.length,
        bestEpoch: epochNumber(result.bestEpoch),
        stoppedEarly: result.stoppedEarly,
        seconds: result.seconds,
        validation: validation && toJson(validation),
        test: test && toJson(test),
        history: numberedHistory(result.history),
      };
      await writeFileAtomicAsync(path.join(staging, METRICS_JSON), JSON.stringify(metrics, null, 2) + '\n');
      // Stopped meanwhile (the training went on while the stop ended): the model stays out of --out.
      await unlessStopping();
      stop.moving = moveIntoOut(staging, out, args.out, args.force);
      replaced = await stop.moving;
    } catch (err) {
      // A disk problem while saving names the folder the user gave, not the staging folder.
      if (err instanceof FileWriteError && err.message.includes(staging)) throw new FileWriteError(err.message.split(staging).join(out), { cause: err });
      throw err;
    } finally {
      await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    }
    const { validation, test } = metrics;
    const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
    const v =
      (validation ? `validation accuracy ${pct(validation.accuracy)}, macro-F1 ${validation.macroF1.toFixed(4)}, ` : '') +
      (test ? `test accuracy ${pct(test.accuracy)} (${counted(test.n, 'row')}), ` : '');
    console.log(`${v}best epoch ${metrics.bestEpoch}/${metrics.epochsRun}; model saved to ${out}${replaced ? ' (replacing the earlier model there)' : ''}`);
    return metrics;
  } finally {
    stop.remove();
  }
}

if (require.main === module) runMain(main);
