import { AnalysisError } from './errors';
import { gaussianBlobs } from './testing';
import { tsne } from './tsne';

/** Share of points whose 5 nearest neighbours in 2-D are mostly of their own label. */
function knnAgreement(y: Float32Array, labels: Int32Array, k = 5): number {
  const n = labels.length;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    const near = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .map((j) => ({ j, d: (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2 }))
      .sort((a, b) => a.d - b.d)
      .slice(0, k);
    if (near.filter((e) => labels[e.j] === labels[i]).length > k / 2) agree++;
  }
  return agree / n;
}

describe('tsne()', () => {
  // 5 blobs in 60-D: close enough that a random 2-D projection mixes them, far enough to separate.
  const { points, labels } = gaussianBlobs(250, 60, 5, 7, { separation: 0.8, spread: 1 });

  it('separates well-separated Gaussian blobs (kNN label agreement in 2-D > 0.95)', () => {
    const y = tsne(points, 250, 60, { seed: 1, perplexity: 20, iterations: 500, pcaDims: 20 });
    expect(y).toHaveLength(500);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(knnAgreement(y, labels)).toBeGreaterThan(0.95);
  });

  it('separates them with exact gradients too (theta 0)', () => {
    const y = tsne(points.subarray(0, 150 * 60), 150, 60, { seed: 1, perplexity: 15, iterations: 500, theta: 0 });
    expect(knnAgreement(y, labels.subarray(0, 150))).toBeGreaterThan(0.95);
  });

  it('is deterministic by seed', () => {
    const options = { perplexity: 10, iterations: 120 };
    const a = tsne(points.subarray(0, 100 * 60), 100, 60, { ...options, seed: 3 });
    const b = tsne(points.subarray(0, 100 * 60), 100, 60, { ...options, seed: 3 });
    const c = tsne(points.subarray(0, 100 * 60), 100, 60, { ...options, seed: 4 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('handles tiny inputs by lowering the perplexity', () => {
    expect(Array.from(tsne([1, 2], 1, 2))).toEqual([0, 0]);
    const y = tsne([0, 0, 1, 1, 5, 5, 6, 6, 0, 1], 5, 2, { iterations: 50 });
    expect(y.every(Number.isFinite)).toBe(true);
  });

  it('names the problem with bad input', () => {
    expect(() => tsne([1, 2, 3], 2, 2)).toThrow(AnalysisError);
    expect(() => tsne([1, 2, 3], 2, 2)).toThrow('expected 2 x 2 = 4 values, got 3');
    expect(() => tsne([1, NaN, 3, 4], 2, 2)).toThrow('value 1 (row 0) is NaN');
  });
});
