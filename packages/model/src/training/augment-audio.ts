import { AUDIO_COEFFS, AUDIO_FRAMES, AUDIO_SIZE, IMAGE_SIZE, type Rng } from '@digitfuse/data';

/**
 * Arguments of audio augmentation, on standardised MFCC rows (39 frames x 13 coefficients, each
 * feature with mean 0 and standard deviation 1 over the training split).
 */
export interface AudioAugmentArgs {
  /** Largest shift in frames, uniform in [-maxShift, maxShift]; vacated frames repeat the edge frame. Default 4. */
  readonly maxShift?: number;
  /**
   * Standard deviation of a per-row, per-coefficient offset added to every frame: a change of voice or
   * channel is (to first order) a constant shift of the cepstrum. Default 0.3.
   */
  readonly cepstralShift?: number;
  /** Standard deviation of white noise added to every value. Default 0.1. */
  readonly noise?: number;
  /** Widest run of consecutive frames set to 0 (SpecAugment time mask); 0 for none. Default 6. */
  readonly frameMask?: number;
  /** Widest run of consecutive coefficients set to 0 (SpecAugment frequency mask); 0 for none. Default 2. */
  readonly coeffMask?: number;
}

/** Defaults of `AudioAugmentArgs`. */
export const DEFAULT_AUDIO_AUGMENT: Required<AudioAugmentArgs> = Object.freeze({
  maxShift: 4,
  cepstralShift: 0.3,
  noise: 0.1,
  frameMask: 6,
  coeffMask: 2,
});

/**
 * Augments standardised audio rows ([n*507], frame after frame): a random time shift, a random
 * cepstral offset per coefficient, white noise and one time and one coefficient mask per row. Pure
 * apart from advancing `rng`: the same seed gives the same output. Returns a new array.
 */
export function augmentAudio(audio: Float32Array, rng: Rng, args: AudioAugmentArgs = {}): Float32Array {
  const a = { ...DEFAULT_AUDIO_AUGMENT, ...args };
  const n = audio.length / AUDIO_SIZE;
  const out = new Float32Array(audio.length);
  const offset = new Float32Array(AUDIO_COEFFS);
  const F = AUDIO_FRAMES;
  const C = AUDIO_COEFFS;
  for (let r = 0; r < n; r++) {
    const base = r * AUDIO_SIZE;
    const shift = Math.round((rng.next() * 2 - 1) * a.maxShift);
    for (let c = 0; c < C; c++) offset[c] = rng.gaussian() * a.cepstralShift;
    const fw = Math.floor(rng.next() * (a.frameMask + 1));
    const f0 = Math.floor(rng.next() * (F - fw + 1));
    const cw = Math.floor(rng.next() * (a.coeffMask + 1));
    const c0 = Math.floor(rng.next() * (C - cw + 1));
    for (let f = 0; f < F; f++) {
      const src = base + Math.min(F - 1, Math.max(0, f - shift)) * C;
      const dst = base + f * C;
      const maskedFrame = f >= f0 && f < f0 + fw;
      for (let c = 0; c < C; c++) {
        out[dst + c] = maskedFrame || (c >= c0 && c < c0 + cw) ? 0 : audio[src + c] + offset[c] + (a.noise > 0 ? rng.gaussian() * a.noise : 0);
      }
    }
  }
  return out;
}

/** Probabilities of blanking a whole sense of a training row (modality dropout). */
export interface ModalityDropoutArgs {
  /** Probability that a row's audio is set to 0 (the training mean). Default 0.3. */
  readonly audio?: number;
  /** Probability that a row's image is set to 0 (black). Never both senses of one row. Default 0.1. */
  readonly image?: number;
}

/**
 * Modality dropout: blanks a row's audio (to the training mean, 0) with probability `audio`, else its
 * image (to black) with probability `image`, in place, so that no head can rely on one sense blindly.
 * `images` [n*784] and `audio` [n*507] hold the same n rows; either may be null (not blanked).
 */
export function dropModalities(images: Float32Array | null, audio: Float32Array | null, n: number, rng: Rng, args: ModalityDropoutArgs = {}): void {
  const pa = args.audio ?? 0.3;
  const pi = args.image ?? 0.1;
  for (const [name, p] of [['audio', pa], ['image', pi]] as const) {
    if (!(p >= 0 && p < 1)) throw new RangeError(`Expected modality dropout \`${name}\` in [0, 1), found ${p}`);
  }
  for (let r = 0; r < n; r++) {
    const u = rng.next();
    if (u < pa) audio?.fill(0, r * AUDIO_SIZE, (r + 1) * AUDIO_SIZE);
    else if (u < pa + pi * (1 - pa)) images?.fill(0, r * IMAGE_SIZE, (r + 1) * IMAGE_SIZE);
  }
}
