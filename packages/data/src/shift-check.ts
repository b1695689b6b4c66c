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
 * |z| 0.18-0.34, median spread 0.96-1.03; clean training audio with noisy test audio (or the reverse):
 * mean |z| 1.5-1.6; a test file min-max scaled on its own range instead of the training file's: 1.7-7.8,
 * spread 0.75-1.5; audio scaled x1000: mean |z| ~1e5; audio x255 against [0,1]: mean |z| 171, spread
 * 0.004; images stored in [0,1] and scaled again by 1/255: brightest pixel 0.004.
 */
export const SHIFT_LIMITS = Object.freeze({
  /** Warn above this mean |z| (or a spread outside [1/spread, spread]). */
  warnZ: 0.5,
  warnSpread: 1.5,
  /** Refuse above this mean |z| for a model that relies on the audio (`AudioUse` 'relies'), or a spread outside [1/spread, spread] for any model that hears. */
  refuseZ: 3,
  refuseSpread: 3,
  /**
   * Refuse above this mean |z| for a model that falls back on its image expert (`AudioUse`
   * 'falls-back'): between the 7.8 of a test file scaled on its own range and the 171 of a unit mix-up.
   */
  refuseZFallingBack: 30,
  /** Refuse when the brightest scaled pixel is above `imageHigh` or below `imageLow` (images must span [0,1]). */
  imageHigh: 1.5,
  imageLow: 0.05,
  /** Fewer rows than this say too little about the audio's distribution to judge it. */
  minAudioRows: 20,
});

/**
 * How the model that reads the test rows uses their audio, which sets how far that audio may lie
 * from the training audio before it is refused:
 * - 'relies': every prediction moves with the audio (the paper's concatenation, an audio-only model):
 *   audio offset by more than `refuseZ` is refused;
 * - 'falls-back': a calibrated product of experts (robust and attention fusion), whose weights are
 *   adapted to the test rows and leave the prediction to the image expert where their audio disagrees
 *   with it: an offset is a warning up to `refuseZFallingBack`;
 * - 'none': an image-only model: the audio is not judged.
 * Audio on another scale (a spread outside 1/3..3 of the training spread: x255, x1000) is refused for
 * every model that hears.
 */
export type AudioUse = 'relies' | 'falls-back' | 'none';

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
 * @param use how the model that reads them uses the audio (`AudioUse`; default 'relies', the strictest)
 */
export function inputShift(inputs: ModelInputs, what = 'the inputs', files: ShiftFiles = {}, use: AudioUse = 'relies'): ShiftReport {
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
  const audioLevel = audioShiftLevel({ audioMeanAbsZ, audioStdRatio }, n, use);
  if (audioLevel === 'refuse') {
    flag('refuse', `${audio} is far from the training audio: ${describeAudioShift({ audioMeanAbsZ, audioStdRatio })}${useNote({ audioMeanAbsZ, audioStdRatio }, n, use)}`);
  } else if (audioLevel === 'warn') {
    flag('warn', `${audio} differs from the training audio: ${describeAudioShift({ audioMeanAbsZ, audioStdRatio })}${useNote({ audioMeanAbsZ, audioStdRatio }, n, use)}`);
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
 * The verdict on an {@link audioShift} of `n` rows for a model that uses the audio as `use` says, by
 * {@link SHIFT_LIMITS}: 'refuse' for a gross shift (a wrong scale, a unit mix-up; for a model that
 * relies on the audio, any offset beyond `refuseZ`), 'warn' for a moderate one, 'ok' otherwise, for
 * fewer than `minAudioRows` rows (too few to judge) and for a model that does not hear.
 */
export function audioShiftLevel(shift: AudioShift, n: number, use: AudioUse = 'relies'): ShiftLevel {
  const L = SHIFT_LIMITS;
  const spreadOff = (limit: number) => shift.audioStdRatio > limit || shift.audioStdRatio < 1 / limit;
  if (n < L.minAudioRows || use === 'none') return 'ok';
  if (shift.audioMeanAbsZ > (use === 'falls-back' ? L.refuseZFallingBack : L.refuseZ) || spreadOff(L.refuseSpread)) return 'refuse';
  if (shift.audioMeanAbsZ > L.warnZ || spreadOff(L.warnSpread)) return 'warn';
  return 'ok';
}

/**
 * What the verdict on `shift` owes to how the model uses the audio, where the other use would judge it
 * otherwise (else ''): for a model that falls back on its image expert, what it does instead of the
 * refusal a model relying on the audio would get; for one relying on it, that robust or attention
 * fusion would go on.
 */
export function useNote(shift: AudioShift, n: number, use: AudioUse): string {
  // Only an offset that one use refuses and the other takes: otherwise both judge it alike.
  if (audioShiftLevel(shift, n, 'relies') !== 'refuse' || audioShiftLevel(shift, n, 'falls-back') === 'refuse') return '';
  if (use === 'falls-back') {
    return '; a robust or attention model, adapted to these rows, leaves the prediction to its image expert where this audio disagrees with it (expect about the accuracy of images alone)';
  }
  return use === 'relies' ? ' (an offset a robust or attention model would adapt to, leaning on its image expert; this model relies on the audio)' : '';
}

/** An {@link audioShift}'s figures in words: `mean |z| 253 (new voices: below 0.5), spread 0.004x the training spread`. */
export function describeAudioShift(shift: AudioShift): string {
  return `mean |z| ${fmt(shift.audioMeanAbsZ)} (new voices: below ${SHIFT_LIMITS.warnZ}), spread ${fmt(shift.audioStdRatio)}x the training spread`;
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toExponential(2) : x.toFixed(3));
