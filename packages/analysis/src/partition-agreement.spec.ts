import { AnalysisError } from './errors';
import { adjustedRandIndex, matchClustersToLabels, normalizedMutualInfo } from './partition-agreement';
import { createRng } from '@digitfuse/data';

describe('adjustedRandIndex()', () => {
  it('matches the hand-computed value for a small example', () => {
    // Contingency [[2,0,0],[0,1,1]]: index 1, expected 2*1/6, max 1.5 -> (2/3)/(7/6) = 4/7.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(4 / 7, 12);
  });

  it('is 1 for identical partitions and for renamed labels', () => {
    const a = [0, 0, 1, 1, 2, 2, 2, 3];
    expect(adjustedRandIndex(a, a)).toBe(1);
    expect(adjustedRandIndex(a, a.map((v) => [7, 3, 9, 1][v]))).toBeCloseTo(1, 12);
  });

  it('is symmetric and about 0 for independent partitions', () => {
    const rng = createRng(3);
    const a = Array.from({ length: 5000 }, () => rng.int(10));
    const b = Array.from({ length: 5000 }, () => rng.int(10));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.01);
    expect(adjustedRandIndex(a, b)).toBeCloseTo(adjustedRandIndex(b, a), 12);
  });

  it('goes negative for partitions that disagree more than chance', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
  });

  it('rejects labelings of different lengths', () => {
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(AnalysisError);
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow('differ in length (2 vs 1)');
  });
});

describe('normalizedMutualInfo()', () => {
  it('matches the hand-computed value for a small example', () => {
    // H(a) = ln 2, H(b) = 1.5 ln 2, MI = ln 2 -> ln 2 / (1.25 ln 2) = 0.8.
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.8, 12);
  });

  it('is 1 for identical partitions and for renamed labels', () => {
    const a = Int32Array.from([0, 0, 1, 1, 2, 2, 2, 3]);
    expect(normalizedMutualInfo(a, a)).toBeCloseTo(1, 12);
    expect(normalizedMutualInfo(a, a.map((v) => 10 - v))).toBeCloseTo(1, 12);
  });

  it('is about 0 for independent partitions and 0 against a constant one', () => {
    const rng = createRng(4);
    const a = Array.from({ length: 5000 }, () => rng.int(10));
    const b = Array.from({ length: 5000 }, () => rng.int(10));
    expect(normalizedMutualInfo(a, b)).toBeLessThan(0.01);
    expect(normalizedMutualInfo(a, new Array(5000).fill(0))).toBe(0);
  });
});

describe('matchClustersToLabels()', () => {
  it('renames clusters to their best-matching labels', () => {
    const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const clusters = [5, 5, 5, 3, 3, 8, 8, 8, 8];
    expect(Array.from(matchClustersToLabels(clusters, labels))).toEqual([0, 0, 0, 1, 1, 2, 2, 2, 2]);
  });

  it('numbers clusters left over after the labels', () => {
    expect(Array.from(matchClustersToLabels([0, 1, 2, 2], [4, 4, 4, 4]))).toEqual([5, 6, 4, 4]);
  });
});
