import * as tf from '@tensorflow/tfjs';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { statsFromJSON, statsToJSON, type PreprocessStats, type PreprocessStatsJSON } from '@digitfuse/data';
import { ConfigError, ModelFileError } from '../errors';
import { compileModel } from '../network/build-model';
import { type ModelConfig, validateConfig } from '../network/config';
import type { EpochLogs } from '../training/callbacks';
import type { Calibration } from '../training/calibrate';
import { EXPERTS } from '../network/expert-fusion';
import { diskProblem, FileWriteError, makeDirs, processAlive, somethingAt, writeFileAtomicAsync } from '@digitfuse/core';
import { fileSystemHandler, MODEL_JSON, WEIGHTS_BIN } from './fs-io-handler';
import { readModelJson } from './read-model-file';
import { epochIndex, epochNumber, indexedHistory, numberedHistory } from './saved-epochs';

export const META_JSON = 'meta.json';

/** The files of a saved model, as `saveModel` writes them. */
export const MODEL_FILES: readonly string[] = [MODEL_JSON, WEIGHTS_BIN, META_JSON];

/** Which of `MODEL_FILES` the folder `dir` lacks (all of them when it is absent); one in a folder this process may not look into is there (reading it names why it cannot be read). */
export const missingModelFiles = (dir: string): string[] => MODEL_FILES.filter((name) => !somethingAt(path.join(dir, name)));

/** What is saved beside the network: everything needed to predict on new raw data and to report. */
export interface ModelMeta {
  /** The config the model was built with. */
  readonly config: ModelConfig;
  /** Preprocessing statistics fitted on the training split (null when unknown). */
  readonly stats: PreprocessStats | null;
  /** Per-epoch training history, `epoch` counted from 0 as in `TrainResult` (meta.json counts from 1: see saved-epochs.ts). Default []. */
  readonly history?: readonly EpochLogs[];
  /** The epoch whose weights were saved, counted from 0 as in `TrainResult` (-1: none finished); meta.json counts from 1. */
  readonly bestEpoch?: number;
  /** Backend the model was trained on (e.g. 'wasm'). */
  readonly backend?: string;
  /** ISO time of saving; filled in by `saveModel` when absent. */
  readonly savedAt?: string;
  /** A robust-fusion model's calibration (its weights are also in weights.bin). */
  readonly calibration?: Calibration;
  /** How it was trained (absent from models saved before it was recorded). */
  readonly training?: TrainingRecord;
}

/**
 * How a model was trained, beside its config (whose `seed` drew the initial weights): its training and
 * validation rows, most epochs, batch size, and the seed of its shuffling and dropout.
 */
export interface TrainingRecord {
  readonly rows: number;
  readonly validationRows: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
}

const TRAINING_FIELDS = ['rows', 'validationRows', 'epochs', 'batchSize', 'seed'] as const;

/** `raw` as a TrainingRecord, or undefined when it is not one (absent, or edited into something else). */
function trainingRecordOf(raw: unknown): TrainingRecord | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  return TRAINING_FIELDS.every((k) => Number.isInteger(r[k])) ? (Object.fromEntries(TRAINING_FIELDS.map((k) => [k, r[k]])) as unknown as TrainingRecord) : undefined;
}

/**
 * What is wrong, if anything, with what a calibration keeps for adapting the model to other test rows
 * (`adaptFusion` reads it before a prediction; a damaged value would set NaN weights): [field, what it
 * should be, what it is]. A calibration without it (saved before 2026-12-05) is fine.
 */
function adaptingProblem(calibration: unknown): [string, string, unknown] | null {
  if (typeof calibration !== 'object' || calibration === null) return null;
  const c = calibration as { validation?: unknown; target?: { rows?: unknown } };
  const rows = c.target?.rows;
  if (rows !== undefined && typeof rows !== 'string') return ['target.rows', 'a fingerprint (a string)', rows];
  if (c.validation === undefined) return null;
  const v = c.validation as Record<string, unknown> | null;
  const number = (x: unknown, max = Infinity) => typeof x === 'number' && x >= 0 && x <= max;
  if (typeof v !== 'object' || v === null) return ['validation', 'an object', v];
  const weights = v.weights as Record<string, unknown> | null;
  for (const e of EXPERTS) {
    if (typeof weights !== 'object' || weights === null || !number(weights[e])) return [`validation.weights.${e}`, 'a weight >= 0', typeof weights === 'object' && weights !== null ? weights[e] : weights];
  }
  if (!number(v.temperatureVal)) return ['validation.temperatureVal', 'a number >= 0', v.temperatureVal];
  if (!number(v.audioValAccuracy, 1)) return ['validation.audioValAccuracy', 'a number from 0 to 1', v.audioValAccuracy];
  return null;
}

