import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import { NopPruner } from '../pruners/nop-pruner';
import { RandomSampler } from '../samplers/random-sampler';
import { InMemoryStorage } from '../storage/in-memory-storage';
import { JournalFileStorage } from '../storage/journal-file-storage';
import { createStudy, loadStudy, type StudyOptions } from '../study';
import { MemoryLogger, tempDirEachTest } from '../testing';

async function twoObjectives(extra: Partial<StudyOptions> = {}) {
  return await createStudy({
    name: 'mo',
    directions: ['minimize', 'maximize'],
    sampler: new RandomSampler({ seed: 1 }),
    pruner: new NopPruner(),
    logger: new MemoryLogger(),
    ...extra,
  });
}

const tempDir = tempDirEachTest('tuning-mo-');

describe('await createStudy({ directions })', () => {
  it('records one value per objective and gives the Pareto front as bestTrials', async () => {
    const study = await twoObjectives();
    // (cost, accuracy): cost minimised, accuracy maximised.
    const told = [
      [1, 0.5],
      [2, 0.9],
      [2, 0.6], // dominated by (2, 0.9)
      [3, 0.9], // dominated by (2, 0.9)
      [0.5, 0.1],
    ];
    for (const v of told) await study.tell(await study.ask(), v);
    expect(study.directions).toEqual(['minimize', 'maximize']);
    expect(study.trials[1].values).toEqual([2, 0.9]);
    expect(study.trials[1].value).toBeUndefined();
    expect(study.bestTrials.map((t) => t.number)).toEqual([0, 1, 4]);
  });

  it('throws a ConfigError for direction, bestTrial, and a wrong number of values (which fails the trial)', async () => {
    const study = await twoObjectives();
    expect(() => study.direction).toThrow(ConfigError);
    expect(() => study.bestTrial).toThrow('has 2 objectives; read `bestTrials`');
    const t = await study.ask();
    await expect(study.tell(t, 3)).rejects.toThrow('expected 2 numbers (one per objective), got 3');
    expect(study.trials[0].state).toBe('FAIL');
    await expect(study.tell(await study.ask(), [1, NaN])).rejects.toThrow('got [1,"NaN"]');
  });

  it('runs optimize() with an objective that returns arrays', async () => {
    const study = await twoObjectives();
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        return [x, x * x];
      },
      { nTrials: 8 },
    );
    expect(study.getTrials(['COMPLETE'])).toHaveLength(8);
    expect(study.bestTrials.length).toBeGreaterThan(0);
  });

  it('refuses both direction and directions, and directions that differ from the stored ones', async () => {
    const storage = new InMemoryStorage();
    await expect(createStudy({ name: 'x', direction: 'minimize', directions: ['minimize'], storage })).rejects.toThrow('not both');
    await createStudy({ name: 'x', directions: ['minimize', 'minimize'], storage });
    await expect(createStudy({ name: 'x', directions: ['minimize', 'maximize'], storage, loadIfExists: true })).rejects.toThrow(
      "exists with directions ['minimize', 'minimize'], but directions ['minimize', 'maximize'] was asked for",
    );
  });
});

describe('constraintsFunc', () => {
  it('stores constraints with the trial; bestTrial and bestTrials skip infeasible trials', async () => {
    const study = await createStudy({
      name: 'c',
      sampler: new RandomSampler({ seed: 1 }),
      pruner: new NopPruner(),
      constraintsFunc: (t) => [(t.params.x as number) - 0.5],
    });
    for (const x of [0.9, 0.4, 0.6, 0.1]) await study.enqueueTrial({ x });
    for (let i = 0; i < 4; i++) {
      const t = await study.ask();
      await study.tell(t, -t.suggestFloat('x', 0, 1)); // minimise -x: the infeasible x = 0.9 would be best
    }
    const constraints = study.trials.map((t) => t.constraints?.[0] as number);
    [0.4, -0.1, 0.1, -0.4].forEach((c, i) => expect(constraints[i]).toBeCloseTo(c, 12));
    expect(study.bestTrial?.params.x).toBe(0.4);
    expect(study.bestTrials.map((t) => t.params.x)).toEqual([0.4]);
  });

  it('fails the trial when constraintsFunc returns NaN or throws', async () => {
    const study = await createStudy({ name: 'c', sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), constraintsFunc: () => [NaN] });
    await expect(study.tell(await study.ask(), 1)).rejects.toThrow('constraintsFunc: expected an array of numbers (not NaN), got [null]');
    expect(study.trials[0].state).toBe('FAIL');
    const boom = new Error('boom');
    const other = await createStudy({
      name: 'd',
      sampler: new RandomSampler({ seed: 1 }),
      pruner: new NopPruner(),
      constraintsFunc: () => {
        throw boom;
      },
    });
    await expect(other.tell(await other.ask(), 1)).rejects.toThrow(boom);
    expect(other.trials[0].failReason).toBe('constraintsFunc failed: Error: boom');
  });
});

describe('journal compatibility', () => {
  it('round-trips values, directions and constraints through a JournalFileStorage', async () => {
    const file = path.join(tempDir(), 'mo.jsonl');
    const storage = new JournalFileStorage(file, { logger: new MemoryLogger() });
    const study = await twoObjectives({ storage, constraintsFunc: (t) => [(t.values?.[0] ?? 0) - 1] });
    await study.tell(await study.ask(), [0.5, 2]);
    await study.tell(await study.ask(), [Infinity, -1]);
    storage.close();
    const again = await loadStudy({ name: 'mo', storage: new JournalFileStorage(file, { logger: new MemoryLogger() }) });
    expect(again.directions).toEqual(['minimize', 'maximize']);
    expect(again.trials.map((t) => t.values)).toEqual([
      [0.5, 2],
      [Infinity, -1],
    ]);
    expect(again.trials.map((t) => t.constraints)).toEqual([[-0.5], [Infinity]]);
    expect(again.bestTrials.map((t) => t.number)).toEqual([0]);
  });

  it('loads a journal written before several objectives existed, and writes single-objective lines as it did', async () => {
    const file = path.join(tempDir(), 'old.jsonl');
    const old = [
      { op: 'create_study', study: 's', direction: 'maximize', ts: 1 },
      { op: 'create_trial', study: 's', number: 0, state: 'RUNNING', worker: { host: 'h', pid: 1, id: 'a' }, ts: 2 },
      { op: 'set_param', study: 's', number: 0, name: 'x', distribution: { type: 'float', low: 0, high: 1, log: false }, value: 0.3, ts: 3 },
      { op: 'finish', study: 's', number: 0, state: 'COMPLETE', value: 0.7, ts: 4 },
    ];
    fs.writeFileSync(file, old.map((op) => JSON.stringify(op)).join('\n') + '\n');
    const storage = new JournalFileStorage(file, { logger: new MemoryLogger() });
    const study = await createStudy({ name: 's', direction: 'maximize', storage, loadIfExists: true, sampler: new RandomSampler({ seed: 1 }) });
    expect(study.directions).toEqual(['maximize']);
    expect(study.bestTrial?.value).toBe(0.7);
    expect(study.trials[0].values).toEqual([0.7]);
    expect(study.trials[0].constraints).toBeUndefined();
    await study.tell(await study.ask(), 0.9);
    storage.close();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[lines.length - 1]).toMatchObject({ op: 'finish', state: 'COMPLETE', value: 0.9 });
    expect(lines[lines.length - 1].values).toBeUndefined();
  });
});
