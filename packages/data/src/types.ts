/**
 * Shared data shapes. Arrays are flat, row-major Float32Array / Int32Array so they move between
 * packages, caches and tensors without copies.
 */

/** Pixels per image (28 x 28). */
export const IMAGE_SIZE = 784;
/** Image height and width. */
export const IMAGE_SIDE = 28;
/** MFCC frames per clip. */
export const AUDIO_FRAMES = 39;
/** MFCC coefficients per frame. */
export const AUDIO_COEFFS = 13;
/** Audio features per row (39 x 13). */
export const AUDIO_SIZE = AUDIO_FRAMES * AUDIO_COEFFS;
/** Number of digit classes. */
export const NUM_CLASSES = 10;

/** The competition's files as loaded and validated, before preprocessing. */
export interface RawCompetitionData {
  /** Directory the files were read from. */
  readonly dir: string;
  /** Training images [nTrain * 784], values as in the file (usually 0..255). */
  readonly trainImages: Float32Array;
  /** Training audio [nTrain * 507], values as in the file (usually [0,1]). */
  readonly trainAudio: Float32Array;
  /** Training labels 0..9 [nTrain], in row_id order. */
  readonly trainLabels: Int32Array;
  readonly nTrain: number;
  /** Test images [nTest * 784]; null when x_test_wr.npy is absent. */
  readonly testImages: Float32Array | null;
  /** Test audio [nTest * 507]; null when x_test_sp.npy is absent. */
  readonly testAudio: Float32Array | null;
  /** Number of test rows (0 when the test files are absent). */
  readonly nTest: number;
  /** Smallest and largest value of each array as loaded (found while checking the values are finite). */
  readonly ranges?: {
    readonly trainImages: { readonly min: number; readonly max: number };
    readonly trainAudio: { readonly min: number; readonly max: number };
    readonly testImages: { readonly min: number; readonly max: number } | null;
    readonly testAudio: { readonly min: number; readonly max: number } | null;
  };
}

/** Statistics fitted on the training split only, kept so predict-time uses the same numbers. */
export interface PreprocessStats {
  /** Divisor that brings images to [0,1] (255 for 0..255 files, 1 for files already in [0,1]). */
  readonly imageScale: number;
  /** Per-feature audio mean [507]. */
  readonly audioMean: Float32Array;
  /** Per-feature audio standard deviation [507], floored so no division by zero happens. */
  readonly audioStd: Float32Array;
}

/**
 * Model-ready arrays: images [n,28,28,1] in [0,1], audio [n,39,13] standardised.
 * `labels` is null for unlabelled (test) data.
 */
export interface ModelInputs {
  readonly n: number;
  readonly images: Float32Array;
  readonly audio: Float32Array;
  readonly labels: Int32Array | null;
}
