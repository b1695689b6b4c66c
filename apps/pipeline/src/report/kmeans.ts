import { ReportInputError } from './errors';
import { createRng } from '@digitfuse/data';

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
 * K-means (k-means++ seeding, Lloyd iterations, best of several seeded restarts) of `n` points.
 * Deterministic for a given seed.
 */
export function kmeansFit(
  points: ArrayLike<number>,
  n: number,
  k = 10,
  seed = 0,
  options: KMeansOptions = {},
): KMeansResult {
  const { dim = 2, restarts = 10, maxIterations = 300 } = options;
  if (points.length !== n * dim) {
    throw new ReportInputError(`kmeans: expected ${n} x ${dim} = ${n * dim} values, got ${points.length}`);
  }
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new ReportInputError(`kmeans: expected an integer k in [1, n=${n}], got ${k}`);
  }
  const rng = createRng(seed);
  let best: KMeansResult | null = null;
  for (let r = 0; r < Math.max(1, restarts); r++) {
    const result = lloyd(points, n, dim, k, plusPlusCentroids(points, n, dim, k, rng), maxIterations);
    if (best === null || result.inertia < best.inertia) best = result;
  }
  return best as KMeansResult;
}

/** K-means cluster assignments (see {@link kmeansFit}); `points2d` is [x0, y0, x1, y1, ...] by default. */
export function kmeans(points2d: ArrayLike<number>, n: number, k = 10, seed = 0, options: KMeansOptions = {}): Int32Array {
  return kmeansFit(points2d, n, k, seed, options).assignments;
}

function squaredDistance(points: ArrayLike<number>, i: number, centroids: Float64Array, c: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const diff = points[i * dim + d] - centroids[c * dim + d];
    s += diff * diff;
  }
  return s;
}

function plusPlusCentroids(
  points: ArrayLike<number>,
  n: number,
  dim: number,
  k: number,
  rng: ReturnType<typeof createRng>,
): Float64Array {
  const centroids = new Float64Array(k * dim);
  const setCentroid = (c: number, i: number) => {
    for (let d = 0; d < dim; d++) centroids[c * dim + d] = points[i * dim + d];
  };
  setCentroid(0, rng.int(n));
  const nearest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = squaredDistance(points, i, centroids, c - 1, dim);
      if (d < nearest[i]) nearest[i] = d;
      total += nearest[i];
    }
    let pick = n - 1;
    if (total > 0) {
      let target = rng.next() * total;
      for (let i = 0; i < n; i++) {
        target -= nearest[i];
        if (target < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = rng.int(n);
    }
    setCentroid(c, pick);
  }
  return centroids;
}

function lloyd(
  points: ArrayLike<number>,
  n: number,
  dim: number,
  k: number,
  centroids: Float64Array,
  maxIterations: number,
): KMeansResult {
  const assignments = new Int32Array(n).fill(-1);
  const distances = new Float64Array(n);
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let iter = 0; iter < maxIterations; iter++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let bestC = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = squaredDistance(points, i, centroids, c, dim);
        if (d < bestD) {
          bestD = d;
          bestC = c;
        }
      }
      distances[i] = bestD;
      if (assignments[i] !== bestC) {
        assignments[i] = bestC;
        changed = true;
      }
    }
    if (!changed) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignments[i];
      counts[c]++;
      for (let d = 0; d < dim; d++) sums[c * dim + d] += points[i * dim + d];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // Empty cluster: move it to the point farthest from its centroid.
        let far = 0;
        for (let i = 1; i < n; i++) if (distances[i] > distances[far]) far = i;
        for (let d = 0; d < dim; d++) centroids[c * dim + d] = points[far * dim + d];
        distances[far] = 0;
        continue;
      }
      for (let d = 0; d < dim; d++) centroids[c * dim + d] = sums[c * dim + d] / counts[c];
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squaredDistance(points, i, centroids, assignments[i], dim);
  return { assignments, centroids, inertia };
}
