import { logErfc, logNdtr, logNormalMass, ndtr, ndtri, truncnormPpf } from './truncnorm';

describe('ndtr() / logNdtr()', () => {
  it('matches known values of the normal CDF', () => {
    expect(ndtr(0)).toBeCloseTo(0.5, 15);
    expect(ndtr(1.959963984540054)).toBeCloseTo(0.975, 12);
    expect(ndtr(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(ndtr(-3.5)).toBeCloseTo(2.3262907903552504e-4, 15);
  });

  it('stays finite and accurate deep in the lower tail', () => {
    // log Phi(-40) = -804.608442013754 (mpmath).
    expect(logNdtr(-40)).toBeCloseTo(-804.608442013754, 8);
    expect(Number.isFinite(logErfc(30))).toBe(true);
  });
});

describe('ndtri()', () => {
  it('inverts ndtr from the tails to the centre', () => {
    for (const z of [-8, -5, -2.5, -1, -0.1, 0, 0.3, 1.7, 4, 5]) {
      expect(ndtri(ndtr(z))).toBeCloseTo(z, 7);
    }
  });
});

describe('logNormalMass()', () => {
  it('equals log(Phi(b) - Phi(a)) in the body and stays finite in a far tail', () => {
    expect(logNormalMass(-1, 1)).toBeCloseTo(Math.log(0.6826894921370859), 12);
    expect(logNormalMass(2, 3)).toBeCloseTo(Math.log(ndtr(3) - ndtr(2)), 10);
    const far = logNormalMass(50, 50.01);
    expect(Number.isFinite(far)).toBe(true);
    // Midpoint rule: log(pdf(50.005) * 0.01), whose error here is about 0.01.
    expect(far).toBeCloseTo(-0.5 * 50.005 ** 2 - 0.5 * Math.log(2 * Math.PI) + Math.log(0.01), 1);
  });
});

describe('truncnormPpf()', () => {
  it('maps uniform draws into [a, b] with the right median', () => {
    expect(truncnormPpf(0.5, -1, 1)).toBeCloseTo(0, 10);
    for (const u of [0, 0.01, 0.5, 0.99, 0.999999]) {
      const z = truncnormPpf(u, 0.5, 2);
      expect(z).toBeGreaterThanOrEqual(0.5);
      expect(z).toBeLessThanOrEqual(2);
    }
    // Median of N(0,1) truncated to [0.5, 2].
    const pa = ndtr(0.5);
    const pb = ndtr(2);
    expect(ndtr(truncnormPpf(0.5, 0.5, 2))).toBeCloseTo((pa + pb) / 2, 10);
  });
});
