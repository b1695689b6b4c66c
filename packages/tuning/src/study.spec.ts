import { drawIndex, drawIndices } from './draw-index';
import { ConfigError, StorageError, TrialPruned, TuningError } from './errors';
import { NopPruner } from './pruners/nop-pruner';
import { SuccessiveHalvingPruner } from './pruners/successive-halving-pruner';
import { RandomSampler } from './samplers/random-sampler';
import { TPESampler } from './samplers/tpe-sampler';
import { InMemoryStorage } from './storage/in-memory-storage';
import { createStudy, loadStudy, type Study } from './study';
import { MemoryLogger } from './testing';
import type { Trial } from './trial';
import type { FrozenTrial } from './trial-state';

async function newStudy(logger = new MemoryLogger()) {
  return await createStudy({ name: 'unit', sampler: new RandomSampler({ seed: 3 }), pruner: new NopPruner(), logger });
}

describe('Trial suggest*()', () => {
  it('returns values inside the range, on the grid, and the same value when re-suggested', async () => {
    const study = await newStudy();
    for (let i = 0; i < 20; i++) {
      const trial = await study.ask();
      const a = trial.suggestFloat('a', 0.5, 2);
      const b = trial.suggestInt('b', 2, 20, { step: 3 });
      const c = trial.suggestFloat('c', 1e-4, 1, { log: true });
      const d = trial.suggestCategorical('d', ['x', 'y', null]);
      const e = trial.suggestFloat('e', 0, 1, { step: 0.1 });
      expect(a).toBeGreaterThanOrEqual(0.5);
      expect(a).toBeLessThanOrEqual(2);
      expect((b - 2) % 3).toBe(0);
      expect(b).toBeLessThanOrEqual(20);
      expect(c).toBeGreaterThanOrEqual(1e-4);
      expect(['x', 'y', null]).toContain(d);
      expect(Math.abs(e * 10 - Math.round(e * 10))).toBeLessThan(1e-9);
      expect(trial.suggestFloat('a', 0.5, 2)).toBe(a);
      await study.tell(trial, a + b);
    }
    expect(study.trials).toHaveLength(20);
    expect(study.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
  });

  it.each([
    ['low > high', (t: import('./trial').Trial) => t.suggestFloat('lr', 1, 0.1), /`lr`.*low <= high.*low=1 > high=0.1/],
    ['log with low <= 0', (t: import('./trial').Trial) => t.suggestFloat('lr', 0, 1, { log: true }), /`lr`.*low > 0, got low=0/],
    ['int log with low <= 0', (t: import('./trial').Trial) => t.suggestInt('units', -1, 8, { log: true }), /`units`.*low > 0, got low=-1/],
    ['empty choices', (t: import('./trial').Trial) => t.suggestCategorical('act', []), /`act`.*at least one choice, got \[\]/],
    ['non-integer int bounds', (t: import('./trial').Trial) => t.suggestInt('n', 1.5, 4), /`n`.*integer bounds, got low=1.5/],
    ['step with log', (t: import('./trial').Trial) => t.suggestFloat('w', 1, 4, { step: 0.5, log: true }), /`w`.*step and log/],
  ])('throws a ConfigError naming the parameter for %s', async (_label, call, message) => {
    const trial = await (await newStudy()).ask();
    expect(() => call(trial)).toThrow(ConfigError);
    expect(() => call(trial)).toThrow(message);
  });

  it('rejects a parameter re-suggested with a different distribution', async () => {
    const trial = await (await newStudy()).ask();
    trial.suggestInt('layers', 1, 4);
    expect(() => trial.suggestInt('layers', 1, 5)).toThrow(ConfigError);
    expect(() => trial.suggestFloat('layers', 1, 4)).toThrow(/`layers` was already suggested in trial 0 as int \[1, 4\] \(step=1\), now as float \[1, 4\]/);
  });
});

describe('await Study.tell()', () => {
  it('marks a NaN objective FAIL and throws a ConfigError naming the trial and value', async () => {
    const study = await newStudy();
    const trial = await study.ask();
    trial.suggestFloat('x', 0, 1);
    await expect(study.tell(trial, NaN)).rejects.toThrow(ConfigError);
    expect(study.trials[0].state).toBe('FAIL');
    expect(study.trials[0].failReason).toMatch(/got NaN/);
    await expect(study.tell(trial, 1)).rejects.toThrow(TuningError);
  });

  it('records PRUNED with the last intermediate value', async () => {
    const study = await newStudy();
    const trial = await study.ask();
    trial.report(0.5, 0);
    trial.report(0.25, 3);
    const frozen = await study.tell(trial, 'PRUNED');
    expect(frozen.state).toBe('PRUNED');
    expect(frozen.value).toBe(0.25);
  });
});

describe('Study.optimize()', () => {
  it("says once what stopped it when recording the trial's failure fails alike (a study deleted under its search said it as a warning, then as the error)", async () => {
    const gone = 'Study `unit` is no longer in postgresql://db/x: it was deleted';
    class DeletedUnder extends InMemoryStorage {
      deleted = false;
      override async finishTrial(...args: Parameters<InMemoryStorage['finishTrial']>): Promise<boolean> {
        if (this.deleted) throw new StorageError(gone);
        return await super.finishTrial(...args);
      }
    }
    const storage = new DeletedUnder();
    const logger = new MemoryLogger();
    const study = await createStudy({ name: 'unit', storage, sampler: new RandomSampler({ seed: 3 }), pruner: new NopPruner(), logger, heartbeatIntervalMs: 60_000 });
    const objective = async (trial: Trial): Promise<number> => {
      const x = trial.suggestFloat('x', 0, 1);
      if (trial.number === 1) {
        storage.deleted = true;
        throw new StorageError(gone); // the objective's own write (a stored model) found it so first
      }
      return x;
    };
    await expect(study.optimize(objective, { nTrials: 3 })).rejects.toThrow(gone);
    expect(logger.warnings.filter((w) => w.includes('no longer in'))).toEqual([]);
  });

  it('runs nTrials trials, records pruned and failed ones, and finds the best trial', async () => {
    const logger = new MemoryLogger();
    const study = await createStudy({ name: 'opt', direction: 'maximize', sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), logger });
    const seen: number[] = [];
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat('x', 0, 1);
        if (trial.number === 2) throw new TrialPruned();
        if (trial.number === 3) return NaN;
        if (trial.number === 4) throw new RangeError('boom');
        return x;
      },
      { nTrials: 8, callbacks: [(_s, t) => seen.push(t.number)], catch: [RangeError] },
    );
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const states = study.trials.map((t) => t.state);
    expect(states[2]).toBe('PRUNED');
    expect(states[3]).toBe('FAIL');
    expect(states[4]).toBe('FAIL');
    expect(study.trials[4].failReason).toBe('RangeError: boom');
    const complete = study.getTrials(['COMPLETE']);
    expect(complete).toHaveLength(5);
    expect(study.bestValue).toBe(Math.max(...complete.map((t) => t.value as number)));
    expect(study.bestParams).toEqual({ x: study.bestValue });
    expect(logger.warnings.some((w) => /trial 3 objective value: expected a number, got NaN/.test(w))).toBe(true);
  });

  it("awaits a callback's promise (an async callback) before the next trial starts and before it resolves; a rejected one stops it", async () => {
    const study = await newStudy();
    const events: string[] = [];
    const objective = (trial: Trial) => {
      events.push(`trial ${trial.number}`);
      return trial.suggestFloat('x', 0, 1);
    };
    const later = async (_s: Study, t: FrozenTrial) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push(`callback ${t.number}`);
    };
    await study.optimize(objective, { nTrials: 2, callbacks: [later, (_s, t) => events.push(`then ${t.number}`)] });
    events.push('resolved');
    expect(events).toEqual(['trial 0', 'callback 0', 'then 0', 'trial 1', 'callback 1', 'then 1', 'resolved']);
    const rejecting = async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new RangeError('late');
    };
    await expect(study.optimize(objective, { nTrials: 2, callbacks: [rejecting] })).rejects.toThrow('late');
    expect(study.trials).toHaveLength(3);
  });

  it('stops at the first uncaught objective error, after recording the trial as FAIL', async () => {
    const study = await newStudy();
    await expect(study.optimize(() => { throw new TypeError('bad'); }, { nTrials: 5 })).rejects.toThrow('bad');
    expect(study.trials.map((t) => t.state)).toEqual(['FAIL']);
  });

  it('with concurrency, lets running trials finish before re-throwing an objective error', async () => {
    const study = await newStudy();
    const run = study.optimize(
      async (trial) => {
        if (trial.number === 0) throw new TypeError('first lane fails');
        await new Promise((r) => setTimeout(r, 30));
        return 1;
      },
      { nTrials: 10, concurrency: 2 },
    );
    await expect(run).rejects.toThrow('first lane fails');
    expect(study.trials.map((t) => t.state)).toEqual(['FAIL', 'COMPLETE']);
  });

  it('validates its options', async () => {
    const study = await newStudy();
    await expect(study.optimize(() => 0, {})).rejects.toThrow(ConfigError);
    await expect(study.optimize(() => 0, { nTrials: -1 })).rejects.toThrow(/`nTrials`: expected an integer >= 0, got -1/);
  });

  it('honours timeoutMs', async () => {
    const study = await newStudy();
    await study.optimize(async () => new Promise<number>((r) => setTimeout(() => r(1), 20)), { timeoutMs: 100 });
    expect(study.trials.length).toBeGreaterThanOrEqual(2);
    expect(study.trials.length).toBeLessThan(10);
  });

  it('stop() from the objective starts no more trials, and the next optimize() runs again', async () => {
    const study = await newStudy();
    await study.optimize(
      (trial) => {
        if (trial.number === 2) study.stop();
        return trial.suggestFloat('x', 0, 1);
      },
      { nTrials: 10 },
    );
    expect(study.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    await study.optimize((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 2 });
    expect(study.trials).toHaveLength(5);
  });

  it('runs async trials concurrently with distinct numbers', async () => {
    const study = await newStudy();
    let active = 0;
    let maxActive = 0;
    await study.optimize(
      async (trial) => {
        active++;
        maxActive = Math.max(maxActive, active);
        const x = trial.suggestFloat('x', 0, 1);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        return x;
      },
      { nTrials: 9, concurrency: 3 },
    );
    expect(maxActive).toBe(3);
    expect(study.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe("optimize({ nTrialsScope: 'study' })", () => {
  it('runs until the study has nTrials COMPLETE or PRUNED trials, counting earlier runs', async () => {
    const storage = new InMemoryStorage();
    const options = { name: 'scope', storage, sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), loadIfExists: true };
    const first = await createStudy(options);
    await first.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    const second = await createStudy(options);
    await second.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5, nTrialsScope: 'study' });
    expect(second.trials).toHaveLength(5);
    await second.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5, nTrialsScope: 'study' });
    expect(second.trials).toHaveLength(5);
  });

  it("calls onWaiting with the other workers' running trials when the wait begins, then every waitNoticeMs, until they finish", async () => {
    const storage = new InMemoryStorage();
    const options = { name: 'wait', storage, sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), loadIfExists: true };
    const study = await createStudy(options);
    // Another machine's worker holds the study's only trial.
    const other = (await storage.startTrial('wait', { host: 'host-b', pid: 7, id: 'b' }, Date.now())) as { number: number };
    const notices: { numbers: number[]; hosts: (string | undefined)[]; waitedMs: number }[] = [];
    let ran = 0;
    await study.optimize(() => ++ran, {
      nTrials: 1,
      nTrialsScope: 'study',
      pollIntervalMs: 10,
      waitNoticeMs: 200,
      onWaiting: (running, waitedMs) => {
        notices.push({ numbers: running.map((t) => t.number), hosts: running.map((t) => t.worker?.host), waitedMs });
        // The other worker finishes its trial after the third notice: then this one has nothing to do.
        if (notices.length === 3) void storage.finishTrial('wait', other.number, 'COMPLETE', 0.5, Date.now());
      },
    });
    expect(ran).toBe(0);
    expect(notices.map((n) => [n.numbers, n.hosts])).toEqual([
      [[0], ['host-b']],
      [[0], ['host-b']],
      [[0], ['host-b']],
    ]);
    // When the wait begins, then every 200 ms: not at every look (10 ms).
    expect(notices[0].waitedMs).toBe(0);
    expect(notices[1].waitedMs).toBeGreaterThanOrEqual(200);
    expect(notices[2].waitedMs - notices[1].waitedMs).toBeGreaterThanOrEqual(200);
  });
});

