/**
 * One suite, three storages: the same study semantics (ask/tell, enqueue, prune, fail-stale +
 * retry, resume) in memory, in a journal file and in PostgreSQL (a throwaway cluster; see
 * testing/postgres-cluster.ts).
 */
import * as path from 'node:path';
import { useTempDirs } from '@digitfuse/core/testing';
import { TuningError } from '../errors';
import { MedianPruner } from '../pruners/median-pruner';
import { NopPruner } from '../pruners/nop-pruner';
import { RandomSampler } from '../samplers/random-sampler';
import { createStudy, loadStudy, type StudyOptions } from '../study';
import { MemoryLogger } from '../testing';
import { postgresTestable, startTestCluster, type TestCluster } from '../testing/postgres-cluster';
import { InMemoryStorage } from './in-memory-storage';
import { JournalFileStorage } from './journal-file-storage';
import { PostgresStorage } from './postgres-storage';
import type { Storage } from './storage';

/** A place studies live: `open()` gives a new handle on the same place (another process would). */
interface Place {
  open(): Storage;
}

interface Kind {
  readonly name: string;
  readonly available: boolean;
  place(): Promise<Place>;
}

let cluster: TestCluster | undefined;
/** The journal folders the contract makes, removed after the file (every run left /tmp/contract-* behind). */
const journalFolder = useTempDirs('contract-');
const pgAvailable = postgresTestable();

const KINDS: readonly Kind[] = [
  {
    name: 'InMemoryStorage',
    available: true,
    place: async () => {
      const storage = new InMemoryStorage();
      return { open: () => storage };
    },
  },
  {
    name: 'JournalFileStorage',
    available: true,
    place: async () => {
      const file = path.join(journalFolder(), 'study.jsonl');
      return { open: () => new JournalFileStorage(file) };
    },
  },
  {
    name: 'PostgresStorage',
    available: pgAvailable,
    place: async () => {
      cluster ??= await startTestCluster();
      const url = await (cluster as TestCluster).createDatabase('contract');
      return { open: () => new PostgresStorage(url, { retryForMs: 5000 }) };
    },
  },
];

afterAll(() => cluster?.stop());

jest.setTimeout(60_000);

const base = (storage: Storage, extra: Partial<StudyOptions> = {}): StudyOptions => ({
  name: 'contract',
  direction: 'minimize',
  storage,
  sampler: new RandomSampler({ seed: 3 }),
  pruner: new NopPruner(),
  logger: new MemoryLogger(),
  loadIfExists: true,
  ...extra,
});

