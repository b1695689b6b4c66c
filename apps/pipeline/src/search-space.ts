import { createRng, permutation } from '@digitfuse/data';
import type { Fusion, ModelConfig } from '@digitfuse/model';

/** The part of a trial the search space needs (the tuning package's Trial satisfies it). */
export interface SuggestingTrial {
  suggestInt(name: string, low: number, high: number, options?: { step?: number; log?: boolean }): number;
  suggestFloat(name: string, low: number, high: number, options?: { step?: number; log?: boolean }): number;
}

/** Bounds of the paper's search space. */
export const SEARCH_SPACE = {
  filters: [16, 256],
  units: [32, 512],
  dropout: [0.1, 0.6],
  learningRate: [1e-4, 1e-2],
} as const;

/**
 * The paper's search space: filters of each conv layer of both branches in 16..256 (log scale),
 * dense units 32..512 (log), dropout 0.1..0.6, learning rate 1e-4..1e-2 (log). The fusion is not
 * searched: it is the run's `--fusion`; an image-only run (`--modality image`) searches no audio filters.
 */
export function suggestConfig(trial: SuggestingTrial, seed: number, fusion: Fusion = 'concat', modality: 'both' | 'image' = 'both'): ModelConfig {
  const [fLow, fHigh] = SEARCH_SPACE.filters;
  const filters = (branch: 'img' | 'aud') =>
    [1, 2, 3].map((i) => trial.suggestInt(`${branch}_filters_${i}`, fLow, fHigh, { log: true }));
  const imageFilters = filters('img');
  return {
    imageFilters,
    // An image-only model has no audio branch to search.
    audioFilters: modality === 'image' ? [16, 16, 16] : filters('aud'),
    kernelSize: 3,
    units: trial.suggestInt('units', SEARCH_SPACE.units[0], SEARCH_SPACE.units[1], { log: true }),
    dropout: trial.suggestFloat('dropout', SEARCH_SPACE.dropout[0], SEARCH_SPACE.dropout[1]),
    learningRate: trial.suggestFloat('learning_rate', SEARCH_SPACE.learningRate[0], SEARCH_SPACE.learningRate[1], { log: true }),
    modality,
    fusion: modality === 'both' ? fusion : 'concat',
    seed,
  };
}

/**
 * The parameters `suggestConfig` samples on a log scale, read from its own calls (so this list cannot
 * drift from them): what the report's parallel coordinates draw on log axes, as the dashboard does
 * from the study's distributions.
 */
export function logScaledParams(modality: 'both' | 'image' = 'both'): string[] {
  const names: string[] = [];
  const record = (name: string, low: number, _high: number, options?: { log?: boolean }) => {
    if (options?.log) names.push(name);
    return low;
  };
  suggestConfig({ suggestInt: record, suggestFloat: record }, 0, 'concat', modality);
  return names.sort();
}

/** Rebuild a config from a finished trial's parameters (as stored in the study): what `suggestConfig` gave that trial. */
export function configFromParams(
  params: Record<string, number | string>,
  seed: number,
  fusion: Fusion = 'concat',
  modality: 'both' | 'image' = 'both',
): ModelConfig {
  const replay: SuggestingTrial = {
    suggestInt: (name) => Number(params[name]),
    suggestFloat: (name) => Number(params[name]),
  };
  return suggestConfig(replay, seed, fusion, modality);
}

/**
 * The seed paper's best trial as search parameters. The search starts with it (Optuna's
 * `enqueue_trial`), so it is never worse than the paper's configuration on the same split.
 */
export const PAPER_BEST_PARAMS: Readonly<Record<string, number>> = Object.freeze({
  img_filters_1: 48,
  img_filters_2: 128,
  img_filters_3: 64,
  aud_filters_1: 64,
  aud_filters_2: 64,
  aud_filters_3: 128,
  units: 128,
  dropout: 0.42,
  learning_rate: 0.000763,
});

/**
 * Whether a trial's parameters are the paper's configuration (the enqueued first trial; an image-only
 * run's has no audio filters): every parameter it has at the paper's value.
 */
export function isPaperConfiguration(params: Readonly<Record<string, unknown>>): boolean {
  const entries = Object.entries(params);
  return entries.length > 0 && entries.every(([k, v]) => PAPER_BEST_PARAMS[k] === v);
}

/** At most `max` of `rows`, a seeded random sample in ascending order (all of them when there are fewer): the rows a search trial trains on. */
export function sampleRows(rows: Int32Array, max: number, seed: number): Int32Array {
  if (rows.length <= max) return rows;
  const pick = permutation(rows.length, createRng(seed)).subarray(0, max);
  return Int32Array.from(pick, (i) => rows[i]).sort();
}