describe('heartbeats', () => {
  it('warns of a failing heartbeat once per problem, not at every beat, and again after one succeeded', async () => {
    const storage = new InMemoryStorage();
    let failure: string | null = 'server out of reach';
    const beat = storage.heartbeat.bind(storage);
    storage.heartbeat = (...args) => (failure === null ? beat(...args) : Promise.reject(new StorageError(failure)));
    const logger = new MemoryLogger();
    const study = await createStudy({ name: 'hb', storage, sampler: new RandomSampler({ seed: 1 }), logger, heartbeatIntervalMs: 10 });
    const trial = await study.ask();
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await wait(120);
    expect(logger.warnings).toEqual(['Study `hb` trial 0: heartbeat failed: server out of reach']);
    failure = null;
    await wait(60);
    failure = 'server out of reach';
    await wait(60);
    await study.tell(trial, 1);
    expect(logger.warnings).toHaveLength(2);
  });
});

describe('enqueueTrial()', () => {
  it('hands the fixed parameters to the next trial', async () => {
    const study = await newStudy();
    await study.enqueueTrial({ lr: 0.01, act: 'tanh' });
    const trial = await study.ask();
    expect(trial.suggestFloat('lr', 1e-4, 1, { log: true })).toBe(0.01);
    expect(trial.suggestCategorical('act', ['relu', 'tanh'])).toBe('tanh');
    expect((await study.ask()).number).toBe(1);
  });
});

