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

/** The standard normal's 95th percentile: a two-sided 90% interval is the estimate +- Z90 standard errors. */
const Z90 = 1.6448536269514722;

/**
 * Ratio of the geometric means of a and b (exp of the difference of their mean logs) with its 90%
 * normal interval: every seed counts, so it is tighter than the ratio of medians. Undefined when a
 * value is 0 (a study found the optimum exactly, as on a grid): one log of 0 would decide the ratio.
 */
export function geometricMeanRatio(a: readonly number[], b: readonly number[]): { ratio: number; low: number; high: number } | undefined {
  if ([...a, ...b].some((x) => !(x > 0))) return undefined;
  const meanVar = (xs: readonly number[]): [number, number] => {
    const logs = xs.map((x) => Math.log(x));
    const m = logs.reduce((s, x) => s + x, 0) / logs.length;
    const v = logs.length > 1 ? logs.reduce((s, x) => s + (x - m) ** 2, 0) / (logs.length - 1) : Number.NaN;
    return [m, v];
  };
  const [ma, va] = meanVar(a);
  const [mb, vb] = meanVar(b);
  const d = ma - mb;
  const half = Z90 * Math.sqrt(va / a.length + vb / b.length);
  return { ratio: Math.exp(d), low: Math.exp(d - half), high: Math.exp(d + half) };
}
