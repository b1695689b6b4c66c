import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { AnalysisError } from './errors';
import { topEigenpairs, type Eigenpairs } from './lanczos';

/** Result of {@link pcaFit}. */
export interface PcaResult {
  /** Number of principal axes kept. */
  readonly outDims: number;
  /** Per-dimension mean of the input [dim]. */
  readonly mean: Float64Array;
  /**
   * Principal axes, row-major [outDims * dim], unit length, largest variance first. Each axis is
   * signed so that its largest-magnitude component (the first one, on a tie) is positive.
   */
  readonly components: Float64Array;
  /** Variance along each kept axis [outDims] (sample variance, n - 1 in the denominator). */
  readonly variances: Float64Array;
  /** The centred points projected onto the axes, row-major [n * outDims]. */
  readonly projected: Float64Array;
}

/**
 * Principal component analysis of `n >= 2` points of `dim` dimensions (row-major), keeping the top
 * `outDims` axes, largest variance first. Up to {@link EXACT_MAX_DIM} dimensions: the sample
 * covariance matrix (computed here) and its full symmetric eigendecomposition (`ml-matrix`'s
 * `EigenvalueDecomposition`, O(dim^3)). Above: the top axes alone by the Lanczos method on the
 * covariance applied through the centred points ({@link topEigenpairs}: each eigenpair's residual
 * within 1e-10 of the largest variance), the full decomposition only if that does not converge.
 * Deterministic: there is no randomness to seed (Lanczos starts from a fixed vector), and each
 * axis's sign is fixed (see {@link PcaResult.components}). Variances that rounding makes slightly
 * negative are reported as 0.
 */
export function pcaFit(points: ArrayLike<number>, n: number, dim: number, outDims: number): PcaResult {
  check(points, n, dim, outDims);
  if (n < 2) throw new AnalysisError(`pca: expected at least 2 points for a sample covariance, got n=${n}`);
  const k = Math.min(outDims, dim);
  const mean = columnMeans(points, n, dim);
  const centredT = centredTransposed(points, n, dim, mean);
  const top = (dim > EXACT_MAX_DIM ? topEigenpairs(covarianceTimes(centredT, n, dim), dim, k) : null) ?? fullEigenpairs(covariance(centredT, n, dim), k);

  const components = top.vectors;
  const variances = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    const axis = components.subarray(a * dim, (a + 1) * dim);
    let largest = 0;
    for (let d = 0; d < dim; d++) if (Math.abs(axis[d]) > Math.abs(axis[largest])) largest = d;
    if (axis[largest] < 0) for (let d = 0; d < dim; d++) axis[d] = -axis[d];
    variances[a] = Math.max(top.values[a], 0);
  }
  return { outDims: k, mean, components, variances, projected: project(centredT, n, dim, components, k) };
}

/**
 * Above this many dimensions {@link pcaFit} finds its axes by the Lanczos method instead of a full
 * eigendecomposition (which takes about 0.1 s at 256 dimensions and grows as dim^3).
 */
export const EXACT_MAX_DIM = 256;

/** The top `k` eigenpairs of a symmetric matrix by its full eigendecomposition, largest first. */
function fullEigenpairs(cov: Matrix, k: number): Eigenpairs {
  const dim = cov.rows;
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const order = Array.from({ length: dim }, (_, j) => j).sort((a, b) => values[b] - values[a] || a - b);
  const top = order.slice(0, k);
  const out = new Float64Array(k * dim);
  top.forEach((column, a) => {
    for (let d = 0; d < dim; d++) out[a * dim + d] = vectors.get(d, column);
  });
  return { values: Float64Array.from(top, (column) => values[column]), vectors: out };
}

/**
 * The sample covariance of the centred, transposed points ([dim * n]) as a product, without forming
 * it: out = X^T (X v) / (n - 1), two passes over the points.
 */
function covarianceTimes(t: Float64Array, n: number, dim: number): (v: Float64Array, out: Float64Array) => void {
  const u = new Float64Array(n);
  const scale = 1 / (n - 1);
  // Four rows of the points a pass (each load of u shared by four of them), as `rowDots` does.
  return (v, out) => {
    u.fill(0);
    let d = 0;
    for (; d + 3 < dim; d += 4) {
      const w0 = v[d];
      const w1 = v[d + 1];
      const w2 = v[d + 2];
      const w3 = v[d + 3];
      const r0 = d * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      for (let i = 0; i < n; i++) u[i] += w0 * t[r0 + i] + w1 * t[r1 + i] + w2 * t[r2 + i] + w3 * t[r3 + i];
    }
    for (; d < dim; d++) {
      const w = v[d];
      const row = d * n;
      for (let i = 0; i < n; i++) u[i] += w * t[row + i];
    }
    rowDots(t, n, 0, dim, u, 0, scale, out);
  };
}

