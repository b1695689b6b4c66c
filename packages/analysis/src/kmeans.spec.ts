import { AnalysisError } from './errors';
import { kmeans, kmeansFit } from './kmeans';
import { adjustedRandIndex } from './partition-agreement';
import { gaussianBlobs } from './testing';

describe('kmeans()', () => {
  const { points, labels } = gaussianBlobs(400, 2, 8, 11, { separation: 30, spread: 1 });

  it('recovers well-separated blobs', () => {
    expect(adjustedRandIndex(kmeans(points, 400, 8, 0), labels)).toBeGreaterThan(0.99);
  });

  it('gives the same clusters for the same seed', () => {
    const { points: noisy } = gaussianBlobs(300, 2, 3, 5, { separation: 1, spread: 1 });
    expect(Array.from(kmeans(noisy, 300, 10, 42))).toEqual(Array.from(kmeans(noisy, 300, 10, 42)));
  });

  it('returns assignments in [0, k) and does not increase inertia with more restarts', () => {
    const { points: noisy } = gaussianBlobs(300, 2, 3, 5, { separation: 1, spread: 1 });
    const one = kmeansFit(noisy, 300, 10, 1, { restarts: 1 });
    const many = kmeansFit(noisy, 300, 10, 1, { restarts: 10 });
    expect(many.inertia).toBeLessThanOrEqual(one.inertia);
    expect(Math.min(...many.assignments)).toBe(0);
    expect(Math.max(...many.assignments)).toBe(9);
  });

  it('clusters points of any dimension', () => {
    const blobs = gaussianBlobs(200, 5, 4, 2, { separation: 20 });
    expect(adjustedRandIndex(kmeans(blobs.points, 200, 4, 0, { dim: 5 }), blobs.labels)).toBeGreaterThan(0.99);
  });

  it('clusters identical points without failing', () => {
    const same = kmeansFit(new Float32Array(2 * 20).fill(3), 20, 3, 0);
    expect(same.inertia).toBe(0);
    expect(same.assignments.every((c) => c >= 0 && c < 3)).toBe(true);
  });

  it('rejects a k larger than n and mismatched lengths', () => {
    expect(() => kmeans(new Float32Array(6), 3, 4)).toThrow(AnalysisError);
    expect(() => kmeans(new Float32Array(6), 3, 4)).toThrow('integer k in [1, n=3], got 4');
    expect(() => kmeans(new Float32Array(5), 3, 2)).toThrow('expected 3 x 2 = 6 values, got 5');
  });
});
