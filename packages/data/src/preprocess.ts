import { DataError } from './errors';
import { AUDIO_SIZE, IMAGE_SIZE, NUM_CLASSES, type ModelInputs, type PreprocessStats } from './types';

/** Standard deviations below this are treated as 1 (a constant feature is only centred). */
export const MIN_AUDIO_STD = 1e-6;

function rowCount(images: Float32Array, audio: Float32Array): number {
  if (images.length % IMAGE_SIZE !== 0) throw new RangeError(`images length ${images.length} is not a multiple of ${IMAGE_SIZE}`);
  if (audio.length % AUDIO_SIZE !== 0) throw new RangeError(`audio length ${audio.length} is not a multiple of ${AUDIO_SIZE}`);
  const n = images.length / IMAGE_SIZE;
  if (audio.length / AUDIO_SIZE !== n) throw new RangeError(`images have ${n} rows but audio has ${audio.length / AUDIO_SIZE}`);
  return n;
}

function checkRows(rows: Int32Array, n: number): void {
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] < 0 || rows[i] >= n) throw new RangeError(`row index ${rows[i]} is outside 0..${n - 1}`);
  }
}

/** Minimum and maximum of an array (0/0 when empty). */
export function valueRange(data: Float32Array): { min: number; max: number } {
  if (data.length === 0) return { min: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * Image divisor for pixel values: 255 when they run to 255 (0..255 files), 1 when they already lie
 * in [0,1]. Throws a {@link DataError} for values outside both scales.
 */
export function detectImageScale(images: Float32Array): number {
  return imageScaleFromRange(valueRange(images));
}

/** {@link detectImageScale} from a known value range. */
export function imageScaleFromRange({ min, max }: { min: number; max: number }): number {
  if (min < 0 || max > 255) {
    throw new DataError(`Expected image values in 0..255 or [0,1], found values from ${min} to ${max}`);
  }
  return max > 1 ? 255 : 1;
}

/**
 * Fits preprocessing statistics: the image scale (0..255 or [0,1], detected from all `images`) and
 * the per-feature audio mean and standard deviation over `rows` only (default: every row) — pass the
 * training split's rows so no validation data leaks into the statistics.
 */
export function fitPreprocessStats(images: Float32Array, audio: Float32Array, rows?: Int32Array): PreprocessStats {
  rowCount(images, audio);
  return { imageScale: detectImageScale(images), ...fitAudioStats(audio, rows) };
}

/** Per-feature audio mean and standard deviation over `rows` (default: every row) of `audio` [n,507]. */
export function fitAudioStats(audio: Float32Array, rows?: Int32Array): Pick<PreprocessStats, 'audioMean' | 'audioStd'> {
  if (audio.length % AUDIO_SIZE !== 0) throw new RangeError(`audio length ${audio.length} is not a multiple of ${AUDIO_SIZE}`);
  const n = audio.length / AUDIO_SIZE;
  if (rows) checkRows(rows, n);
  const m = rows ? rows.length : n;
  if (m === 0) throw new RangeError('cannot fit preprocessing statistics on zero rows');
  // One pass, shifted by the first row's values so the sums stay small (numerically stable).
  const shiftBase = (rows ? rows[0] : 0) * AUDIO_SIZE;
  const shift = Float64Array.from(audio.subarray(shiftBase, shiftBase + AUDIO_SIZE));
  const sum = new Float64Array(AUDIO_SIZE);
  const sq = new Float64Array(AUDIO_SIZE);
  for (let k = 0; k < m; k++) {
    const base = (rows ? rows[k] : k) * AUDIO_SIZE;
    for (let j = 0; j < AUDIO_SIZE; j++) {
      const d = audio[base + j] - shift[j];
      sum[j] += d;
      sq[j] += d * d;
    }
  }
  const audioMean = new Float32Array(AUDIO_SIZE);
  const audioStd = new Float32Array(AUDIO_SIZE);
  for (let j = 0; j < AUDIO_SIZE; j++) {
    const meanShifted = sum[j] / m;
    const std = Math.sqrt(Math.max(0, sq[j] / m - meanShifted * meanShifted));
    audioMean[j] = shift[j] + meanShifted;
    audioStd[j] = std < MIN_AUDIO_STD ? 1 : std;
  }
  return { audioMean, audioStd };
}

/** Options for {@link preprocess}. */
export interface PreprocessOptions {
  /**
   * Write the results over `images` and `audio` instead of allocating new arrays (halves peak
   * memory on full-size data; the inputs are destroyed). Only without `rows`. Default false.
   */
  readonly inPlace?: boolean;
}

/**
 * Applies `stats`: images divided by the image scale (to [0,1]), audio standardised per feature.
 * Returns model-ready arrays for `rows` (default: every row, in order). Arrays stay flat; read them
 * as [n,28,28,1] and [n,39,13].
 */
export function preprocess(
  stats: PreprocessStats,
  images: Float32Array,
  audio: Float32Array,
  labels: Int32Array | null,
  rows?: Int32Array,
  options: PreprocessOptions = {},
): ModelInputs {
  const n = rowCount(images, audio);
  if (labels && labels.length !== n) throw new RangeError(`labels have ${labels.length} rows but images have ${n}`);
  if (rows) checkRows(rows, n);
  if (options.inPlace && rows) throw new RangeError('preprocess: inPlace cannot be combined with rows');
  if (stats.audioMean.length !== AUDIO_SIZE || stats.audioStd.length !== AUDIO_SIZE) {
    throw new RangeError(`stats must hold ${AUDIO_SIZE} audio means and standard deviations`);
  }
  const m = rows ? rows.length : n;
  const outImages = options.inPlace ? images : new Float32Array(m * IMAGE_SIZE);
  const outAudio = options.inPlace ? audio : new Float32Array(m * AUDIO_SIZE);
  const invScale = 1 / stats.imageScale;
  const invStd = new Float32Array(AUDIO_SIZE);
  for (let j = 0; j < AUDIO_SIZE; j++) invStd[j] = 1 / stats.audioStd[j];
  const mean = stats.audioMean;
  if (!rows) {
    // All rows in order: flat loops, no index indirection (the common, full-size case).
    for (let i = 0; i < outImages.length; i++) outImages[i] = images[i] * invScale;
    for (let base = 0; base < outAudio.length; base += AUDIO_SIZE) {
      for (let j = 0; j < AUDIO_SIZE; j++) outAudio[base + j] = (audio[base + j] - mean[j]) * invStd[j];
    }
  } else {
    for (let k = 0; k < m; k++) {
      const si = rows[k] * IMAGE_SIZE;
      const di = k * IMAGE_SIZE;
      for (let j = 0; j < IMAGE_SIZE; j++) outImages[di + j] = images[si + j] * invScale;
      const sa = rows[k] * AUDIO_SIZE;
      const da = k * AUDIO_SIZE;
      for (let j = 0; j < AUDIO_SIZE; j++) outAudio[da + j] = (audio[sa + j] - mean[j]) * invStd[j];
    }
  }
  let outLabels: Int32Array | null = null;
  if (labels) outLabels = rows ? gatherInt(labels, rows) : labels.slice();
  return { n: m, images: outImages, audio: outAudio, labels: outLabels };
}

function gatherInt(values: Int32Array, rows: Int32Array): Int32Array {
  const out = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = values[rows[k]];
  return out;
}

function gatherRows(data: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let k = 0; k < rows.length; k++) out.set(data.subarray(rows[k] * width, (rows[k] + 1) * width), k * width);
  return out;
}

/** The rows `rows` of `inputs` (copies), in the given order. */
export function subset(inputs: ModelInputs, rows: Int32Array): ModelInputs {
  checkRows(rows, inputs.n);
  return {
    n: rows.length,
    images: gatherRows(inputs.images, IMAGE_SIZE, rows),
    audio: gatherRows(inputs.audio, AUDIO_SIZE, rows),
    labels: inputs.labels ? gatherInt(inputs.labels, rows) : null,
  };
}

/** One-hot encoding: [labels.length * numClasses] with a 1 at each label. */
export function oneHot(labels: Int32Array, numClasses: number = NUM_CLASSES): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= numClasses) throw new RangeError(`label ${l} at index ${i} is outside 0..${numClasses - 1}`);
    out[i * numClasses + l] = 1;
  }
  return out;
}
