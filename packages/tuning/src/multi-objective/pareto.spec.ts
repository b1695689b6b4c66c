import { crowdingDistances } from './crowding-distance';
import { dominates, lossVector, nonDominationRanks, paretoFrontIndices } from './pareto';

describe('dominates() / lossVector()', () => {
  it('needs no worse in every objective and better in one', () => {
    expect(dominates([1, 2], [1, 3])).toBe(true);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    expect(dominates([0, 3], [1, 2])).toBe(false);
    expect(lossVector([1, 2], ['minimize', 'maximize'])).toEqual([1, -2]);
  });
});

describe('nonDominationRanks()', () => {
  const points = [
    [3, 3], // rank 1
    [1, 4], // rank 0
    [2, 2], // rank 0
    [4, 1], // rank 0
    [4, 4], // rank 2
    [2, 2], // rank 0 (a duplicate shares the rank)
  ];

  it('peels the fronts one by one', () => {
    expect(nonDominationRanks(points)).toEqual([1, 0, 0, 0, 2, 0]);
    expect(paretoFrontIndices(points)).toEqual([1, 2, 3, 5]);
  });

  it('stops once nBelow points are ranked, giving the rest the next rank', () => {
    expect(nonDominationRanks(points, 2)).toEqual([1, 0, 0, 0, 1, 0]);
  });

  it('ranks one objective by value', () => {
    expect(nonDominationRanks([[3], [1], [2], [1]])).toEqual([2, 0, 1, 0]);
  });
});

describe('crowdingDistances()', () => {
  it('gives the extremes infinity and inner points their normalised neighbour gaps', () => {
    const d = crowdingDistances([
      [0, 4],
      [1, 2],
      [2, 1],
      [4, 0],
    ]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    expect(d[1]).toBeCloseTo(2 / 4 + 3 / 4, 12);
    expect(d[2]).toBeCloseTo(3 / 4 + 2 / 4, 12);
  });
});
