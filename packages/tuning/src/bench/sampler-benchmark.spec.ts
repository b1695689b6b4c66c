import { runScript } from '@digitfuse/core/testing';
import type { FrozenTrial } from '../trial-state';
import { meanSpread } from './sampler-benchmark';
import { geometricMeanRatio } from './stats';

/** Trials with the given x in [0, 10] and y in [0, 1] (log-free) or u in [1, 100] (log): only what meanSpread reads. */
function trialsAt(points: Array<Record<string, number>>): FrozenTrial[] {
  const distributions = {
    x: { type: 'float', low: 0, high: 10, log: false },
    y: { type: 'float', low: 0, high: 1, log: false },
    u: { type: 'float', low: 1, high: 100, log: true },
  } as const;
  return points.map((params) => ({ params, distributions }) as unknown as FrozenTrial);
}

describe('geometricMeanRatio', () => {
  it('is the exp of the difference of mean logs, with a 90% normal interval', () => {
    const a = [Math.E, Math.E ** 3];
    const b = [1, 1];
    const g = geometricMeanRatio(a, b);
    // mean logs 2 and 0; sample variance of [1, 3] is 2, of b 0: standard error sqrt(2 / 2) = 1.
    expect(g.ratio).toBeCloseTo(Math.E ** 2, 12);
    expect(g.low).toBeCloseTo(Math.E ** (2 - 1.6448536269514722), 12);
    expect(g.high).toBeCloseTo(Math.E ** (2 + 1.6448536269514722), 12);
    expect(geometricMeanRatio(b, a).ratio).toBeCloseTo(Math.E ** -2, 12);
  });

  it('counts a regret of 0 as 1e-12 instead of giving NaN', () => {
    const g = geometricMeanRatio([0, 1e-12], [1e-12, 1e-12]);
    expect(g.ratio).toBeCloseTo(1, 12);
  });
});

describe('meanSpread', () => {
  it('averages the distance to the nearest running trial, in range units, from the first TPE trial on', () => {
    // 2 lanes, no start-up: trial i is asked while trial i - 1 runs.
    const trials = trialsAt([
      { x: 0, y: 0 },
      { x: 10, y: 0 }, // 1 range away from trial 0
      { x: 10, y: 0.5 }, // 0.5 from trial 1
    ]);
    expect(meanSpread(trials, 2, 0)).toBeCloseTo((1 + 0.5) / 2, 12);
    // 3 lanes: trial 2 sees trials 0 and 1 running; the nearer (trial 1) counts.
    expect(meanSpread(trials, 3, 0)).toBeCloseTo(0.5, 12);
    // The start-up's trials are left out: with nStartupTrials 1 and 2 lanes only trial 2 counts.
    expect(meanSpread(trials, 2, 1)).toBeCloseTo(0.5, 12);
  });

  it('scales log parameters in log space', () => {
    const trials = trialsAt([{ u: 1 }, { u: 10 }]);
    expect(meanSpread(trials, 2, 0)).toBeCloseTo(0.5, 12);
  });
});

describe('digitfuse bench samplers (spawned)', () => {
  const script = 'packages/tuning/src/bench/sampler-benchmark.ts';

  it('prints the tables and the liar lines with the spread, from the seed asked for', () => {
    const r = runScript(script, ['--seeds', '2', '--first-seed', '5', '--trials', '16', '--checkpoints', '8,16', '--functions', 'branin', '--samplers', 'tpe,tpe-liar,tpe-no-liar', '--zdt-seeds', '0', '--no-optuna']);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('2 seeds x 16 trials (from seed 5)');
    expect(r.stdout).toMatch(/\| tpe-liar \(4 workers\) \| ours \| [\d.]+ \[/);
    expect(r.stdout).toMatch(/branin, ours: 4 workers, constant liar on [\d.]+ vs off [\d.]+ .*geometric means [\d.]+ \[[\d.]+, [\d.]+\].*distance to the nearest running trial [\d.]+ vs [\d.]+/);
  });

  it('refuses a negative --first-seed in one line', () => {
    const r = runScript(script, ['--first-seed', '-1', '--no-optuna']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--first-seed: expected an integer >= 0, got -1');
  });
});
