import { createRng } from '@digitfuse/data';
import { AnalysisError } from './errors';
import { pcaFit, pcaProject } from './pca';

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

  it('only centres when dim <= outDims', () => {
    expect(Array.from(pcaProject([1, 2, 3, 6], 2, 2, 5))).toEqual([-1, -2, 1, 2]);
  });
});