/**
 * meta.json's version. 2: `bestEpoch` and `history[].epoch` count from 1, as the log lines and reports
 * do (saved-epochs.ts). 1 (or no `version`, the first models): they count from 0; still read.
 */
export const META_VERSION = 2;

/** meta.json as `saveModel` writes it (version {@link META_VERSION}). */
interface MetaJson {
  readonly version: typeof META_VERSION;
  readonly config: ModelConfig;
  readonly stats: PreprocessStatsJSON | null;
  /** Per-epoch history; each `epoch` counted from 1. */
  readonly history: readonly EpochLogs[];
  /** The epoch whose weights were saved, counted from 1 (`best epoch 3/10` of the log is 3); 0 when none finished. */
  readonly bestEpoch?: number;
  readonly backend?: string;
  readonly savedAt: string;
  readonly calibration?: Calibration;
  readonly training?: TrainingRecord;
}

/** The folder of member `i` (1, 2, ...) of an ensemble, inside the folder of its best model (a run's `model/member-<i>`). */
export const ensembleMemberDir = (modelDir: string, i: number): string => path.join(modelDir, `member-${i}`);

/** The ensemble members saved inside `modelDir`: member-1, member-2, ... in order, while each holds a meta.json. */
export function ensembleMemberDirs(modelDir: string): string[] {
  const members: string[] = [];
  while (existsSync(path.join(ensembleMemberDir(modelDir, members.length + 1), META_JSON))) members.push(ensembleMemberDir(modelDir, members.length + 1));
  return members;
}

/**
 * Saves `model` to `dir` in TF.js layers format (model.json + weights.bin) with `meta.json`
 * (config, preprocessing stats, history, backend). Works on every backend. The three files are
 * written to a staging folder beside `dir` and moved in only when all are complete: a save that fails
 * (disk full) or is killed leaves an earlier model whole and no new folder behind (a killed save's
 * staging folder is removed by the next save of `dir`). Other entries of `dir` (an ensemble's
 * `member-<i>` folders) stay.
 */
export async function saveModel(dir: string, model: tf.LayersModel, meta: ModelMeta): Promise<void> {
  const staging = savingFolder(dir);
  const created = !existsSync(dir);
  await removeStaleStaging(dir);
  try {
    await writeModelFiles(staging, model, meta);
    makeDirs(dir);
    // weights before the topology and meta.json last: a reader checks meta.json first.
    for (const name of [WEIGHTS_BIN, MODEL_JSON, META_JSON]) await fs.rename(path.join(staging, name), path.join(dir, name));
  } catch (err) {
    if (created) await removeQuietly(dir);
    if (err instanceof FileWriteError) throw new FileWriteError(err.message.split(staging).join(dir), { cause: err });
    // A folder that cannot be made (a file in the way, no permission) is the user's to fix too.
    const problem = diskProblem(err);
    throw problem ? new FileWriteError(`Cannot write the model to \`${dir}\`: ${problem}; it was left as it was`, { cause: err }) : err;
  } finally {
    await removeQuietly(staging);
  }
}

/**
 * The staging folder beside `dir` that {@link saveModel} of this process writes the files to:
 * `.<name>.saving-<pid>`. A process stopped by a signal removes it (`digitfuse train`).
 */
export const savingFolder = (dir: string): string => path.join(path.dirname(dir), `.${path.basename(dir)}.saving-${process.pid}`);

/** Removes a folder, if it is there: a clean-up that must not hide the error that called it. */
const removeQuietly = (dir: string): Promise<void> => fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);

/** Removes the staging folders of `dir` that a killed save left (their process is gone). */
async function removeStaleStaging(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  const prefix = `.${path.basename(dir)}.saving-`;
  const entries = await fs.readdir(parent).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = entry.startsWith(prefix) ? Number(entry.slice(prefix.length)) : NaN;
    if (Number.isInteger(pid) && !processAlive(pid)) await fs.rm(path.join(parent, entry), { recursive: true, force: true });
  }
}

