import { createRng } from '@digitfuse/data';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { AnalysisError } from './errors';
import { EXACT_MAX_DIM, pcaFit, pcaProject } from './pca';

describe('pcaFit()', () => {
  // 2,000 points along a unit direction u (standard deviation 3) plus small isotropic noise (0.1).
  const n = 2000;
  const dim = 12;
  const rng = createRng(3);
  const u = Float64Array.from({ length: dim }, () => rng.gaussian());
  const norm = Math.hypot(...u);
  u.forEach((v, d) => (u[d] = v / norm));
  const along = Float64Array.from({ length: n }, () => 3 * rng.gaussian());
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) x[i * dim + d] = 5 + along[i] * u[d] + 0.1 * rng.gaussian();
  const mean = along.reduce((s, v) => s + v, 0) / n;
  const sampleVariance = along.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);

  it('finds the direction of largest variance and its variance', () => {
    const fit = pcaFit(x, n, dim, 3);
    const first = fit.components.subarray(0, dim);
    const dot = first.reduce((s, v, d) => s + v * u[d], 0);
    expect(Math.abs(dot)).toBeGreaterThan(0.999);
    // The noise adds 0.01 on every axis; the first axis carries the signal's variance.
    expect(fit.variances[0]).toBeCloseTo(sampleVariance + 0.01, 1);
    expect(fit.variances[1]).toBeLessThan(0.02);
    expect(fit.variances[1]).toBeGreaterThanOrEqual(fit.variances[2]);
    fit.mean.forEach((m) => expect(Math.abs(m - 5)).toBeLessThan(0.3));
  });

  it('gives orthonormal axes and projections with the axes\' variances', () => {
    const fit = pcaFit(x, n, dim, 3);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const dot = Array.from({ length: dim }, (_, d) => fit.components[a * dim + d] * fit.components[b * dim + d]).reduce((s, v) => s + v, 0);
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 9);
      }
      const column = Array.from({ length: n }, (_, i) => fit.projected[i * 3 + a]);
      expect(column.reduce((s, v) => s + v, 0) / n).toBeCloseTo(0, 9);
      expect(column.reduce((s, v) => s + v * v, 0) / (n - 1)).toBeCloseTo(fit.variances[a], 9);
    }
  });

  it('is deterministic: the same points give the same result', () => {
    expect(pcaFit(x, n, dim, 2)).toEqual(pcaFit(x, n, dim, 2));
  });

  it('names the problem with bad input', () => {
    expect(() => pcaFit([1, 2, 3], 2, 2, 1)).toThrow(AnalysisError);
    expect(() => pcaFit([1, 2, 3], 2, 2, 1)).toThrow('pca: expected 2 x 2 = 4 values, got 3');
    expect(() => pcaProject([1, 2, 3, 4], 2, 2, 0)).toThrow('expected an integer outDims >= 1, got 0');
    expect(() => pcaFit([1, 2, 3], 1, 3, 2)).toThrow(AnalysisError);
    expect(() => pcaFit([1, 2, 3], 1, 3, 2)).toThrow('pca: expected at least 2 points for a sample covariance, got n=1');
  });
});

