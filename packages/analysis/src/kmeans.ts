import { createRng } from '@digitfuse/data';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { AnalysisError } from './errors';

/** Options for {@link kmeansFit}. */
export interface KMeansOptions {
  /** Dimensions per point (row-major input). Default 2. */
  readonly dim?: number;
  /** Independent k-means++ starts; the one with the lowest inertia wins. Default 10. */
  readonly restarts?: number;
  /** Lloyd iterations per start. Default 300. */
  readonly maxIterations?: number;
}

/** Result of {@link kmeansFit}. */
export interface KMeansResult {
  /** Cluster index in [0, k) of each point. */
  readonly assignments: Int32Array;
  /** Centroids, row-major [k * dim]. */
  readonly centroids: Float64Array;
  /** Sum of squared distances of the points to their centroids. */
  readonly inertia: number;
}

/**
 * K-means of `n` points (`ml-kmeans`: k-means++ seeding, Lloyd iterations), best of several
 * restarts. Each restart's seed is drawn from `seed`, so the same seed gives the same clusters.
 */
export function kmeansFit(points: ArrayLike<number>, n: number, k = 10, seed = 0, options: KMeansOptions = {}): KMeansResult {
  const { dim = 2, restarts = 10, maxIterations = 300 } = options;
  if (points.length !== n * dim) {
    throw new AnalysisError(`kmeans: expected ${n} x ${dim} = ${n * dim} values, got ${points.length}`);
  }
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new AnalysisError(`kmeans: expected an integer k in [1, n=${n}], got ${k}`);
  }
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: dim }, (_, d) => points[i * dim + d]));
  // k-means++ needs k distinct points to draw centres from (it divides by the sum of distances).
  const initialization = distinctRows(rows, k) >= k ? 'kmeans++' : 'random';
  const rng = createRng(seed);
  let best: KMeansResult | null = null;
  for (let r = 0; r < Math.max(1, restarts); r++) {
    const fit = mlKmeans(rows, k, { seed: rng.seed(), initialization, maxIterations });
    const result = summarise(rows, fit.clusters, fit.centroids, dim);
    if (best === null || result.inertia < best.inertia) best = result;
  }
  return best as KMeansResult;
}

/** K-means cluster assignments (see {@link kmeansFit}); `points2d` is [x0, y0, x1, y1, ...] by default. */
export function kmeans(points2d: ArrayLike<number>, n: number, k = 10, seed = 0, options: KMeansOptions = {}): Int32Array {
  return kmeansFit(points2d, n, k, seed, options).assignments;
}

function summarise(rows: readonly number[][], clusters: readonly number[], centres: readonly number[][], dim: number): KMeansResult {
  const centroids = new Float64Array(centres.length * dim);
  centres.forEach((c, i) => centroids.set(c, i * dim));
  let inertia = 0;
  rows.forEach((row, i) => {
    const c = centres[clusters[i]];
    for (let d = 0; d < dim; d++) inertia += (row[d] - c[d]) ** 2;
  });
  return { assignments: Int32Array.from(clusters), centroids, inertia };
}

/** Distinct rows, counted up to `limit`. */
function distinctRows(rows: readonly number[][], limit: number): number {
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.join(','));
    if (seen.size >= limit) break;
  }
  return seen.size;
}