describe('await createStudy() / await loadStudy()', () => {
  it('refuses a duplicate name unless loadIfExists, and loads by name', async () => {
    const storage = new InMemoryStorage();
    await createStudy({ name: 's', direction: 'maximize', storage, sampler: new TPESampler({ seed: 1 }) });
    await expect(createStudy({ name: 's', storage })).rejects.toThrow(StorageError);
    await expect(createStudy({ name: 's', direction: 'minimize', storage, loadIfExists: true })).rejects.toThrow(/direction 'maximize'/);
    expect((await loadStudy({ name: 's', storage })).direction).toBe('maximize');
    await expect(loadStudy({ name: 'nope', storage })).rejects.toThrow(/No study `nope` in the storage \(it has: `s`\)/);
  });
});

describe('a trial whose worker died, retried', () => {
  // `digitfuse search` stopped by Ctrl-C mid-trial and resumed: the trial is marked FAIL and its
  // parameters run again as the next trial. The trials after it drew the streams of their own numbers
  // (one higher), so the study went on with other parameters than an uninterrupted one.
  const objective = (t: Trial) => -((t.suggestFloat('x', 0, 1) - 0.3) ** 2) - (t.suggestInt('n', 1, 8) - 5) ** 2 / 100;
  const finished = (study: Study) => study.getTrials(['COMPLETE']).map((t) => ({ params: t.params, value: t.value }));
  it.each([
    ['TPE', () => new TPESampler({ seed: 11, nStartupTrials: 2 })],
    ['random', () => new RandomSampler({ seed: 11 })],
  ])('draws (%s sampler) as in a study where it never died: the same parameters and values, each trial after it numbered one higher', async (_name, sampler) => {
    const options = { storage: new InMemoryStorage(), pruner: new NopPruner(), logger: new MemoryLogger(), staleAfterMs: 40, heartbeatIntervalMs: 60_000 };
    const whole = await createStudy({ name: 'whole', sampler: sampler(), ...options });
    await whole.optimize(objective, { nTrials: 6 });
    const broken = await createStudy({ name: 'broken', sampler: sampler(), ...options });
    await broken.optimize(objective, { nTrials: 2 });
    objective(await broken.ask()); // trial 2: its worker dies (no tell, no heartbeat)
    await new Promise((r) => setTimeout(r, 80));
    await broken.optimize(objective, { nTrials: 4 });
    expect(broken.trials.map((t) => [t.number, t.state, t.retryOf])).toEqual([
      [0, 'COMPLETE', undefined],
      [1, 'COMPLETE', undefined],
      [2, 'FAIL', undefined],
      [3, 'COMPLETE', 2],
      [4, 'COMPLETE', undefined],
      [5, 'COMPLETE', undefined],
      [6, 'COMPLETE', undefined],
    ]);
    expect(finished(broken)).toEqual(finished(whole));
    // What the streams (and Hyperband's brackets) are keyed by.
    expect(broken.trials.map((t) => drawIndex(broken.trials, t))).toEqual([0, 1, 2, 2, 3, 4, 5]);
    expect([...drawIndices(broken.trials).values()]).toEqual([0, 1, 2, 2, 3, 4, 5]);
  });

  it('is failed at once by its own process as it stops (failOwnTrials, at a Ctrl-C): optimize starts no other, the retry is queued, and the resumed study draws as one never stopped', async () => {
    // Before, a Ctrl-C left the trial RUNNING until a resume on this machine failed it, or, in a
    // shared study, until another worker found its heartbeat 2 minutes old.
    const options = { storage: new InMemoryStorage(), pruner: new NopPruner(), heartbeatIntervalMs: 60_000 };
    const sampler = () => new TPESampler({ seed: 11, nStartupTrials: 2 });
    const whole = await createStudy({ name: 'whole', sampler: sampler(), logger: new MemoryLogger(), ...options });
    await whole.optimize(objective, { nTrials: 5 });
    const logger = new MemoryLogger();
    const stopped = await createStudy({ name: 'stopped', sampler: sampler(), logger, ...options });
    let failed: FrozenTrial[] = [];
    await stopped.optimize(
      async (t) => {
        const value = objective(t);
        if (t.number === 2) {
          await new Promise((r) => setTimeout(r, 30));
          failed = await stopped.failOwnTrials('its process was stopped (Ctrl-C) while the trial ran');
        }
        return value;
      },
      { nTrials: 10 },
    );
    expect(failed.map((t) => t.number)).toEqual([2]);
    // Ended when its process stopped it, not at its last report or heartbeat (its start here).
    expect(failed[0].datetimeComplete as number).toBeGreaterThanOrEqual((failed[0].datetimeStart as number) + 25);
    expect(stopped.trials.map((t) => [t.number, t.state, t.retryOf, t.failReason])).toEqual([
      [0, 'COMPLETE', undefined, undefined],
      [1, 'COMPLETE', undefined, undefined],
      [2, 'FAIL', undefined, 'its process was stopped (Ctrl-C) while the trial ran'],
      [3, 'WAITING', 2, undefined],
    ]);
    // What its objective returned after is dropped, without a warning that the trial had already failed.
    expect(logger.warnings).toEqual(['Study `stopped`: trial 2 marked FAIL (its process was stopped (Ctrl-C) while the trial ran); its parameters run again as trial 3']);
    await stopped.optimize(objective, { nTrials: 3 });
    expect(finished(stopped)).toEqual(finished(whole));
  });

  it("fails only this process's running trials (failOwnTrials): another worker's goes on", async () => {
    const storage = new InMemoryStorage();
    const study = await createStudy({ name: 'two', storage, sampler: new RandomSampler({ seed: 1 }), logger: new MemoryLogger(), heartbeatIntervalMs: 60_000 });
    const other = await storage.startTrial('two', { host: 'another-machine', pid: 4242, id: 'another' }, Date.now());
    const mine = await study.ask();
    mine.suggestFloat('x', 0, 1);
    expect((await study.failOwnTrials('stopped')).map((t) => t.number)).toEqual([mine.number]);
    await study.refresh();
    expect(study.trials.map((t) => [t.number, t.state])).toEqual([
      [other?.number, 'RUNNING'],
      [mine.number, 'FAIL'],
      [2, 'WAITING'],
    ]);
    // Nothing of its own left running: a second call fails nothing.
    expect(await study.failOwnTrials('stopped')).toEqual([]);
  });

  it('queues a stopped retry again (failOwnTrials): a stop is no crash, which maxRetries guards against', async () => {
    const study = await createStudy({ name: 'again', sampler: new RandomSampler({ seed: 1 }), logger: new MemoryLogger(), heartbeatIntervalMs: 60_000, maxRetries: 1 });
    for (let stops = 0; stops < 3; stops++) {
      const t = await study.ask();
      t.suggestFloat('x', 0, 1);
      await study.failOwnTrials('stopped');
    }
    expect(study.trials.map((t) => [t.number, t.state, t.retryOf])).toEqual([
      [0, 'FAIL', undefined],
      [1, 'FAIL', 0],
      [2, 'FAIL', 1],
      [3, 'WAITING', 2],
    ]);
    expect(new Set(study.trials.map((t) => t.params.x ?? t.fixedParams?.x)).size).toBe(1);
  });

  it('is judged by successive halving (Hyperband) as in a study where it never died: the failed trial does not compete beside its retry', async () => {
    // Before, the failed trial's rung value counted beside its retry's (the same value twice).
    const judged = async (dies: boolean) => {
      const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, minEarlyStoppingRate: 0 });
      const study = await createStudy({ name: 'sh', direction: 'maximize', storage: new InMemoryStorage(), sampler: new RandomSampler({ seed: 1 }), pruner, logger: new MemoryLogger(), staleAfterMs: 40, heartbeatIntervalMs: 60_000 });
      for (const value of dies ? [null, 0.5, 0.9] : [0.5, 0.9]) {
        const t = await study.ask();
        t.suggestFloat('x', 0, 1);
        t.report(value ?? 0.5, 1);
        if (value === null) await new Promise((r) => setTimeout(r, 80)); // its worker dies; the next ask retries it
        else await study.tell(t, value);
      }
      const last = await study.ask();
      last.suggestFloat('x', 0, 1);
      last.report(0.6, 1);
      return { states: study.trials.map((t) => t.state), pruned: last.shouldPrune() };
    };
    expect(await judged(false)).toEqual({ states: ['COMPLETE', 'COMPLETE', 'RUNNING'], pruned: true });
    expect(await judged(true)).toEqual({ states: ['FAIL', 'COMPLETE', 'COMPLETE', 'RUNNING'], pruned: true });
  });
});
