import { AUDIO_SIZE, type ModelInputs } from './types';

/** How far inputs are from what a model was trained on. */
export type ShiftLevel = 'ok' | 'warn' | 'refuse';

/** What `inputShift` measured on preprocessed inputs, and its verdict. */
export interface ShiftReport {
  readonly level: ShiftLevel;
  /** One sentence per finding, with the figures (empty when `level` is 'ok'). */
  readonly findings: readonly string[];
  /** Largest image value after scaling (training images reach 1). */
  readonly imageMax: number;
  /** Mean over audio features of |mean z-score| (training rows: 0; new voices measured up to ~0.35). */
  readonly audioMeanAbsZ: number;
  /** Median over audio features of the z-score's standard deviation (training rows: 1). */
  readonly audioStdRatio: number;
}

/**
 * Thresholds of `inputShift`. Measured on leave-one-speaker-out sets (a new voice plus noise): mean
 * |z| 0.18-0.34, median spread 0.96-1.03; audio scaled x1000: mean |z| ~1e5; images stored in [0,1]
 * and scaled again by 1/255: brightest pixel 0.004.
 */
export const SHIFT_LIMITS = Object.freeze({
  /** Warn above this mean |z| (or a spread outside [1/spread, spread]). */
  warnZ: 0.5,
  warnSpread: 1.5,
  /** Refuse above this mean |z| (or a spread outside [1/spread, spread]). */
  refuseZ: 3,
  refuseSpread: 3,
  /** Refuse when the brightest scaled pixel is above `imageHigh` or below `imageLow` (images must span [0,1]). */
  imageHigh: 1.5,
  imageLow: 0.05,
  /** Fewer rows than this say too little about the audio's distribution to judge it. */
  minAudioRows: 20,
});

/** The files the inputs of {@link inputShift} came from, named in its findings. */
export interface ShiftFiles {
  /** The images' file, e.g. `data/x_test_wr.npy`. Default none (the findings name no file). */
  readonly images?: string;
  /** The audio's file, e.g. `data/x_test_sp.npy`. Default none. */
  readonly audio?: string;
}

/**
 * Compares inputs preprocessed with a model's statistics (`preprocess(stats, ...)`: images scaled to
 * [0,1], audio standardised with the training mean and spread) with what that model saw in training:
 * images in [0,1] whose brightest pixels reach 1, audio features with mean 0 and spread 1. A
 * moderate shift gives 'warn', a gross one (a wrong scale, a unit mix-up) 'refuse'. Pure.
 * @param what names the inputs in the findings, e.g. "the test rows"
 * @param files the files they came from: a finding about the images names `files.images`, one about the audio `files.audio`
 */
export function inputShift(inputs: ModelInputs, what = 'the inputs', files: ShiftFiles = {}): ShiftReport {
  const n = inputs.n;
  let imageMax = 0;
  for (let i = 0; i < inputs.images.length; i++) if (inputs.images[i] > imageMax) imageMax = inputs.images[i];
  const { audioMeanAbsZ, audioStdRatio } = audioShift(inputs.audio, n);
  const L = SHIFT_LIMITS;
  const findings: string[] = [];
  let level: ShiftLevel = 'ok';
  const flag = (l: ShiftLevel, text: string) => {
    findings.push(text);
    if (l === 'refuse' || level === 'ok') level = l;
  };
  const from = (file: string | undefined) => (file ? ` (\`${file}\`)` : '');
  const images = `the images of ${what}${from(files.images)}`;
  const audio = `the audio of ${what}${from(files.audio)}`;
  if (n > 0 && imageMax > L.imageHigh) {
    flag('refuse', `${images} reach ${fmt(imageMax)} after scaling (training images lie in [0,1]): they look stored on another scale (e.g. 0..255 where the model expects [0,1])`);
  } else if (n > 0 && imageMax < L.imageLow) {
    flag('refuse', `the brightest image pixel of ${what}${from(files.images)} is ${fmt(imageMax)} after scaling (training images reach 1): they look stored on another scale (e.g. [0,1] where the model expects 0..255)`);
  }
  const audioLevel = audioShiftLevel({ audioMeanAbsZ, audioStdRatio }, n);
  if (audioLevel === 'refuse') {
    flag('refuse', `${audio} is far from the training audio: ${describeAudioShift({ audioMeanAbsZ, audioStdRatio })}`);
  } else if (audioLevel === 'warn') {
    flag('warn', `${audio} differs from the training audio: ${describeAudioShift({ audioMeanAbsZ, audioStdRatio })}`);
  }
  return { level, findings, imageMax, audioMeanAbsZ, audioStdRatio };
}

/** How far standardised audio is from the training audio (see {@link ShiftReport}). */
export type AudioShift = Pick<ShiftReport, 'audioMeanAbsZ' | 'audioStdRatio'>;

/**
 * The mean over audio features of |mean z-score| and the median of the z-scores' spread, of `n` rows
 * of audio `audio` [n*507] standardised with a model's training statistics (0 and 1 for rows like
 * the training rows).
 */
export function audioShift(audio: Float32Array, n: number): AudioShift {
  const sum = new Float64Array(AUDIO_SIZE);
  const sq = new Float64Array(AUDIO_SIZE);
  for (let r = 0; r < n; r++) {
    const base = r * AUDIO_SIZE;
    for (let j = 0; j < AUDIO_SIZE; j++) {
      const v = audio[base + j];
      sum[j] += v;
      sq[j] += v * v;
    }
  }
  let absZ = 0;
  const spreads = new Float64Array(AUDIO_SIZE);
  for (let j = 0; j < AUDIO_SIZE; j++) {
    const mean = n ? sum[j] / n : 0;
    absZ += Math.abs(mean);
    spreads[j] = n ? Math.sqrt(Math.max(0, sq[j] / n - mean * mean)) : 1;
  }
  const sorted = Float64Array.from(spreads).sort();
  return { audioMeanAbsZ: absZ / AUDIO_SIZE, audioStdRatio: sorted[Math.floor(AUDIO_SIZE / 2)] };
}

/**
 * The verdict on an {@link audioShift} of `n` rows, by {@link SHIFT_LIMITS}: 'refuse' for a gross
 * shift (a wrong scale, a unit mix-up), 'warn' for a moderate one, 'ok' otherwise and for fewer than
 * `minAudioRows` rows (too few to judge).
 */
export function audioShiftLevel(shift: AudioShift, n: number): ShiftLevel {
  const L = SHIFT_LIMITS;
  const spreadOff = (limit: number) => shift.audioStdRatio > limit || shift.audioStdRatio < 1 / limit;
  if (n < L.minAudioRows) return 'ok';
  if (shift.audioMeanAbsZ > L.refuseZ || spreadOff(L.refuseSpread)) return 'refuse';
  if (shift.audioMeanAbsZ > L.warnZ || spreadOff(L.warnSpread)) return 'warn';
  return 'ok';
}

/** An {@link audioShift}'s figures in words: `mean |z| 253 (new voices: below 0.5), spread 0.004x the training spread`. */
export function describeAudioShift(shift: AudioShift): string {
  return `mean |z| ${fmt(shift.audioMeanAbsZ)} (new voices: below ${SHIFT_LIMITS.warnZ}), spread ${fmt(shift.audioStdRatio)}x the training spread`;
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toExponential(2) : x.toFixed(3));
