import { createRng } from '@digitfuse/data';
import { conditionalProbabilities, nearestNeighbours, symmetricAffinities } from './tsne-affinities';

function randomPoints(n: number, dim: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n * dim }, () => rng.gaussian());
}

describe('nearestNeighbours()', () => {
  it('finds the same neighbours as a brute-force sort, nearest first', () => {
    const n = 60;
    const dim = 4;
    const k = 7;
    const x = randomPoints(n, dim, 1);
    const { indices, distances } = nearestNeighbours(x, n, dim, k);
    for (let i = 0; i < n; i++) {
      const all = Array.from({ length: n }, (_, j) => j)
        .filter((j) => j !== i)
        .map((j) => ({ j, d: Array.from({ length: dim }, (_, t) => (x[i * dim + t] - x[j * dim + t]) ** 2).reduce((a, b) => a + b, 0) }))
        .sort((a, b) => a.d - b.d);
      expect(Array.from(indices.subarray(i * k, i * k + k))).toEqual(all.slice(0, k).map((e) => e.j));
      all.slice(0, k).forEach((e, t) => expect(distances[i * k + t]).toBeCloseTo(e.d, 9));
    }
  });
});

describe('conditionalProbabilities()', () => {
  it('gives rows summing to 1 with entropy log(perplexity)', () => {
    const n = 50;
    const k = 30;
    const x = randomPoints(n, 5, 2);
    const { distances } = nearestNeighbours(x, n, 5, k);
    const p = conditionalProbabilities(distances, n, k, 10);
    for (let i = 0; i < n; i++) {
      const row = Array.from(p.subarray(i * k, i * k + k));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      const entropy = -row.reduce((s, v) => (v > 0 ? s + v * Math.log(v) : s), 0);
      expect(entropy).toBeCloseTo(Math.log(10), 3);
    }
  });
});

describe('symmetricAffinities()', () => {
  it('is symmetric and sums to 1', () => {
    const n = 40;
    const k = 6;
    const x = randomPoints(n, 3, 3);
    const { indices, distances } = nearestNeighbours(x, n, 3, k);
    const P = symmetricAffinities(indices, conditionalProbabilities(distances, n, k, 2), n, k);
    const dense = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let e = P.rowPtr[i]; e < P.rowPtr[i + 1]; e++) dense[i * n + P.cols[e]] = P.values[e];
    let total = 0;
    for (let i = 0; i < n; i++) {
      expect(dense[i * n + i]).toBe(0);
      for (let j = 0; j < n; j++) {
        expect(dense[i * n + j]).toBeCloseTo(dense[j * n + i], 15);
        total += dense[i * n + j];
      }
    }
    expect(total).toBeCloseTo(1, 12);
  });
});
