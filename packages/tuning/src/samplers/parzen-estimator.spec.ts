import { categoricalDistribution, floatDistribution, intDistribution } from '../distributions';
import { xoshiro128 } from '@digitfuse/core';
import { neighbourGapBandwidths, ParzenEstimator, type ParzenEstimatorOptions } from './parzen-estimator';
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

  it("gives Optuna 5.0.0's log density for the same observations (values computed with optuna's _ParzenEstimator)", () => {
    // Three dimensions (linear float, log float, log int), 30 observations: the weights ramp, the
    // magic clip and the neighbour-gap bandwidths all take part; no tied values (their order is unspecified).
    const space = [floatDistribution('a', 0, 1), floatDistribution('b', 1e-4, 1e-2, { log: true }), intDistribution('c', 16, 256, { log: true })];
    const i = Array.from({ length: 30 }, (_, k) => k);
    const obs = [
      Float64Array.from(i, (k) => (k * 0.6180339887) % 1),
      Float64Array.from(i, (k) => 1e-4 * 100 ** ((k * 0.4142135) % 1)),
      Float64Array.from(i, (k) => 16 + ((k * 37) % 241)),
    ];
    const pts = [Float64Array.from([0, 0.25, 0.5, 0.9, 1]), Float64Array.from([1e-4, 3e-4, 1e-3, 5e-3, 1e-2]), Float64Array.from([16, 40, 100, 200, 256])];
    const joint = [-4.594936873083175, -7.27568554559954, -10.404781134493033, -8.539042435629053, -11.708582952158581];
    const got = new ParzenEstimator(obs, space, options).logPdf(pts);
    // 1e-4: discrete cells use a midpoint rule accurate to ~5e-5 (relative) where Optuna integrates exactly.
    joint.forEach((v, k) => expect(got[k]).toBeCloseTo(v, 4));
    const single = [
      [0.4577621462921687, -0.14813036795015755, -0.1204989094906781, -0.2817098934782245, -0.8229568495654266],
      [-1.0864613814341189, -1.4342347728904674, -1.476079643695945, -1.9325055786148595, -2.5245886640247552],
      [-4.615166059575685, -5.33875403075288, -5.516750159923438, -5.585818069464933, -6.094148613455826],
    ];
    space.forEach((d, dim) => {
      const one = new ParzenEstimator([obs[dim].subarray(0, 7)], [d], options).logPdf([pts[dim]]);
      single[dim].forEach((v, k) => expect(one[k]).toBeCloseTo(v, 4));
    });
  });
});

describe('neighbourGapBandwidths', () => {
  it("gives each observation the larger gap to its sorted neighbours, clipped (Optuna 5's rule)", () => {
    const mus = Float64Array.from([0.5, 0.1, 0.4]);
    const rounded = (s: Float64Array): number[] => Array.from(s).map((v) => +v.toFixed(12));
    // Sorted 0.1, 0.4, 0.5 on [0, 1]: gaps 0.1|0.3, 0.3|0.1, 0.1|0.5; the outer ones use their inner gap.
    expect(rounded(neighbourGapBandwidths(mus, 0, 1, { ...options, considerMagicClip: false }))).toEqual([0.1, 0.3, 0.3]);
    // With the clip, at least 1 / 5 (3 observations and the prior: (high - low) / min(100, 1 + 4)).
    expect(rounded(neighbourGapBandwidths(mus, 0, 1, options))).toEqual([0.2, 0.3, 0.3]);
  });

  it('spreads the wide bandwidths of equal values over different observations in different dimensions', () => {
    // Twelve observations with the same values in each of 6 dimensions: a run of eight equal values
    // (0.5) between 0.2 and 0.8. Only the two ends of the run get a gap (0.3); the others the floor.
    const values = Float64Array.from([0.2, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.8, 0.2, 0.8]);
    const wide = Array.from({ length: 6 }, (_, dim) => {
      const s = neighbourGapBandwidths(values, 0, 1, options, dim);
      return [...s.keys()].filter((i) => values[i] === 0.5 && s[i] > 0.25);
    });
    for (const w of wide) expect(w).toHaveLength(2);
    // Ordered by age, observations 1 and 8 got both in every dimension, so their product kernels were
    // wide everywhere and the others narrow everywhere. Now the pairs differ between dimensions.
    expect(new Set(wide.map((w) => w.join(','))).size).toBeGreaterThan(3);
  });
});