async function writeModelFiles(dir: string, model: tf.LayersModel, meta: ModelMeta): Promise<void> {
  await model.save(fileSystemHandler(dir));
  const json: MetaJson = {
    version: META_VERSION,
    config: meta.config,
    stats: meta.stats && statsToJSON(meta.stats),
    history: numberedHistory(meta.history ?? []),
    ...(meta.bestEpoch !== undefined ? { bestEpoch: epochNumber(meta.bestEpoch) } : {}),
    ...(meta.backend !== undefined ? { backend: meta.backend } : {}),
    savedAt: meta.savedAt ?? new Date().toISOString(),
    ...(meta.calibration !== undefined ? { calibration: meta.calibration } : {}),
    ...(meta.training !== undefined ? { training: meta.training } : {}),
  };
  await writeFileAtomicAsync(path.join(dir, META_JSON), JSON.stringify(json, null, 2) + '\n');
}

/** A model loaded by `loadModel`, compiled with its config's learning rate. */
export interface LoadedModel {
  readonly model: tf.LayersModel;
  readonly meta: ModelMeta;
}

/**
 * Loads a model directory written by `saveModel` on any backend.
 * @throws ModelFileError naming the file when a file is missing or malformed.
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const meta = await readMeta(dir);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(fileSystemHandler(dir));
  } catch (err) {
    if (err instanceof ModelFileError) throw err;
    // A topology tfjs cannot build (hand-edited or from another program).
    const file = path.join(dir, 'model.json');
    throw new ModelFileError(`Cannot build the model in \`${file}\`: ${String((err as Error).message ?? err).split('\n')[0]}`, file);
  }
  compileModel(model, meta.config.learningRate);
  return { model, meta };
}

/** Reads and validates `meta.json` of a model directory. */
export async function readMeta(dir: string): Promise<ModelMeta> {
  const file = path.join(dir, META_JSON);
  const json = readModelJson(file, "the model's metadata (JSON)");
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelFileError(`Expected \`${file}\` to be the model's metadata (a JSON object), found ${JSON.stringify(json)}`, file);
  }
  const raw = json as Partial<Omit<MetaJson, 'version'>> & { readonly version?: unknown };
  // Version 1 (and the first models, without one) counted epochs from 0; version 2 counts from 1.
  const version = raw.version ?? 1;
  if (version !== 1 && version !== META_VERSION) {
    throw new ModelFileError(`Expected \`version\` in \`${file}\` to be 1 or ${META_VERSION}, found ${JSON.stringify(version)}${typeof version === 'number' && version > META_VERSION ? ' (a model saved by a newer digitfuse?)' : ''}`, file);
  }
  const fromOne = version === META_VERSION;
  let config: ModelConfig;
  try {
    config = validateConfig(raw.config ?? {});
  } catch (err) {
    if (err instanceof ConfigError) throw new ModelFileError(`Bad config in \`${file}\`: ${err.message}`, file);
    throw err;
  }
  let stats: PreprocessStats | null = null;
  if (raw.stats !== null && raw.stats !== undefined) {
    try {
      stats = statsFromJSON(raw.stats, `${file} (stats)`);
    } catch (err) {
      throw new ModelFileError((err as Error).message, file);
    }
  }
  const training = trainingRecordOf(raw.training);
  const adapting = adaptingProblem(raw.calibration);
  if (adapting !== null) throw new ModelFileError(`Expected \`calibration.${adapting[0]}\` in \`${file}\` to be ${adapting[1]}, found ${JSON.stringify(adapting[2])}`, file);
  return {
    config,
    stats,
    history: Array.isArray(raw.history) ? (fromOne ? indexedHistory(raw.history) : raw.history) : [],
    ...(typeof raw.bestEpoch === 'number' ? { bestEpoch: fromOne ? epochIndex(raw.bestEpoch) : raw.bestEpoch } : {}),
    ...(raw.backend !== undefined ? { backend: raw.backend } : {}),
    ...(raw.savedAt !== undefined ? { savedAt: raw.savedAt } : {}),
    ...(raw.calibration !== undefined ? { calibration: raw.calibration } : {}),
    ...(training !== undefined ? { training } : {}),
  };
}
