import { Matrix } from 'ml-matrix';
import { PCA } from 'ml-pca';
import { AnalysisError } from './errors';

/** Result of {@link pcaFit}. */
export interface PcaResult {
  /** Number of principal axes kept. */
  readonly outDims: number;
  /** Per-dimension mean of the input [dim]. */
  readonly mean: Float64Array;
  /** Principal axes, row-major [outDims * dim], unit length, largest variance first. */
  readonly components: Float64Array;
  /** Variance along each kept axis [outDims] (sample variance, n - 1 in the denominator). */
  readonly variances: Float64Array;
  /** The centred points projected onto the axes, row-major [n * outDims]. */
  readonly projected: Float64Array;
}

/**
 * Principal component analysis (`ml-pca`, eigendecomposition of the covariance matrix) of `n`
 * points of `dim` dimensions (row-major), keeping the top `outDims` axes. Deterministic: there is
 * no randomness to seed.
 */
export function pcaFit(points: ArrayLike<number>, n: number, dim: number, outDims: number): PcaResult {
  check(points, n, dim, outDims);
  const x = toMatrix(points, n, dim);
  const model = new PCA(x, { method: 'covarianceMatrix', center: true, scale: false });
  const k = Math.min(outDims, dim);
  const axes = model.getEigenvectors().subMatrix(0, dim - 1, 0, k - 1);
  const mean = Float64Array.from(x.mean('column'));
  const projected = x.subRowVector(Array.from(mean)).mmul(axes);
  return {
    outDims: k,
    mean,
    components: Float64Array.from(axes.transpose().to1DArray()),
    variances: Float64Array.from(model.getEigenvalues().slice(0, k)),
    projected: Float64Array.from(projected.to1DArray()),
  };
}

/**
 * The coordinates of `n` points of `dim` dimensions (row-major) on their top-`outDims` principal
 * axes, after centring ({@link pcaFit}). When `dim <= outDims` the points are only centred (no
 * rotation), which keeps every distance as it was.
 */
export function pcaProject(points: ArrayLike<number>, n: number, dim: number, outDims: number): Float64Array {
  check(points, n, dim, outDims);
  if (dim > outDims && n > 1) return pcaFit(points, n, dim, outDims).projected;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += points[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(n, 1);
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

function toMatrix(points: ArrayLike<number>, n: number, dim: number): Matrix {
  const x = new Matrix(n, dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) x.set(i, d, points[i * dim + d]);
  return x;
}
