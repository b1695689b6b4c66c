import { ConfigError } from '../errors';
import { xoshiro128, type Rng } from '@digitfuse/core';
import { selectByHypervolume, referencePoint } from './hssp';
import { hypervolume } from './hypervolume';

/** Hypervolume by inclusion-exclusion over every subset (exact, exponential; a check for small sets). */
function bruteForce(points: number[][], ref: number[]): number {
  let total = 0;
  for (let mask = 1; mask < 1 << points.length; mask++) {
    const corner = ref.map(() => -Infinity);
    let size = 0;
    points.forEach((p, i) => {
      if (mask & (1 << i)) {
        size++;
        p.forEach((v, k) => (corner[k] = Math.max(corner[k], v)));
      }
    });
    total += (size % 2 === 1 ? 1 : -1) * ref.reduce((acc, r, k) => acc * (r - corner[k]), 1);
  }
  return total;
}

function randomPoints(rng: Rng, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.next()));
}

describe('hypervolume()', () => {
  it('is the box volume for one point and 0 for none', () => {
    expect(hypervolume([[1, 2]], [3, 5])).toBe(6);
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBe(6);
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it('measures a 2-D staircase exactly, ignoring dominated and duplicate points', () => {
    // Front (1,3), (2,2), (3,1) against (4,4): 3x1 + 2x1 + 1x1 = 6.
    const front = [
      [1, 3],
      [2, 2],
      [3, 1],
    ];
    expect(hypervolume(front, [4, 4])).toBeCloseTo(6, 12);
    expect(hypervolume([...front, [3, 3], [2, 2], [3.5, 3.5]], [4, 4])).toBeCloseTo(6, 12);
  });

  it('matches the integral of the ZDT1 front f2 = 1 - sqrt(f1) when densely sampled', () => {
    const n = 2000;
    const front = Array.from({ length: n + 1 }, (_, i) => [i / n, 1 - Math.sqrt(i / n)]);
    // Against (1, 1) the dominated area is 1 - integral of (1 - sqrt x) = 2/3, less the staircase's gaps (< 1/n).
    expect(hypervolume(front, [1, 1])).toBeGreaterThan(2 / 3 - 1 / n);
    expect(hypervolume(front, [1, 1])).toBeLessThanOrEqual(2 / 3);
  });

  it.each([2, 3, 4, 5])('agrees with inclusion-exclusion on random sets in %i dimensions', (d) => {
    const rng = xoshiro128(d);
    for (let rep = 0; rep < 5; rep++) {
      const points = randomPoints(rng, 9, d);
      const ref = Array.from({ length: d }, () => 1.2);
      expect(hypervolume(points, ref)).toBeCloseTo(bruteForce(points, ref), 10);
    }
  });

  it('rejects a point outside the reference point, naming it', () => {
    expect(() => hypervolume([[0.5, 2]], [1, 1])).toThrow(ConfigError);
    expect(() => hypervolume([[0.5, 2]], [1, 1])).toThrow('point 0 [0.5, 2] is not within the reference point [1, 1] (objective 1)');
  });
});

describe('selectByHypervolume()', () => {
  it('picks greedily by hypervolume contribution: the knee first, then the extremes', () => {
    const points = [
      [0, 1],
      [0.2, 0.2],
      [1, 0],
      [0.5, 0.6],
    ];
    expect(selectByHypervolume(points, 1, [1.1, 1.1])).toEqual([1]);
    expect(new Set(selectByHypervolume(points, 3, [1.1, 1.1]))).toEqual(new Set([0, 1, 2]));
  });

  it('takes each distinct point before any duplicate', () => {
    const points = [
      [1, 1],
      [1, 1],
      [0, 2],
    ];
    expect(selectByHypervolume(points, 2, [3, 3]).sort()).toEqual([0, 2]);
    expect(selectByHypervolume(points, 3, [3, 3])).toEqual([0, 1, 2]);
  });

  it('uses 1.1 x the worst value as the reference point (0.9 x when negative)', () => {
    expect(
      referencePoint([
        [1, -2],
        [2, -4],
      ]),
    ).toEqual([2.2, -1.8]);
  });
});