/**
 * The coordinates of `n` points of `dim` dimensions (row-major) on their top-`outDims` principal
 * axes, after centring ({@link pcaFit}). When `dim <= outDims` (or `n <= 1`) the points are only
 * centred (no rotation), which keeps every distance as it was.
 */
export function pcaProject(points: ArrayLike<number>, n: number, dim: number, outDims: number): Float64Array {
  check(points, n, dim, outDims);
  if (dim > outDims && n > 1) return pcaFit(points, n, dim, outDims).projected;
  const mean = columnMeans(points, n, dim);
  const centred = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) centred[i * dim + d] = points[i * dim + d] - mean[d];
  return centred;
}

function check(points: ArrayLike<number>, n: number, dim: number, outDims: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(dim) || dim < 1) {
    throw new AnalysisError(`pca: expected integer n >= 0 and dim >= 1, got n=${n}, dim=${dim}`);
  }
  if (!Number.isInteger(outDims) || outDims < 1) throw new AnalysisError(`pca: expected an integer outDims >= 1, got ${outDims}`);
  if (points.length !== n * dim) throw new AnalysisError(`pca: expected ${n} x ${dim} = ${n * dim} values, got ${points.length}`);
}

/** Per-column mean of `n` x `dim` row-major points (zeros when `n` is 0). */
function columnMeans(points: ArrayLike<number>, n: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += points[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(n, 1);
  return mean;
}

/** The centred points, transposed: row `d` holds dimension `d` of all `n` points [dim * n]. */
function centredTransposed(points: ArrayLike<number>, n: number, dim: number, mean: Float64Array): Float64Array {
  const t = new Float64Array(dim * n);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) t[d * n + i] = points[i * dim + d] - mean[d];
  return t;
}

/**
 * Sample covariance (n - 1) of the centred, transposed points: each row of the upper triangle is
 * the dot products of row `a` with the rows from `a` on ({@link rowDots}), mirrored.
 */
function covariance(t: Float64Array, n: number, dim: number): Matrix {
  const cov = new Matrix(dim, dim);
  const scale = 1 / (n - 1);
  const dots = new Float64Array(dim);
  for (let a = 0; a < dim; a++) {
    rowDots(t, n, a, dim, t, a * n, scale, dots);
    for (let b = a; b < dim; b++) setSymmetric(cov, a, b, dots[b - a]);
  }
  return cov;
}

/**
 * out[b - from] = scale * (row b of `t`, n values) . x[xo .. xo + n) for rows b in [from, to):
 * four rows at a time, sharing each load of x.
 */
function rowDots(t: Float64Array, n: number, from: number, to: number, x: Float64Array, xo: number, scale: number, out: Float64Array): void {
  let b = from;
  for (; b + 3 < to; b += 4) {
    const r0 = b * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i];
      s0 += v * t[r0 + i];
      s1 += v * t[r1 + i];
      s2 += v * t[r2 + i];
      s3 += v * t[r3 + i];
    }
    out[b - from] = s0 * scale;
    out[b + 1 - from] = s1 * scale;
    out[b + 2 - from] = s2 * scale;
    out[b + 3 - from] = s3 * scale;
  }
  for (; b < to; b++) {
    const rb = b * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += x[xo + i] * t[rb + i];
    out[b - from] = s * scale;
  }
}

function setSymmetric(m: Matrix, a: number, b: number, value: number): void {
  m.set(a, b, value);
  m.set(b, a, value);
}

/** The centred points (transposed, [dim * n]) on the `k` axes (row-major [k * dim]): [n * k]. */
function project(t: Float64Array, n: number, dim: number, components: Float64Array, k: number): Float64Array {
  const out = new Float64Array(n * k);
  const column = new Float64Array(n);
  for (let a = 0; a < k; a++) {
    column.fill(0);
    for (let d = 0; d < dim; d++) {
      const w = components[a * dim + d];
      const row = d * n;
      for (let i = 0; i < n; i++) column[i] += w * t[row + i];
    }
    for (let i = 0; i < n; i++) out[i * k + a] = column[i];
  }
  return out;
}
