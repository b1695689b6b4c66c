import { RandomSampler } from '../samplers/random-sampler';
import { createStudy, type Study } from '../study';
import type { Direction } from '../trial-state';
import { HyperbandPruner } from './hyperband-pruner';
import { MedianPruner } from './median-pruner';
import { NopPruner } from './nop-pruner';
import type { Pruner } from './pruner';
import { SuccessiveHalvingPruner } from './successive-halving-pruner';

async function studyWith(pruner: Pruner, direction: Direction = 'minimize', name = 'p'): Promise<Study> {
  return await createStudy({ name, direction, pruner, sampler: new RandomSampler({ seed: 0 }) });
}

/** Adds a COMPLETE trial that reported `curve[step]` at each step. */
async function complete(study: Study, curve: readonly number[]): Promise<void> {
  const t = await study.ask();
  curve.forEach((v, step) => t.report(v, step));
  await study.tell(t, curve[curve.length - 1]);
}

/** Starts a trial, reports `curve`, returns shouldPrune() after the last report (the trial stays RUNNING). */
async function pruneAfter(study: Study, curve: readonly (number | undefined)[]): Promise<boolean> {
  const t = await study.ask();
  curve.forEach((v, step) => v !== undefined && t.report(v, step));
  return t.shouldPrune();
}

describe('MedianPruner', () => {
  const fiveTrials = async (study: Study): Promise<void> => {
    for (let i = 1; i <= 5; i++) await complete(study, [i, i, i, i, i]);
  };

  it('prunes a trial worse than the median of COMPLETE trials at the same step', async () => {
    const study = await studyWith(new MedianPruner());
    await fiveTrials(study);
    expect(await pruneAfter(study, [3.5])).toBe(true);
    expect(await pruneAfter(study, [2.5])).toBe(false);
    expect(await pruneAfter(study, [3])).toBe(false);
  });

  it('waits for nStartupTrials COMPLETE trials', async () => {
    const study = await studyWith(new MedianPruner({ nStartupTrials: 5 }));
    for (let i = 1; i <= 4; i++) await complete(study, [i]);
    expect(await pruneAfter(study, [100])).toBe(false);
  });

  it('does not prune during nWarmupSteps', async () => {
    const study = await studyWith(new MedianPruner({ nWarmupSteps: 2 }));
    await fiveTrials(study);
    expect(await pruneAfter(study, [9, 9])).toBe(false);
    expect(await pruneAfter(study, [9, 9, 9])).toBe(true);
  });

  it('checks only every intervalSteps steps after warm-up', async () => {
    const study = await studyWith(new MedianPruner({ intervalSteps: 2 }));
    await fiveTrials(study);
    expect(await pruneAfter(study, [9, 9])).toBe(false); // step 1 is not a check step
    expect(await pruneAfter(study, [9, 9, 9])).toBe(true); // step 2 is
  });

  it("uses the trial's best value so far, and flips for maximize", async () => {
    const study = await studyWith(new MedianPruner());
    await fiveTrials(study);
    expect(await pruneAfter(study, [1, 10])).toBe(false);
    const max = await studyWith(new MedianPruner(), 'maximize');
    for (let i = 1; i <= 5; i++) await complete(max, [i, i]);
    expect(await pruneAfter(max, [2.5, 2.9])).toBe(true);
    expect(await pruneAfter(max, [3.5, 1])).toBe(false);
  });

  it('prunes a trial whose values are all NaN and ignores steps nobody else reported', async () => {
    const study = await studyWith(new MedianPruner());
    await fiveTrials(study);
    expect(await pruneAfter(study, [NaN])).toBe(true);
    expect(await pruneAfter(study, [undefined, undefined, undefined, undefined, undefined, undefined, 99])).toBe(false);
  });
});

describe('NopPruner', () => {
  it('never prunes', async () => {
    const study = await studyWith(new NopPruner());
    for (let i = 1; i <= 5; i++) await complete(study, [i]);
    expect(await pruneAfter(study, [1e9])).toBe(false);
  });
});

