import { MAX_SEED } from '@digitfuse/core';
import { ConfigError } from '../errors';
import type { AudioUse } from '@digitfuse/data';
import { FUSIONS, fusionStrategy, type Fusion } from './fusion/fusions';

/** Which input branches the network has: both (the paper's model) or one (for the ablation). */
export type Modality = 'both' | 'image' | 'audio';

export const MODALITIES: readonly Modality[] = ['both', 'image', 'audio'];

/**
 * How a both-branch model fuses its senses: a registered fusion strategy (network/fusion/registry.ts),
 * e.g. 'concat' (the paper: concatenated embeddings -> dense -> softmax) or 'robust' (the paper's fused
 * head plus an image head and an audio head, combined as a product of experts calibrated on validation
 * data with shifted audio; see `calibrateFusion`). `FUSIONS` lists them.
 */
export { FUSIONS, type Fusion } from './fusion/fusions';

/** The two-branch CNN's hyperparameters. Defaults are the seed paper's best trial. */
export interface ModelConfig {
  /** Filters of the image branch's conv2d layers, one entry per conv+pool block. Default [48, 128, 64]. */
  readonly imageFilters: readonly number[];
  /** Filters of the audio branch's conv1d layers, one entry per conv+pool block. Default [64, 64, 128]. */
  readonly audioFilters: readonly number[];
  /** Convolution kernel size (square for images), 'same' padding. Default 3. */
  readonly kernelSize: number;
  /** Units of the fused dense layer. Default 128. */
  readonly units: number;
  /** Dropout rate after the fused dense layer, in [0, 1). Default 0.42. */
  readonly dropout: number;
  /** Adam learning rate. Default 0.000763. */
  readonly learningRate: number;
  /** Input branches: 'both' (default), 'image' or 'audio'. */
  readonly modality: Modality;
  /** Fusion of a both-branch model: one of `FUSIONS` ('concat' is the paper's). Ignored by single-branch models. Default 'concat'. */
  readonly fusion: Fusion;
  /** Seed of the weight initialisers; the same seed gives the same initial weights. Default 42. */
  readonly seed: number;
}

export const DEFAULT_MODEL_CONFIG: ModelConfig = Object.freeze({
  imageFilters: Object.freeze([48, 128, 64]),
  audioFilters: Object.freeze([64, 64, 128]),
  kernelSize: 3,
  units: 128,
  dropout: 0.42,
  learningRate: 0.000763,
  modality: 'both',
  fusion: 'concat',
  seed: 42,
});

/**
 * How a model of `config` uses the test audio, for the checks of the test rows (`inputShift`,
 * `testAudioScale`): an image-only model not at all; a product of experts (robust and attention
 * fusion, calibrated and adapted to the test rows) falls back on its image expert where the audio
 * disagrees; any other model (the paper's concatenation, an audio-only one) relies on it.
 */
export function audioUseOf(config: Pick<ModelConfig, 'modality' | 'fusion'>): AudioUse {
  if (config.modality === 'image') return 'none';
  return config.modality === 'both' && fusionStrategy(config.fusion).experts ? 'falls-back' : 'relies';
}

/** Most conv+pool blocks a branch may have: 28 -> 14 -> 7 -> 3 -> 1 pixels, 39 -> 19 -> 9 -> 4 -> 2 frames. */
export const MAX_BLOCKS = 4;

const KEYS = Object.keys(DEFAULT_MODEL_CONFIG) as (keyof ModelConfig)[];

const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return JSON.stringify(v) ?? String(v);
};

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function checkInt(field: string, v: unknown, min: number, max: number): void {
  if (!isInt(v) || v < min || v > max) {
    throw new ConfigError(`Expected \`${field}\` to be an integer in [${min}, ${max}], found ${show(v)}`, field);
  }
}

function checkFilters(field: string, v: unknown): void {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_BLOCKS) {
    throw new ConfigError(`Expected \`${field}\` to be an array of 1 to ${MAX_BLOCKS} filter counts, found ${show(v)}`, field);
  }
  v.forEach((f: unknown, i) => {
    if (!isInt(f) || f < 1 || f > 1024) {
      throw new ConfigError(`Expected \`${field}[${i}]\` to be an integer in [1, 1024], found ${show(f)}`, field);
    }
  });
}

/**
 * Fills defaults into a partial config and validates every field.
 * @throws ConfigError naming the field and the value, e.g. ``Expected `dropout` in [0, 1), found 1.5``.
 */
export function validateConfig(config: Partial<ModelConfig> = {}): ModelConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError(`Expected the model config to be an object, found ${show(config)}`, '');
  }
  for (const key of Object.keys(config)) {
    if (!KEYS.includes(key as keyof ModelConfig)) {
      throw new ConfigError(`Unknown model config field \`${key}\` (expected one of ${KEYS.join(', ')})`, key);
    }
  }
  const c: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...stripUndefined(config) };
  checkFilters('imageFilters', c.imageFilters);
  checkFilters('audioFilters', c.audioFilters);
  checkInt('kernelSize', c.kernelSize, 1, 9);
  checkInt('units', c.units, 1, 4096);
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1)) {
    throw new ConfigError(`Expected \`dropout\` in [0, 1), found ${show(c.dropout)}`, 'dropout');
  }
  if (typeof c.learningRate !== 'number' || !(c.learningRate > 0 && c.learningRate <= 1)) {
    throw new ConfigError(`Expected \`learningRate\` in (0, 1], found ${show(c.learningRate)}`, 'learningRate');
  }
  if (!MODALITIES.includes(c.modality)) {
    throw new ConfigError(`Expected \`modality\` to be one of ${MODALITIES.join(', ')}, found ${show(c.modality)}`, 'modality');
  }
  if (!FUSIONS.includes(c.fusion)) {
    throw new ConfigError(`Expected \`fusion\` to be one of ${FUSIONS.join(', ')}, found ${show(c.fusion)}`, 'fusion');
  }
  checkInt('seed', c.seed, 0, MAX_SEED);
  return Object.freeze({
    ...c,
    imageFilters: Object.freeze([...c.imageFilters]),
    audioFilters: Object.freeze([...c.audioFilters]),
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
