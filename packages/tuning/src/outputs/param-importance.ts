import { toInternal, type Distribution } from '../distributions';
import { permutation, xoshiro128, type Rng } from '@digitfuse/core';
import type { FrozenTrial } from '../trial-state';
import type { TrialsSource } from './trials-table';

/** Module-level aliases: inside Jest's vm sandbox every global lookup (Math) in a hot loop is ~10x slower. */
const M = Math;

export interface ParamImportanceOptions {
  /** Seed of the bootstrap samples. Default: 0. */
  readonly seed?: number;
  /** Trees in the forest. Default: 64. */
  readonly nTrees?: number;
  /** Maximum depth of a tree. Default: 64. */
  readonly maxDepth?: number;
  /** Smallest leaf. Default: 1. */
  readonly minSamplesLeaf?: number;
}

/** A design matrix built from trials: one row per trial, one column per feature. */
interface Design {
  readonly x: Float64Array[]; // column-major: x[feature][row]
  readonly y: Float64Array;
  /** Parameter of each feature column (categorical parameters get one column per choice). */
  readonly owner: string[];
  readonly params: string[];
}

function designMatrix(trials: readonly FrozenTrial[]): Design | undefined {
  const done = trials.filter((t) => t.state === 'COMPLETE' && t.value !== undefined && Number.isFinite(t.value));
  if (done.length < 2) return undefined;
  // Parameters present with the same kind of distribution in every COMPLETE trial.
  const first = done[0].distributions;
  const params = Object.keys(first)
    .filter((p) => done.every((t) => t.distributions[p] !== undefined && t.distributions[p].type === first[p].type))
    .sort();
  const x: Float64Array[] = [];
  const owner: string[] = [];
  for (const p of params) {
    const d: Distribution = first[p];
    if (d.type === 'categorical') {
      d.choices.forEach((_, c) => {
        x.push(Float64Array.from(done, (t) => (toInternal(d, t.params[p]) === c ? 1 : 0)));
        owner.push(p);
      });
    } else {
      x.push(Float64Array.from(done, (t) => (d.log ? M.log(t.params[p] as number) : (t.params[p] as number))));
      owner.push(p);
    }
  }
  return { x, y: Float64Array.from(done, (t) => t.value as number), owner, params };
}

interface Stats {
  n: number;
  sum: number;
  sumSq: number;
}

/** n * variance of y over `rows`. */
function sse(s: Stats): number {
  return s.n === 0 ? 0 : s.sumSq - (s.sum * s.sum) / s.n;
}

function growTree(
  d: Design,
  rows: number[],
  depth: number,
  maxDepth: number,
  minLeaf: number,
  gains: Float64Array,
  rng: Rng,
): void {
  if (depth >= maxDepth || rows.length < 2 * minLeaf) return;
  const total: Stats = { n: 0, sum: 0, sumSq: 0 };
  for (const r of rows) {
    total.n++;
    total.sum += d.y[r];
    total.sumSq += d.y[r] * d.y[r];
  }
  const parent = sse(total);
  if (parent <= 1e-12 * M.max(1, M.abs(total.sumSq))) return;
  let bestGain = 0;
  let bestFeature = -1;
  let bestThreshold = 0;
  // Features in a random order: a tie (common with few trials, where several parameters split the
  // same rows equally well) goes to a random one, as in scikit-learn's forests, not always to the
  // first parameter by name.
  for (const f of permutation(d.x.length, rng)) {
    const col = d.x[f];
    const sorted = [...rows].sort((a, b) => col[a] - col[b]);
    const left: Stats = { n: 0, sum: 0, sumSq: 0 };
    for (let i = 0; i < sorted.length - 1; i++) {
      const yv = d.y[sorted[i]];
      left.n++;
      left.sum += yv;
      left.sumSq += yv * yv;
      const a = col[sorted[i]];
      const b = col[sorted[i + 1]];
      if (a === b || left.n < minLeaf || sorted.length - left.n < minLeaf) continue;
      const right: Stats = { n: total.n - left.n, sum: total.sum - left.sum, sumSq: total.sumSq - left.sumSq };
      const gain = parent - sse(left) - sse(right);
      if (gain > bestGain) {
        bestGain = gain;
        bestFeature = f;
        bestThreshold = (a + b) / 2;
      }
    }
  }
  if (bestFeature < 0) return;
  gains[bestFeature] += bestGain;
  const col = d.x[bestFeature];
  growTree(d, rows.filter((r) => col[r] <= bestThreshold), depth + 1, maxDepth, minLeaf, gains, rng);
  growTree(d, rows.filter((r) => col[r] > bestThreshold), depth + 1, maxDepth, minLeaf, gains, rng);
}

/**
 * Parameter importances by mean decrease in impurity: a seeded random forest of regression trees
 * (bootstrap samples, all features considered at each split in a random order, so ties go to a
 * random feature) is fitted to the COMPLETE trials'
 * values; each parameter's importance is the share of the variance reduction its splits achieve,
 * averaged over trees (categorical parameters are one-hot encoded and their columns summed; log
 * parameters are split in log space). This is Optuna's MeanDecreaseImpurity evaluator's method.
 * Values sum to 1, sorted from most to least important. Empty with fewer than two COMPLETE trials.
 */
export function paramImportances(study: TrialsSource, options: ParamImportanceOptions = {}): Record<string, number> {
  const design = designMatrix(study.trials);
  if (design === undefined || design.params.length === 0) return {};
  const nTrees = options.nTrees ?? 64;
  const rng = xoshiro128(options.seed ?? 0);
  const n = design.y.length;
  const sums = new Float64Array(design.x.length);
  for (let t = 0; t < nTrees; t++) {
    const rows = Array.from({ length: n }, () => rng.int(n));
    const gains = new Float64Array(design.x.length);
    growTree(design, rows, 0, options.maxDepth ?? 64, options.minSamplesLeaf ?? 1, gains, rng);
    const total = gains.reduce((a, b) => a + b, 0);
    if (total > 0) for (let f = 0; f < gains.length; f++) sums[f] += gains[f] / total;
  }
  const byParam = new Map<string, number>(design.params.map((p) => [p, 0]));
  design.owner.forEach((p, f) => byParam.set(p, (byParam.get(p) ?? 0) + sums[f]));
  const total = [...byParam.values()].reduce((a, b) => a + b, 0);
  const entries = [...byParam.entries()].map(([p, v]) => [p, total > 0 ? v / total : 1 / byParam.size] as const);
  entries.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(entries);
}
