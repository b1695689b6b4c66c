import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '@digitfuse/core/testing';
import type { FrozenTrial } from '../trial-state';
import { HARTMANN6_GRID_MIN, PIPELINE_CATEGORICAL_MIN, PIPELINE_CHOICES, hartmann6Value, pipelineBowlValue } from './bench-functions';
import { meanSpread } from './sampler-benchmark';
import { geometricMeanRatio } from './stats';

/** Trials with x in [0, 10], y in [0, 1], u in [1, 100] (log) or c one of a, b, c: only what meanSpread reads. */
function trialsAt(points: Array<Record<string, number | string>>): FrozenTrial[] {
  const all = {
    x: { type: 'float', low: 0, high: 10, log: false },
    y: { type: 'float', low: 0, high: 1, log: false },
    u: { type: 'float', low: 1, high: 100, log: true },
    c: { type: 'categorical', choices: ['a', 'b', 'c'] },
  } as const;
  return points.map((params) => ({ params, distributions: Object.fromEntries(Object.keys(params).map((k) => [k, all[k as keyof typeof all]])) }) as unknown as FrozenTrial);
}

describe('geometricMeanRatio', () => {
  it('is the exp of the difference of mean logs, with a 90% normal interval', () => {
    const a = [Math.E, Math.E ** 3];
    const b = [1, 1];
    const g = geometricMeanRatio(a, b)!;
    // mean logs 2 and 0; sample variance of [1, 3] is 2, of b 0: standard error sqrt(2 / 2) = 1.
    expect(g.ratio).toBeCloseTo(Math.E ** 2, 12);
    expect(g.low).toBeCloseTo(Math.E ** (2 - 1.6448536269514722), 12);
    expect(g.high).toBeCloseTo(Math.E ** (2 + 1.6448536269514722), 12);
    expect(geometricMeanRatio(b, a)!.ratio).toBeCloseTo(Math.E ** -2, 12);
  });

  it('is not given when a study found the optimum exactly (a regret of 0)', () => {
    expect(geometricMeanRatio([0, 0.5], [0.5, 0.5])).toBeUndefined();
    expect(geometricMeanRatio([0.5, 0.5], [0.5, 0])).toBeUndefined();
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

  it('scales log parameters in log space and counts a different categorical choice as 1', () => {
    expect(meanSpread(trialsAt([{ u: 1 }, { u: 10 }]), 2, 0)).toBeCloseTo(0.5, 12);
    expect(meanSpread(trialsAt([{ c: 'a', y: 0 }, { c: 'b', y: 0 }, { c: 'b', y: 0 }]), 2, 0)).toBeCloseTo(0.5, 12);
  });
});

describe('the discrete bench functions', () => {
  it("know their grid's least value (brute force)", () => {
    const grid = Array.from({ length: 11 }, (_, i) => i / 10);
    let h6 = Number.POSITIVE_INFINITY;
    const x = [0, 0, 0, 0, 0, 0];
    const walk = (d: number): void => {
      if (d === 6) h6 = Math.min(h6, hartmann6Value(x));
      else {
        for (const v of grid) {
          x[d] = v;
          walk(d + 1);
        }
      }
    };
    walk(0);
    expect(h6).toBe(HARTMANN6_GRID_MIN);
    // The filters' terms do not interact with the rest or each other: each filter on its own choice.
    const c = PIPELINE_CHOICES;
    let bowl = Number.POSITIVE_INFINITY;
    const f = [16, 16, 16, 16, 16, 16];
    const value = (i: number, v: number): number => pipelineBowlValue(Object.assign([...f], { [i]: v }), 128, 0.25, 10 ** -2.7);
    for (let i = 0; i < 6; i++) f[i] = c.filters.reduce((b, v) => (value(i, v) < value(i, b) ? v : b));
    for (const u of c.units) for (const d of c.dropout) for (const lr of c.learningRate) bowl = Math.min(bowl, pipelineBowlValue(f, u, d, lr));
    expect(bowl).toBeCloseTo(PIPELINE_CATEGORICAL_MIN, 14);
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
    expect(r.stdout).toMatch(/\nTargets:\n- branin, ours: 4 workers, constant liar on [\d.]+ vs off [\d.]+ .*geometric means [\d.]+ \[[\d.]+, [\d.]+\].*distance to the nearest running trial [\d.]+ vs [\d.]+/);
  });

  it('draws TPE with --ei-candidates candidates (the same seeds end elsewhere than with the default 24)', () => {
    const args = ['--seeds', '3', '--trials', '30', '--checkpoints', '30', '--functions', 'hartmann6', '--samplers', 'tpe', '--zdt-seeds', '0', '--no-optuna'];
    const tpeRow = (stdout: string): string => (stdout.match(/^\| tpe \| ours \| ([\d.]+ \[[\d.]+, [\d.]+\]) \|/m) ?? [])[1] ?? 'no row';
    const byDefault = runScript(script, args);
    const more = runScript(script, [...args, '--ei-candidates', '96']);
    expect(byDefault.status).toBe(0);
    expect(more.status).toBe(0);
    expect(byDefault.stdout).not.toContain('candidates per draw');
    expect(more.stdout).toContain('TPE with 96 candidates per draw (default 24)');
    expect(tpeRow(more.stdout)).toMatch(/^[\d.]+ \[/);
    expect(tpeRow(more.stdout)).not.toBe(tpeRow(byDefault.stdout));
  });

  it('reports at --trials when it is below the default checkpoints, and runs no ZDT1 with --zdt-seeds 0', () => {
    const r = runScript(script, ['--seeds', '2', '--trials', '20', '--functions', 'branin', '--samplers', 'random', '--zdt-seeds', '0', '--no-optuna']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| sampler | library | @20 | CPU ms/trial |');
    expect(r.stderr).toContain('ours branin random done');
    expect(r.stderr).not.toContain('zdt1');
    // Neither Optuna nor the liar pair: no verdict to give, so no 'Targets:' heading over nothing.
    expect(r.stdout).not.toContain('Targets:');
  });

  describe('refuses, in one line and before running anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-samplers-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    it.each([
      [['--ei-candidates', '0'], 2, 'Expected --ei-candidates to be a positive integer, found 0'],
      [['--first-seed', '-1'], 2, 'Expected --first-seed to be a non-negative integer, found -1'],
      [['--zdt-dims', '1'], 2, 'Expected --zdt-dims to be an integer >= 2 (ZDT1 has at least two variables), found 1'],
      [['--functions', 'branin,,'], 2, 'Expected --functions to be a comma-separated list of some of branin, hartmann6, pipeline, hartmann6-grid, pipeline-categorical, found an empty entry in `branin,,`'],
      [['--samplers', 'tpe,bogus'], 2, 'Expected --samplers to list some of random, tpe-independent, tpe, tpe-liar, tpe-no-liar, found `bogus`'],
      [['--trials', '20', '--checkpoints', '10,5'], 2, 'Expected --checkpoints to be increasing integers from 1 to 20 (--trials), found `10,5`'],
      [['--json', dir], 1, `Expected \`--json ${dir}\` to be a file to write, found a folder there; nothing was written`],
      [['--optuna-json', join(dir, 'missing.json')], 1, `Expected --optuna-json \`${join(dir, 'missing.json')}\` to be the JSON file of an earlier --json run, found no such file`],
      [['--optuna-json', file('bad.json', '{bad')], 1, `Expected --optuna-json \`${join(dir, 'bad.json')}\` to be the JSON file of an earlier --json run, found text that is not JSON`],
      [['--optuna-json', file('five.json', '{"optuna": 5}')], 1, `Expected --optuna-json \`${join(dir, 'five.json')}\` to hold Optuna's results`],
    ])('%j', (args, status, message) => {
      const r = runScript(script, [...args, '--seeds', '1', '--no-optuna']);
      expect({ status: r.status, lines: r.stderr.trim().split('\n'), stdout: r.stdout }).toEqual({ status, lines: [expect.stringContaining(`error: ${message}`)], stdout: '' });
    });
  });
});