// Points of correlated dimensions (standard normals times a random dim x dim mixing), so the
// covariance's eigenvalues are distinct and each axis is defined up to its sign: 300 x 16 takes the
// full eigendecomposition, 400 x 300 (above EXACT_MAX_DIM) the Lanczos method.
describe.each([
  { n: 300, dim: 16, k: 6, seed: 11 },
  { n: 400, dim: EXACT_MAX_DIM + 44, k: 20, seed: 12 },
])('pcaFit() against a reference: $n points of $dim dimensions to $k', ({ n, dim, k, seed }) => {
  const rng = createRng(seed);
  const mixing = Float64Array.from({ length: dim * dim }, () => rng.gaussian());
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: dim }, () => rng.gaussian());
    for (let d = 0; d < dim; d++) x[i * dim + d] = 2 - d + z.reduce((s, v, e) => s + v * mixing[e * dim + d], 0);
  }
  // The reference: the covariance computed naively, its eigendecomposition by ml-matrix.
  const mean = Array.from({ length: dim }, (_, d) => Array.from({ length: n }, (_, i) => x[i * dim + d]).reduce((s, v) => s + v, 0) / n);
  const centred = (i: number, d: number) => x[i * dim + d] - mean[d];
  const cov = Matrix.zeros(dim, dim);
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < dim; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += centred(i, a) * centred(i, b);
      cov.set(a, b, s / (n - 1));
    }
  }
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const reference = evd.realEigenvalues
    .map((value, j) => ({ value, vector: evd.eigenvectorMatrix.getColumn(j) }))
    .sort((p, q) => q.value - p.value);
  const fit = pcaFit(x, n, dim, k);
  const axis = (a: number) => Array.from(fit.components.subarray(a * dim, (a + 1) * dim));
  const dot = (u: number[], v: number[]) => u.reduce((s, value, d) => s + value * v[d], 0);
  const largest = reference[0].value;

  it('has the mean, and the top eigenvalues of the sample covariance as variances, largest first', () => {
    expect(fit.outDims).toBe(k);
    fit.mean.forEach((m, d) => expect(m).toBeCloseTo(mean[d], 12));
    for (let a = 0; a < k; a++) {
      expect(Math.abs(fit.variances[a] - reference[a].value)).toBeLessThan(1e-10 * largest);
      if (a > 0) expect(fit.variances[a]).toBeLessThan(fit.variances[a - 1]);
    }
  });

  it('has the eigenvectors as axes (up to sign): orthonormal, and C v = variance * v', () => {
    for (let a = 0; a < k; a++) {
      expect(Math.abs(dot(axis(a), reference[a].vector))).toBeCloseTo(1, 9);
      for (let b = 0; b < k; b++) expect(dot(axis(a), axis(b))).toBeCloseTo(a === b ? 1 : 0, 12);
      const cv = cov.mmul(Matrix.columnVector(axis(a))).getColumn(0);
      cv.forEach((value, d) => expect(Math.abs(value - fit.variances[a] * axis(a)[d])).toBeLessThan(1e-10 * largest));
    }
  });

  it('projects the centred points onto the axes', () => {
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < k; a++) {
        const expected = axis(a).reduce((s, w, d) => s + w * centred(i, d), 0);
        expect(fit.projected[i * k + a]).toBeCloseTo(expected, 10);
      }
    }
  });

  it('signs each axis so that its largest-magnitude component is positive, whatever the row order', () => {
    for (let a = 0; a < k; a++) {
      const v = axis(a);
      const top = v.reduce((best, value, d) => (Math.abs(value) > Math.abs(v[best]) ? d : best), 0);
      expect(v[top]).toBeGreaterThan(0);
    }
    // The same points in reverse order: the covariance differs only by rounding, the signs do not.
    const reversed = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) reversed.set(x.subarray(i * dim, (i + 1) * dim), (n - 1 - i) * dim);
    const again = pcaFit(reversed, n, dim, k);
    again.components.forEach((value, j) => expect(value).toBeCloseTo(fit.components[j], 9));
  });
});

describe('pcaProject()', () => {
  it('keeps pairwise distances of data that lies in a low-dimensional subspace', () => {
    const n = 80;
    const dim = 30;
    const rank = 4;
    const rng = createRng(5);
    const basis = Array.from({ length: rank * dim }, () => rng.gaussian());
    const x = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      const coeffs = Array.from({ length: rank }, () => rng.gaussian() * 3);
      for (let d = 0; d < dim; d++) x[i * dim + d] = 7 + coeffs.reduce((s, c, r) => s + c * basis[r * dim + d], 0);
    }
    const z = pcaProject(x, n, dim, rank);
    const dist = (a: ArrayLike<number>, w: number, i: number, j: number) =>
      Math.sqrt(Array.from({ length: w }, (_, t) => (a[i * w + t] - a[j * w + t]) ** 2).reduce((s, v) => s + v, 0));
    for (const [i, j] of [[0, 1], [5, 70], [33, 34], [2, 79]]) {
      expect(dist(z, rank, i, j)).toBeCloseTo(dist(x, dim, i, j), 6);
    }
  });

  it('keeps pairwise distances of fewer points than dimensions above EXACT_MAX_DIM (rank n - 1 < outDims: the other axes have variance 0)', () => {
    const n = 30;
    const dim = EXACT_MAX_DIM + 100;
    const rng = createRng(6);
    const x = Float64Array.from({ length: n * dim }, (_, j) => (j % dim < 40 ? rng.gaussian() : 0));
    const fit = pcaFit(x, n, dim, 50);
    expect(Array.from(fit.variances.subarray(n - 1)).every((v) => v < 1e-12)).toBe(true);
    expect(fit.variances[n - 2]).toBeGreaterThan(1e-3);
    for (let a = 0; a < 50; a++) {
      for (let b = 0; b < 50; b++) {
        const dot = Array.from({ length: dim }, (_, d) => fit.components[a * dim + d] * fit.components[b * dim + d]).reduce((s, v) => s + v, 0);
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 9);
      }
    }
    const dist = (a: ArrayLike<number>, w: number, i: number, j: number) =>
      Math.sqrt(Array.from({ length: w }, (_, t) => (a[i * w + t] - a[j * w + t]) ** 2).reduce((s, v) => s + v, 0));
    for (const [i, j] of [[0, 1], [5, 29], [12, 13]]) expect(dist(fit.projected, 50, i, j)).toBeCloseTo(dist(x, dim, i, j), 9);
  });

  it('only centres when dim <= outDims', () => {
    expect(Array.from(pcaProject([1, 2, 3, 6], 2, 2, 5))).toEqual([-1, -2, 1, 2]);
  });
});
