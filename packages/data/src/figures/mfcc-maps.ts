import type { TopLevelSpec } from '@digitfuse/plot';
import { AUDIO_COEFFS, AUDIO_FRAMES, AUDIO_SIZE, type PreprocessStats } from '../types';

/** One clip to draw: its 507 values (39 frames x 13 coefficients, frame after frame) and captions. */
export interface MfccMap {
  readonly label: number;
  /** Row of the clip in its file (shown in the caption). */
  readonly row: number;
  readonly values: Float32Array;
}

/** Options for {@link mfccMapsSpec}. */
export interface MfccMapsOptions {
  /** Chart title. Default 'MFCC maps (39 frames x 13 coefficients), one clip per digit'. */
  readonly title?: string;
  /** Colour legend title. Default 'MFCC value'. */
  readonly legendTitle?: string;
  /** Colour domain [low, high]; values outside are clamped. Default: the data's range. */
  readonly domain?: readonly [number, number];
}

/**
 * A Vega-Lite spec drawing each clip's 39 x 13 MFCC map as a heat map (frames down, coefficients
 * across), one panel per clip captioned with its digit, like the paper's Figure 2.
 */
export function mfccMapsSpec(maps: readonly MfccMap[], options: MfccMapsOptions = {}): TopLevelSpec {
  const values: { k: number; caption: string; coeff: number; coeff2: number; frame: number; frame2: number; v: number }[] = [];
  maps.forEach((map, k) => {
    if (map.values.length !== AUDIO_SIZE) throw new RangeError(`an MFCC map needs ${AUDIO_SIZE} values, got ${map.values.length}`);
    const caption = `digit ${map.label} (row ${map.row})`;
    for (let f = 0; f < AUDIO_FRAMES; f++) {
      for (let c = 0; c < AUDIO_COEFFS; c++) {
        values.push({ k, caption, coeff: c, coeff2: c + 1, frame: f, frame2: f + 1, v: map.values[f * AUDIO_COEFFS + c] });
      }
    }
  });
  const domain = options.domain ? [...options.domain] : undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title ?? 'MFCC maps (39 frames x 13 coefficients), one clip per digit',
    data: { values },
    columns: maps.length,
    facet: { field: 'caption', type: 'nominal', sort: { field: 'k', op: 'min' }, header: { title: null, labelFontSize: 12 } },
    spacing: 8,
    spec: {
      width: 78,
      height: 195,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'coeff', type: 'quantitative', scale: { domain: [0, AUDIO_COEFFS], nice: false, zero: false }, axis: { title: 'coefficient', values: [0, 4, 8, 12] } },
        x2: { field: 'coeff2' },
        y: { field: 'frame', type: 'quantitative', scale: { domain: [0, AUDIO_FRAMES], nice: false, zero: false, reverse: true }, axis: { title: 'frame', values: [0, 10, 20, 30, 38] } },
        y2: { field: 'frame2' },
        color: {
          field: 'v',
          type: 'quantitative',
          scale: { scheme: 'viridis', ...(domain ? { domain, clamp: true } : {}) },
          legend: { title: options.legendTitle ?? 'MFCC value', gradientLength: 180 },
        },
      },
    },
  } as TopLevelSpec;
}

/**
 * Standardises each coefficient over every frame of every row of `audio` and returns those
 * numbers applied to `row`: the coefficients differ in range by an order of magnitude (c0 is log
 * energy), so on one colour scale only c0 would show. When `audio` was standardised per feature
 * with `standardised` (as preprocessing does), that is undone first, so the result is the same as
 * from the file's values.
 */
export function coefficientZScores(
  audio: Float32Array,
  rows: readonly number[],
  standardised?: Pick<PreprocessStats, 'audioMean' | 'audioStd'>,
): Float32Array[] {
  const value = standardised
    ? (i: number) => audio[i] * standardised.audioStd[i % AUDIO_SIZE] + standardised.audioMean[i % AUDIO_SIZE]
    : (i: number) => audio[i];
  const sum = new Float64Array(AUDIO_COEFFS);
  const sq = new Float64Array(AUDIO_COEFFS);
  for (let i = 0; i < audio.length; i++) {
    const c = i % AUDIO_COEFFS;
    const v = value(i);
    sum[c] += v;
    sq[c] += v * v;
  }
  const count = audio.length / AUDIO_COEFFS;
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(0, s / count - mean[c] * mean[c])) || 1);
  return rows.map((row) => {
    const out = new Float32Array(AUDIO_SIZE);
    for (let j = 0; j < AUDIO_SIZE; j++) {
      const c = j % AUDIO_COEFFS;
      out[j] = (value(row * AUDIO_SIZE + j) - mean[c]) / std[c];
    }
    return out;
  });
}
