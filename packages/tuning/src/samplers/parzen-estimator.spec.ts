import { categoricalDistribution, floatDistribution, intDistribution } from '../distributions';
import { xoshiro128 } from '@digitfuse/core';
import { ParzenEstimator, type ParzenEstimatorOptions } from './parzen-estimator';
import { defaultWeights } from './tpe-sampler';

const options: ParzenEstimatorOptions = {
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: false,
  weights: defaultWeights,
};

describe('ParzenEstimator', () => {
  it('has a density that integrates to 1 on [low, high] (float, linear and log)', () => {
    for (const d of [floatDistribution('x', -2, 3), floatDistribution('x', 1e-3, 10, { log: true })]) {
      const obs = d.log ? [0.01, 0.02, 5] : [-1.5, 0.2, 0.3, 2.9];
      const pe = new ParzenEstimator([Float64Array.from(obs)], [d], options);
      // The density is over the transformed (log) axis; integrate there with the midpoint rule.
      const lo = d.log ? Math.log(d.low) : d.low;
      const hi = d.log ? Math.log(d.high) : d.high;
      const n = 4000;
      const xs = Float64Array.from({ length: n }, (_, i) => lo + ((i + 0.5) * (hi - lo)) / n);
      const pts = d.log ? xs.map(Math.exp) : xs;
      const total = pe.logPdf([pts]).reduce((s, l) => s + Math.exp(l) * ((hi - lo) / n), 0);
      expect(total).toBeCloseTo(1, 3);
    }
  });

  it('has a mass function that sums to 1 over an int grid, and samples on the grid', () => {
    const d = intDistribution('k', 2, 20, { step: 3 });
    const pe = new ParzenEstimator([Float64Array.from([2, 5, 5, 17])], [d], options);
    const grid = Float64Array.from([2, 5, 8, 11, 14, 17, 20]);
    const total = pe.logPdf([grid]).reduce((s, l) => s + Math.exp(l), 0);
    expect(total).toBeCloseTo(1, 5); // narrow intervals use a midpoint rule accurate to ~5e-5
    const samples = pe.sample(xoshiro128(1), 200)[0];
    for (const v of samples) expect(Array.from(grid)).toContain(v);
  });

  it('has a categorical mass function that sums to 1 and favours observed choices', () => {
    const d = categoricalDistribution('c', ['a', 'b', 'c']);
    const pe = new ParzenEstimator([Float64Array.from([1, 1, 1, 0])], [d], options);
    const p = pe.logPdf([Float64Array.from([0, 1, 2])]).map(Math.exp);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 12);
    expect(p[1]).toBeGreaterThan(p[0]);
    expect(p[0]).toBeGreaterThan(p[2]);
  });

  it('keeps samples inside the range, more of them near the observations', () => {
    const d = floatDistribution('x', 0, 100);
    const pe = new ParzenEstimator([Float64Array.from([10, 11, 12, 13])], [d], options);
    const s = pe.sample(xoshiro128(3), 1000)[0];
    expect(Math.min(...s)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...s)).toBeLessThanOrEqual(100);
    const near = s.filter((v) => v < 30).length;
    expect(near).toBeGreaterThan(600);
  });

  it('with no observations is the prior: a wide normal centred on the range', () => {
    const d = floatDistribution('x', 0, 10);
    const pe = new ParzenEstimator([new Float64Array(0)], [d], options);
    const [mid, edge] = pe.logPdf([Float64Array.from([5, 0])]);
    // sigma = 10: the density ratio between the centre and an end is exp(0.5 * 0.25).
    expect(mid - edge).toBeCloseTo(0.125, 10);
  });
});