describe.each(KINDS.map((k) => [k.name, k] as const))('%s (storage contract)', (_name, kind) => {
  const test = kind.available ? it : it.skip;
  let place: Place;
  const opened: Storage[] = [];
  const open = (): Storage => {
    const s = place.open();
    opened.push(s);
    return s;
  };
  beforeEach(async () => {
    if (kind.available) place = await kind.place();
  }, 120_000); // the first PostgreSQL place starts the cluster (initdb), slow on a loaded machine
  afterEach(async () => {
    for (const s of new Set(opened.splice(0))) await s.close();
  });

  test('ask/tell: numbers trials from 0, keeps parameters, reports, attributes and values (NaN and infinities too)', async () => {
    const study = await createStudy(base(open()));
    const t = await study.ask();
    expect(t.number).toBe(0);
    const x = t.suggestFloat('x', -1, 1);
    t.suggestCategorical('act', ['relu', 'tanh']);
    t.report(0.5, 0);
    t.report(NaN, 1);
    t.report(0.7, 0); // a second value at a step is ignored
    t.setUserAttr('clean', 0.9);
    t.setUserAttr('note', 'a');
    t.setUserAttr('clean', 0.95);
    const done = await study.tell(t, x * 2);
    expect(done.state).toBe('COMPLETE');
    expect(done.value).toBe(x * 2);
    await study.tell(await study.ask(), Infinity);
    const other = await loadStudy({ name: 'contract', storage: open() });
    const [a, b] = other.trials;
    expect(a.params.x).toBe(x);
    expect(Object.keys(a.params)).toEqual(['x', 'act']);
    expect([...a.intermediateValues]).toEqual([
      [0, 0.5],
      [1, NaN],
    ]);
    expect(a.userAttrs).toEqual({ clean: 0.95, note: 'a' });
    expect(Object.keys(a.userAttrs)).toEqual(['clean', 'note']);
    expect(b.value).toBe(Infinity);
    expect(other.bestTrial?.number).toBe(0);
  });

  test('enqueue: the next ask gets the fixed parameters, once', async () => {
    const study = await createStudy(base(open()));
    expect(await study.enqueueTrial({ x: 0.25 })).toBe(0);
    expect(study.trials[0].state).toBe('WAITING');
    const t = await study.ask();
    expect(t.number).toBe(0);
    expect(t.suggestFloat('x', -1, 1)).toBe(0.25);
    const u = await study.ask();
    expect(u.number).toBe(1);
    expect(u.frozen.fixedParams).toBeUndefined();
  });

  test('prune: a worse curve is pruned and keeps its last intermediate value', async () => {
    const study = await createStudy(base(open(), { pruner: new MedianPruner({ nStartupTrials: 2 }) }));
    for (const v of [1, 2]) {
      const t = await study.ask();
      t.report(v, 0);
      await study.tell(t, v);
    }
    const t = await study.ask();
    t.report(10, 0);
    expect(t.shouldPrune()).toBe(true);
    const pruned = await study.tell(t, 'PRUNED');
    expect(pruned.state).toBe('PRUNED');
    expect(pruned.value).toBe(10);
  });

  test('fail-stale + retry: a trial without heartbeat fails, its parameters run again once', async () => {
    const opts = { heartbeatIntervalMs: 60_000, staleAfterMs: 100, maxRetries: 1 };
    const first = await createStudy(base(open(), opts));
    const lost = await first.ask();
    lost.suggestFloat('x', -1, 1);
    const x = lost.params.x;
    await first.refresh();
    const lostAt = Date.now();
    await new Promise((r) => setTimeout(r, 200));
    const logger = new MemoryLogger();
    const second = await createStudy(base(open(), { ...opts, logger }));
    const retry = await second.ask();
    expect(retry.number).toBe(1);
    expect(retry.frozen.retryOf).toBe(0);
    expect(retry.suggestFloat('x', -1, 1)).toBe(x);
    expect(second.trials[0].state).toBe('FAIL');
    expect(second.trials[0].failReason).toMatch(/no heartbeat/);
    // It ended when it was last heard from, not when the second handle noticed (its duration is the time it ran).
    expect(second.trials[0].datetimeComplete).toBe(second.trials[0].lastHeartbeat ?? second.trials[0].datetimeStart);
    expect(second.trials[0].datetimeComplete as number).toBeLessThanOrEqual(lostAt);
    expect(logger.warnings.join('\n')).toMatch(/trial 0 marked FAIL \(no heartbeat for \d+ s\); its parameters run again as trial 1$/m);
    await expect(first.tell(lost, 1)).rejects.toThrow(TuningError);
    await second.tell(retry, 1);
    // The retry is not retried again.
    const third = await second.ask();
    third.suggestFloat('x', -1, 1);
    await new Promise((r) => setTimeout(r, 200));
    await second.failStaleTrials();
    expect(second.getTrials(['WAITING'])).toHaveLength(1);
    const again = await second.ask();
    expect(again.frozen.retryOf).toBe(2);
    // The retry is lost too: it is not run a third time.
    await new Promise((r) => setTimeout(r, 200));
    await second.failStaleTrials();
    expect(second.getTrials(['WAITING'])).toHaveLength(0);
    expect(logger.warnings.join('\n')).toMatch(/trial 3 marked FAIL \(no heartbeat for \d+ s\); a retry of trial 2, not run again$/m);
  });

  test('fail-stale + retry: a trial lost before it drew a parameter is retried too, and its retry draws what it would have drawn', async () => {
    const opts = { heartbeatIntervalMs: 60_000, staleAfterMs: 100, maxRetries: 1 };
    // What the study draws when nothing is lost (same sampler seed, another place).
    const reference = await createStudy(base(new InMemoryStorage()));
    await reference.optimize((t) => t.suggestFloat('x', -1, 1), { nTrials: 2 });
    const first = await createStudy(base(open(), opts));
    // Started, and lost before its objective drew anything (its worker stopped, or lost the database).
    await first.ask();
    await new Promise((r) => setTimeout(r, 200));
    const logger = new MemoryLogger();
    const second = await createStudy(base(open(), { ...opts, logger }));
    await second.optimize((t) => t.suggestFloat('x', -1, 1), { nTrials: 2 });
    expect(second.trials.map((t) => [t.number, t.state, t.retryOf])).toEqual([
      [0, 'FAIL', undefined],
      [1, 'COMPLETE', 0],
      [2, 'COMPLETE', undefined],
    ]);
    expect(logger.warnings.join('\n')).toMatch(/trial 0 marked FAIL \(no heartbeat for \d+ s\); trial 1 draws in its place the parameters it had not drawn yet$/m);
    // The search goes on as the one never interrupted.
    expect(second.trials.slice(1).map((t) => t.params.x)).toEqual(reference.trials.map((t) => t.params.x));
  });

  test('resume: a new handle finds every trial and finishes the study', async () => {
    const first = await createStudy(base(open()));
    await first.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    const second = await createStudy(base(open()));
    expect(second.getTrials(['COMPLETE'])).toHaveLength(3);
    await second.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5, nTrialsScope: 'study' });
    expect(second.trials.map((t) => [t.number, t.state])).toEqual([0, 1, 2, 3, 4].map((n) => [n, 'COMPLETE']));
    await expect(createStudy(base(open(), { loadIfExists: false }))).rejects.toThrow(/already exists/);
    await expect(createStudy(base(open(), { direction: 'maximize' }))).rejects.toThrow(/exists with direction 'minimize'/);
  });

  test('several objectives and constraints round-trip', async () => {
    const study = await createStudy(base(open(), { direction: undefined, directions: ['minimize', 'maximize'], constraintsFunc: (t) => [(t.values?.[0] ?? 0) - 1] }));
    await study.tell(await study.ask(), [0.5, 2]);
    const again = await loadStudy({ name: 'contract', storage: open() });
    expect(again.directions).toEqual(['minimize', 'maximize']);
    expect(again.trials[0].values).toEqual([0.5, 2]);
    expect(again.trials[0].value).toBeUndefined();
    expect(again.trials[0].constraints).toEqual([-0.5]);
  });
});
