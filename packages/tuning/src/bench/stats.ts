import { xoshiro128 } from '@digitfuse/core';

/** The q-quantile of `values` (0 <= q <= 1), interpolated linearly between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Median (the mean of the two middle values for an even count). */
export function medianOf(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Percentile-bootstrap interval of median(a) / median(b), resampling each list with replacement
 * (seeded, so the same data give the same interval). Returns [low, high] at the given level.
 */
export function bootstrapMedianRatio(a: readonly number[], b: readonly number[], samples = 2000, level = 0.9, seed = 0): [number, number] {
  const rng = xoshiro128(seed);
  const draw = (xs: readonly number[]): number[] => xs.map(() => xs[rng.int(xs.length)]);
  const ratios: number[] = [];
  for (let i = 0; i < samples; i++) ratios.push(medianOf(draw(a)) / medianOf(draw(b)));
  return [quantile(ratios, (1 - level) / 2), quantile(ratios, (1 + level) / 2)];
}