describe('SuccessiveHalvingPruner', () => {
  it('keeps only the best 1/reductionFactor at a rung', async () => {
    const study = await studyWith(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }));
    await complete(study, [9, 1]);
    await complete(study, [9, 2]);
    await complete(study, [9, 3]);
    // Rung 0 sits at step 1. With 4 values the best floor(4/2) = 2 go on: threshold 2.
    expect(await pruneAfter(study, [0])).toBe(false); // step 0: no rung yet
    expect(await pruneAfter(study, [0, 2.5])).toBe(true);
    expect(await pruneAfter(study, [0, 1.5])).toBe(false);
  });

  it('judges a rung once, when it is crossed', async () => {
    const study = await studyWith(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }));
    const t = await study.ask();
    t.report(5, 1);
    expect(t.shouldPrune()).toBe(false); // alone at rung 0: promoted
    await complete(study, [0, 1, 1]);
    await complete(study, [0, 1, 1]);
    t.report(5, 2);
    // Rung 1 (step 2): values [5, 1, 1] -> keep the best 1 -> 5 is pruned; rung 0 is not judged again.
    expect(t.shouldPrune()).toBe(true);
    const u = await study.ask();
    u.report(0.5, 1);
    u.report(1, 2);
    expect(u.shouldPrune()).toBe(false);
  });

  it('prunes while fewer than bootstrapCount trials reached the rung, and waits for a COMPLETE trial with minResource auto', async () => {
    const boot = await studyWith(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, bootstrapCount: 2 }));
    expect(await pruneAfter(boot, [0, 1])).toBe(true);
    const auto = await studyWith(new SuccessiveHalvingPruner());
    expect(await pruneAfter(auto, [5, 5, 5])).toBe(false);
  });

  it('flips for maximize', async () => {
    const study = await studyWith(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }), 'maximize');
    await complete(study, [0, 3]);
    expect(await pruneAfter(study, [0, 1])).toBe(true);
    expect(await pruneAfter(study, [0, 4])).toBe(false);
  });
});

describe('HyperbandPruner', () => {
  it('makes floor(log_rf(max/min)) + 1 brackets, assigned in proportion to their budgets', async () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    expect(pruner.nBrackets).toBe(3);
    const counts = [0, 0, 0];
    for (let n = 0; n < 3400; n++) counts[pruner.bracketOf('hb', n)]++;
    // Budgets 9, 5, 3 (Optuna's ceil(n * rf^s / (s + 1))).
    expect(counts[0] / 3400).toBeCloseTo(9 / 17, 1);
    expect(counts[1] / 3400).toBeCloseTo(5 / 17, 1);
    expect(counts[2] / 3400).toBeCloseTo(3 / 17, 1);
  });

  it("resolves maxResource 'auto' from the longest COMPLETE trial (last step + 1)", async () => {
    const pruner = new HyperbandPruner({ reductionFactor: 3 });
    const study = await studyWith(pruner);
    expect(await pruneAfter(study, [1, 1])).toBe(false); // nothing COMPLETE yet: no brackets, no pruning
    expect(pruner.nBrackets).toBeUndefined();
    await complete(study, [1, 1, 1, 1, 1, 1, 1, 1, 1]); // 9 steps -> log3(9) + 1 = 3 brackets
    await pruneAfter(study, [1]);
    expect(pruner.nBrackets).toBe(3);
  });

  it('prunes early in the aggressive bracket, not before step 9 in the conservative one, and only against its own bracket', async () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    const study = await studyWith(pruner, 'minimize', 'hb');
    const bracket = (n: number): number => pruner.bracketOf('hb', n);
    // Fill the study with good COMPLETE trials until both a bracket-0 and a bracket-2 trial number are next.
    const firstFree = (b: number): number => {
      let n = study.trials.length;
      while (bracket(n) !== b) n++;
      return n;
    };
    while (study.trials.filter((t) => bracket(t.number) === 0).length < 3) await complete(study, [0.1, 0.1, 0.1]);
    // A bad bracket-0 trial is judged at step 1 against the good bracket-0 ones.
    while (study.trials.length < firstFree(0)) await complete(study, [0.1]);
    expect(await pruneAfter(study, [5, 5])).toBe(true);
    while (study.trials.length < firstFree(2)) await complete(study, [0.1]);
    expect(await pruneAfter(study, [5, 5, 5, 5, 5, 5, 5, 5, 5])).toBe(false); // steps 0-8: before its first rung
  });
});
