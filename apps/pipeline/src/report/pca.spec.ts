import { pcaProject } from './pca';
import { createRng } from '@digitfuse/data';

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
    const z = pcaProject(x, n, dim, rank, 1);
    const dist = (a: ArrayLike<number>, w: number, i: number, j: number) =>
      Math.sqrt(Array.from({ length: w }, (_, t) => (a[i * w + t] - a[j * w + t]) ** 2).reduce((s, v) => s + v, 0));
    for (const [i, j] of [[0, 1], [5, 70], [33, 34], [2, 79]]) {
      expect(dist(z, rank, i, j)).toBeCloseTo(dist(x, dim, i, j), 6);
    }
  });

  it('is deterministic for a seed and only centres when dim <= outDims', () => {
    const x = Float64Array.from({ length: 40 * 10 }, (_, i) => Math.sin(i * 1.7) * 3 + (i % 10));
    expect(Array.from(pcaProject(x, 40, 10, 3, 2))).toEqual(Array.from(pcaProject(x, 40, 10, 3, 2)));
    const centred = pcaProject([1, 2, 3, 6], 2, 2, 5);
    expect(Array.from(centred)).toEqual([-1, -2, 1, 2]);
  });
});
