/** Module-level aliases: inside Jest's vm sandbox every global lookup (Math) in a hot loop is ~10x slower. */
const M = Math;
/**
 * Small seeded pseudo-random generator (xoshiro128**), seeded through splitmix32.
 * Same seed -> same sequence, on every platform.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = M.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = M.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
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

  /** Uniform float in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return M.min(n - 1, M.floor(this.random() * n));
  }

  /** Index drawn with probability proportional to `weights` (which need not sum to 1). */
  choice(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    let u = this.random() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
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
  return new Rng(hashString(`${seed}\u0000${trialNumber}\u0000${purpose}`));
}

/** A fresh random seed when the caller gave none. */
export function randomSeed(): number {
  return M.floor(M.random() * 0x100000000) >>> 0;
}
