/**
 * Seeded pseudo-random numbers, identical on every platform: the same seed gives the same splits,
 * demo dataset, shuffles, dropout masks, augmentations and search. Two generators keep the numbers
 * the project has always drawn:
 * - {@link createRng} (mulberry32, 32-bit floats): data, training and reports;
 * - {@link streamFor} / {@link xoshiro128} (xoshiro128** seeded through splitmix32, 53-bit floats):
 *   the search's per-trial streams.
 */

/** This module's source file: part of the key of caches holding numbers it drew (e.g. a preprocessed split). */
export const RANDOM_SOURCE = __filename;

/** Module-level alias: inside Jest's vm sandbox every global lookup (Math) in a hot loop is ~10x slower. */
const M = Math;

/** A seeded generator. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (mean 0, standard deviation 1), by the Box-Muller transform. */
  gaussian(): number;
  /** A fresh 31-bit seed drawn from this stream (to seed tfjs ops). */
  seed(): number;
}

/** The raw mulberry32 stream from a 32-bit state: uniform floats in [0, 1) with 32 random bits. */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = M.imul(t ^ (t >>> 15), t | 1);
    t ^= t + M.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Creates a mulberry32 generator; any finite number is accepted as a seed (truncated to 32 bits). */
export function createRng(seed: number): Rng {
  const next = mulberry32((M.trunc(seed) ^ 0x9e3779b9) >>> 0);
  return { next, int: (n) => M.floor(next() * n), gaussian: boxMuller(next), seed: () => M.floor(next() * 0x7fffffff) };
}

/** Standard normal draws from uniform ones (two uniforms give two normals; the second is kept for the next call). */
function boxMuller(next: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const radius = M.sqrt(-2 * M.log(u));
    spare = radius * M.sin(2 * M.PI * v);
    return radius * M.cos(2 * M.PI * v);
  };
}

/** xoshiro128** (53-bit floats), seeded through splitmix32. */
class Xoshiro128 implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  readonly gaussian: () => number = boxMuller(() => this.next());

  constructor(seed: number) {
    let x = seed >>> 0;
    const split = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = M.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = M.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = split();
    this.s1 = split();
    this.s2 = split();
    this.s3 = split();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next unsigned 32-bit integer. */
  private nextUint32(): number {
    const result = M.imul(rotl(M.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  int(n: number): number {
    return M.min(n - 1, M.floor(this.next() * n));
  }

  seed(): number {
    return M.floor(this.next() * 0x7fffffff);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A xoshiro128** generator (53-bit floats) seeded through splitmix32 with the low 32 bits of `seed`. */
export function xoshiro128(seed: number): Rng {
  return new Xoshiro128(seed);
}

/** 32-bit hash of a string (FNV-1a followed by a murmur3 finaliser). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = M.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = M.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = M.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A generator for one (seed, trial, purpose) triple. Deriving the stream from the trial number means
 * a resumed study, or a second worker with the same seed, never replays earlier trials' draws.
 */
export function streamFor(seed: number, trialNumber: number, purpose: string): Rng {
  return xoshiro128(hashString(`${seed}\u0000${trialNumber}\u0000${purpose}`));
}

/** The largest seed a command takes (`--seed`, a model's `seed`): 2^31 - 1, so that seeds fit a signed 32-bit integer. */
export const MAX_SEED = 0x7fffffff;

/** A fresh random 32-bit seed, for a caller that gave none. */
export function randomSeed(): number {
  return M.floor(M.random() * 0x100000000) >>> 0;
}

/** Uniform float in [low, high). */
export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.next();
}

/** An index drawn with probability proportional to `weights` (which need not sum to 1). */
export function choice(rng: Rng, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** Shuffles `values` in place (Fisher-Yates) with `rng`; returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, rng: Rng): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
  return values;
}

/** A uniformly random permutation of 0..n-1 drawn from `rng`. */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffleInPlace(out, rng);
}
