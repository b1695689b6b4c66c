/**
 * PostgresStorage with real worker processes on a throwaway cluster (testing/postgres-cluster.ts):
 * many workers on one study, a worker killed mid-trial, a server restart mid-study, and the errors
 * of a database that cannot be used.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { StorageError, StorageUnavailableError, StudyDeletedError, TrialPruned } from '../errors';
import { createStudy, loadStudy, type Objective } from '../study';
import { MemoryLogger } from '../testing';
import { poolerTestable, postgresTestable, startTestCluster, startTestPooler, TEST_PG_PASSWORD, TEST_PG_USER, type TestCluster, type TestPooler } from '../testing/postgres-cluster';
import { killedMidTrial, spawnChildWorkers } from '../testing/child-workers';
import { startTcpRelay, type TcpRelay } from '../testing/tcp-relay';
import type { WorkerExit } from '../workers';
import { openStorage } from './open-storage';
import { PostgresStorage } from './postgres-storage';


// A loaded machine makes every round trip slow.
jest.setTimeout(60_000);

const describePg = postgresTestable() ? describe : describe.skip;
let cluster: TestCluster;

beforeAll(async () => {
  if (postgresTestable()) cluster = (await startTestCluster()) as TestCluster;
}, 60_000);
afterAll(() => cluster?.stop());

async function newStudy(name: string): Promise<string> {
  const url = await cluster.createDatabase(name);
  const storage = new PostgresStorage(url);
  await createStudy({ name, direction: 'minimize', storage });
  await storage.close();
  return url;
}

/** Reads a study back with a fresh handle. */
async function readBack(url: string, name: string) {
  const storage = new PostgresStorage(url);
  try {
    return (await loadStudy({ name, storage })).trials;
  } finally {
    await storage.close();
  }
}

/** `TOLD <number> <value>` lines of the workers' output: what each told. */
function told(exits: readonly WorkerExit[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of exits) for (const m of e.output.matchAll(/^TOLD (\d+) (\S+)$/gm)) out.set(Number(m[1]), Number(m[2]));
  return out;
}

function expectAllThere(trials: Awaited<ReturnType<typeof readBack>>, exits: readonly WorkerExit[], nComplete: number, checkSeen = true): void {
  for (const e of exits) expect({ code: e.code, tail: e.output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringMatching(/DONE/) });
  // Every trial number exactly once, from 0 up.
  expect(trials.map((t) => t.number)).toEqual([...trials.keys()]);
  const complete = trials.filter((t) => t.state === 'COMPLETE');
  expect(complete).toHaveLength(nComplete);
  // No result lost: every value a worker told is in the study.
  const values = told(exits);
  for (const t of complete) expect(values.get(t.number)).toBe(t.value);
  expect(values.size).toBe(nComplete);
  // The sampler saw every trial that had finished (a second before) when its trial started. (Not
  // across a restart: a finish stamped before it is written only after the server is back.)
  if (!checkSeen) return;
  for (const t of complete) {
    const before = complete.filter((u) => (u.datetimeComplete as number) < (t.datetimeStart as number) - 1000).length;
    expect({ trial: t.number, seen: Math.max(before, t.userAttrs.seen as number) }).toEqual({ trial: t.number, seen: t.userAttrs.seen });
  }
}

describePg('PostgresStorage with worker processes', () => {
  it('4 workers finish 300 trials of one study: each number once, no result lost, the sampler sees every finished trial', async () => {
    const url = await newStudy('many');
    const exits = await spawnChildWorkers(4, ['--storage', url, '--study', 'many', '--n-trials', '300', '--sleep-ms', '5']);
    const trials = await readBack(url, 'many');
    expectAllThere(trials, exits, 300);
    expect(trials).toHaveLength(300);
    expect(new Set(trials.map((t) => t.worker?.pid))).toEqual(new Set(exits.map((e) => e.pid)));
  }, 240_000);

  it('a worker killed with SIGKILL mid-trial: its trial fails after the grace period, its parameters run again, the study completes', async () => {
    const url = await newStudy('killed');
    // The killed worker plays another machine: its pid cannot be checked, only its heartbeat.
    const hung = await killedMidTrial(['--storage', url, '--study', 'killed', '--n-trials', '12', '--hang-at', '3', '--heartbeat-ms', '200'], {
      DIGITFUSE_WORKER_HOST: 'machine-a',
    });
    const killedAt = Date.now();
    const exits = await spawnChildWorkers(2, ['--storage', url, '--study', 'killed', '--n-trials', '12', '--stale-ms', '1500', '--heartbeat-ms', '200'], 5);
    const trials = await readBack(url, 'killed');
    const dead = trials[hung];
    expect(dead.state).toBe('FAIL');
    expect(dead.failReason).toMatch(/no heartbeat for \d+ s/);
    // Recorded as ended when it was last heard from (before the kill), not when a worker failed it after the grace period.
    expect(dead.datetimeComplete as number).toBeLessThanOrEqual(killedAt);
    const retry = trials.find((t) => t.retryOf === hung);
    expect(retry?.state).toBe('COMPLETE');
    expect(retry?.params).toEqual(dead.params);
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(12);
    for (const e of exits) expect(e.code).toBe(0);
  }, 120_000);

  it('pg_ctl restart mid-study: every worker goes on and nothing is lost', async () => {
    // A cluster of its own: restarting one the other specs share (CI's) would cut their connections.
    const own = await startTestCluster({ own: true });
    if (own?.restart === undefined) return; // no server programs here (never on CI)
    try {
      const url = await own.createDatabase('restart');
      const storage = new PostgresStorage(url);
      await createStudy({ name: 'restart', direction: 'minimize', storage });
      await storage.close();
      const run = spawnChildWorkers(4, ['--storage', url, '--study', 'restart', '--n-trials', '150', '--sleep-ms', '20']);
      const probe = new PostgresStorage(url, { logger: new MemoryLogger() });
      for (;;) {
        const n = (await probe.getTrials('restart')).filter((t) => t.state === 'COMPLETE').length;
        if (n >= 40) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await probe.close();
      own.restart();
      const exits = await run;
      const trials = await readBack(url, 'restart');
      expectAllThere(trials, exits, 150, false);
    } finally {
      own.stop();
    }
  }, 240_000);
});

describePg('PostgresStorage read-only (readOnly: true, for a dashboard)', () => {
  const tables = async (url: string): Promise<number> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'digitfuse%'`)).rows[0].n as number;
    } finally {
      await client.end();
    }
  };

  it('refuses a database without the schema in one line, creating nothing', async () => {
    const url = await cluster.createDatabase('empty');
    const storage = new PostgresStorage(url, { readOnly: true });
    try {
      const error = await storage.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(/^PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/empty_\w+`: expected digitfuse's tables, found none \(no study was ever stored in this database\)$/);
      expect(await tables(url)).toBe(0);
    } finally {
      await storage.close();
    }
  });

  it("reads a study other handles write, and the server refuses the reader's writes", async () => {
    const url = await newStudy('readonly');
    const writer = new PostgresStorage(url);
    const reader = new PostgresStorage(url, { readOnly: true });
    try {
      const worker = { host: 'h', pid: 1, id: 'w' };
      const t = await writer.startTrial('readonly', worker, 1000);
      expect(await reader.getStudyNames()).toEqual(['readonly']);
      expect((await reader.getTrials('readonly')).map((x) => x.state)).toEqual(['RUNNING']);
      await writer.finishTrial('readonly', t?.number as number, 'COMPLETE', 0.5, 2000);
      expect((await reader.getTrials('readonly')).map((x) => x.value)).toEqual([0.5]);
      await expect(reader.startTrial('readonly', worker, 3000)).rejects.toThrow(/read-only transaction/);
      expect((await writer.getTrials('readonly')).length).toBe(1);
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});

describePg('PostgresStorage.deleteStudy', () => {
  const W = { host: 'spec', pid: 1, id: 'w' };

  it('deletes a study with its trials and files; a handle that was reading it says so at its next read, then knows it no more', async () => {
    const url = await newStudy('gone');
    const a = new PostgresStorage(url);
    const b = new PostgresStorage(url);
    try {
      await a.createStudy('kept', 'minimize', true);
      const t = await a.startTrial('gone', W, 1000);
      await a.putArtifact('gone', t?.number as number, 'model.json', Buffer.from('{}'));
      expect(await b.getTrials('gone')).toHaveLength(1);
      expect(await a.deleteStudy('gone', (running) => (running.length > 5 ? 'busy' : undefined))).toEqual({ trials: 1, files: 1 });
      await expect(b.getTrials('gone')).rejects.toThrow(/^Study `gone` is no longer in postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/gone_\w+: it was deleted$/);
      // It knew the study: still said as deleted (not `Unknown study`), and its id is not read again.
      await expect(b.getTrials('gone')).rejects.toThrow(/^Study `gone` is no longer in \S+: it was deleted$/);
      // A typed error, for a reader that starts over when a study of that name is made again (a dashboard).
      await expect(b.getTrials('gone')).rejects.toBeInstanceOf(StudyDeletedError);
      expect(await b.getStudyNames()).toEqual(['kept']);
      // Refused while `busy` says so: nothing deleted.
      await a.startTrial('kept', W, 2000);
      await expect(a.deleteStudy('kept', (running) => `${running.length} running`)).rejects.toThrow(/^Study `kept` in \S+ is being searched: 1 running; stop those searches first \(nothing was deleted\)$/);
      expect(await a.getTrials('kept')).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a worker whose study was deleted under its running trial (its heartbeat silent past the timeout) is told so at its next write, whichever it is', async () => {
    const url = await newStudy('under');
    const admin = new PostgresStorage(url);
    // Before: `insert or update on table "digitfuse_artifacts" violates foreign key constraint ...`,
    // `Study \`under\` has no trial 0`, or `Unknown study \`under\``, by which write came first.
    const writes: [string, (w: PostgresStorage, n: number) => Promise<unknown>][] = [
      ['putArtifact', (w, n) => w.putArtifact('under', n, 'model.json', Buffer.from('{}'))],
      ['finishTrial', (w, n) => w.finishTrial('under', n, 'COMPLETE', 0.5, 3000)],
      ['startTrial', (w) => w.startTrial('under', W, 3000)],
    ];
    try {
      for (const [what, write] of writes) {
        await admin.createStudy('under', 'minimize', true);
        const worker = new PostgresStorage(url);
        try {
          const t = await worker.startTrial('under', W, 1000);
          await admin.deleteStudy('under');
          await expect(write(worker, t?.number as number).then(() => `${what}: no error`)).rejects.toThrow(/^Study `under` is no longer in postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/under_\w+: it was deleted$/);
          await expect(worker.getTrials('under')).rejects.toThrow(/^Study `under` is no longer in \S+: it was deleted$/);
        } finally {
          await worker.close();
        }
      }
      // A study of that name made again is the new one.
      await admin.createStudy('under', 'minimize', true);
      expect(await admin.getTrials('under')).toEqual([]);
    } finally {
      await admin.close();
    }
  });
});

describePg('PostgresStorage round trips', () => {
  const W = { host: 'spec', pid: 1, id: 'w' };
  const FLOAT = { type: 'float', low: 0, high: 1, log: false } as const;
  /** Calls of `getTrials`' own read (the prepared statement digitfuse_read_changed) while `fn` runs. */
  async function reads(fn: () => Promise<void>): Promise<number> {
    const spy = jest.spyOn(pg.Client.prototype, 'query');
    try {
      await fn();
      return spy.mock.calls.filter(([q]) => (q as { name?: string }).name === 'digitfuse_read_changed').length;
    } finally {
      spy.mockRestore();
    }
  }

  it('startTrial brings the study with it; the getTrials right after it uses that read only while nothing else can have changed it', async () => {
    const url = await newStudy('trips');
    const a = new PostgresStorage(url);
    const b = new PostgresStorage(`${url}?application_name=other`);
    try {
      await a.getTrials('trips');
      await b.getTrials('trips');
      // In the same turn of the event loop: no second read, and the started trial is there.
      let seen: Awaited<ReturnType<typeof a.getTrials>> = [];
      expect(
        await reads(async () => {
          const t = await a.startTrial('trips', W, Date.now());
          seen = await a.getTrials('trips');
          expect(seen[t?.number as number]).toMatchObject({ number: 0, state: 'RUNNING', worker: W });
        }),
      ).toBe(0);
      expect(seen).toHaveLength(1);
      // A later turn reads again, and sees what another handle did meanwhile.
      expect(
        await reads(async () => {
          await a.startTrial('trips', W, Date.now());
          await new Promise((r) => setImmediate(r));
          await b.startTrial('trips', W, Date.now());
          seen = await a.getTrials('trips');
        }),
      ).toBe(1);
      expect(seen.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
      // A write of this handle begun after the start: read again.
      expect(
        await reads(async () => {
          const t = await a.startTrial('trips', W, Date.now());
          const param = a.setParam('trips', t?.number as number, 'x', FLOAT, 0.5, Date.now());
          await a.getTrials('trips');
          await param;
        }),
      ).toBe(1);
      expect((await a.getTrials('trips'))[3].params).toEqual({ x: 0.5 });
      // The limit reached: no trial, and still the read.
      expect(
        await reads(async () => {
          expect(await a.startTrial('trips', W, Date.now(), { nFinished: 4 })).toBeUndefined();
          expect(await a.getTrials('trips')).toHaveLength(4);
        }),
      ).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describePg('PostgresStorage finishAndStartTrial (a finish and the next start in one round trip)', () => {
  const W = { host: 'spec', pid: 1, id: 'w' };
  /** Every query sent while `fn` runs. */
  async function queries(fn: () => Promise<void>): Promise<number> {
    const spy = jest.spyOn(pg.Client.prototype, 'query');
    try {
      await fn();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  it('finishes and starts in one round trip; starts nothing when the finish wrote nothing or the limit is reached', async () => {
    const url = await newStudy('pair');
    const a = new PostgresStorage(url);
    try {
      const t0 = await a.startTrial('pair', W, Date.now());
      let r: Awaited<ReturnType<NonNullable<typeof a.finishAndStartTrial>>> | undefined;
      let seen: Awaited<ReturnType<typeof a.getTrials>> = [];
      expect(
        await queries(async () => {
          r = await a.finishAndStartTrial(['pair', t0?.number as number, 'COMPLETE', 0.5, Date.now()], { worker: W, now: Date.now() });
          // The read came with it.
          seen = await a.getTrials('pair');
        }),
      ).toBe(1);
      expect(r).toMatchObject({ finished: true, started: { number: 1, state: 'RUNNING', worker: W } });
      expect(seen.map((t) => [t.state, t.value])).toEqual([
        ['COMPLETE', 0.5],
        ['RUNNING', undefined],
      ]);
      // Already finished: nothing written, nothing started.
      expect(await a.finishAndStartTrial(['pair', 0, 'COMPLETE', 0.1, Date.now()], { worker: W, now: Date.now() })).toEqual({ finished: false, started: undefined });
      // The limit, judged after the finish: 2 COMPLETE + PRUNED (+ RUNNING) reached, no start.
      expect(await a.finishAndStartTrial(['pair', 1, 'PRUNED', undefined, Date.now()], { worker: W, now: Date.now(), limit: { nFinished: 2 } })).toEqual({
        finished: true,
        started: undefined,
      });
      // A FAIL frees its place under the limit, as finishTrial then startTrial would.
      const t2 = await a.startTrial('pair', W, Date.now());
      expect(t2?.number).toBe(2);
      expect(await a.finishAndStartTrial(['pair', 2, 'FAIL', undefined, Date.now(), 'x'], { worker: W, now: Date.now(), limit: { nFinished: 3 } })).toMatchObject({
        finished: true,
        started: { number: 3, state: 'RUNNING' },
      });
      // A WAITING trial is claimed first.
      await a.enqueueTrial('pair', { x: 0.25 }, Date.now());
      expect(await a.finishAndStartTrial(['pair', 3, 'COMPLETE', 1, Date.now()], { worker: W, now: Date.now() })).toMatchObject({
        finished: true,
        started: { number: 4, state: 'RUNNING', fixedParams: { x: 0.25 } },
      });
      await expect(a.finishAndStartTrial(['pair', 99, 'COMPLETE', 1, Date.now()], { worker: W, now: Date.now() })).rejects.toThrow(/no trial 99/);
      expect((await readBack(url, 'pair')).map((t) => t.state)).toEqual(['COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE', 'RUNNING']);
    } finally {
      await a.close();
    }
  });

  it('optimize() costs two round trips a trial (suggestions, finish + next start); callbacks see the study as before', async () => {
    const url = await newStudy('lane');
    const storage = new PostgresStorage(url);
    try {
      const study = await loadStudy({ name: 'lane', storage });
      const seen: string[][] = [];
      const n = 6;
      const count = await queries(() =>
        study.optimize((t) => t.suggestFloat('x', 0, 1), {
          nTrials: n,
          // The view a callback sees: the trials so far, the last one finished, no next one yet.
          callbacks: [(s) => seen.push(s.trials.map((t) => t.state))],
        }),
      );
      // One start alone, then per trial its suggestion and its finish (with the next start).
      expect(count).toBe(2 * n + 1);
      expect(seen).toEqual(Array.from({ length: n }, (_, k) => Array.from({ length: k + 1 }, () => 'COMPLETE')));
      expect((await readBack(url, 'lane')).map((t) => [t.state, Object.keys(t.params)])).toEqual(Array.from({ length: n }, () => ['COMPLETE', ['x']]));
    } finally {
      await storage.close();
    }
  });

  it("optimize() starts no trial past a call's nTrials, a study's nTrials (two workers) or the timeout, and none when a callback throws", async () => {
    const url = await newStudy('limits');
    const a = new PostgresStorage(url);
    const b = new PostgresStorage(`${url}?application_name=other`);
    try {
      const sa = await loadStudy({ name: 'limits', storage: a, logger: new MemoryLogger() });
      const sb = await loadStudy({ name: 'limits', storage: b, logger: new MemoryLogger() });
      // A call's nTrials, with several lanes.
      await sa.optimize(async (t) => t.suggestFloat('x', 0, 1), { nTrials: 7, concurrency: 3 });
      expect((await readBack(url, 'limits')).map((t) => t.state)).toEqual(Array(7).fill('COMPLETE'));
      // A study's nTrials shared by two workers of three lanes each, some trials pruned, some failed.
      let k = 0;
      const objective: Objective = async (t) => {
        const x = t.suggestFloat('x', 0, 1);
        await new Promise((r) => setTimeout(r, 5));
        k++;
        if (k % 5 === 0) throw new RangeError('caught');
        if (k % 4 === 0) throw new TrialPruned();
        return x;
      };
      await Promise.all(
        [sa, sb].map((s) => s.optimize(objective, { nTrials: 20, nTrialsScope: 'study', concurrency: 3, catch: [RangeError], pollIntervalMs: 20 })),
      );
      let trials = await readBack(url, 'limits');
      expect(trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')).toHaveLength(20);
      expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toHaveLength(0);
      expect(trials.map((t) => t.number)).toEqual([...trials.keys()]);
      // The timeout: no trial starts after it.
      const before = trials.length;
      const t0 = Date.now();
      await sa.optimize(
        async (t) => {
          await new Promise((r) => setTimeout(r, 30));
          return t.suggestFloat('x', 0, 1);
        },
        { timeoutMs: 200 },
      );
      const t1 = Date.now();
      trials = await readBack(url, 'limits');
      const late = trials.slice(before);
      expect(late.length).toBeGreaterThan(0);
      // Judged when the previous trial finished, a few ms (the finish's own wait) before the start.
      for (const t of late) expect(t.datetimeStart as number).toBeLessThan(Math.min(t1, t0 + 200 + 50));
      expect(late.every((t) => t.state === 'COMPLETE')).toBe(true);
      // A callback that throws stops the search; the trial its finish had started is not left RUNNING.
      const boom = new Error('callback failed');
      await expect(
        sa.optimize((t) => t.suggestFloat('x', 0, 1), {
          nTrials: 5,
          callbacks: [
            () => {
              throw boom;
            },
          ],
        }),
      ).rejects.toBe(boom);
      trials = await readBack(url, 'limits');
      expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toHaveLength(0);
      expect(trials[trials.length - 1].failReason).toMatch(/optimize\(\) stopped before the trial ran: a callback after trial \d+ threw Error: callback failed/);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describePg('PostgresStorage errors (one line, nothing written)', () => {
  const expectOneLine = async (url: string, pattern: RegExp): Promise<void> => {
    const error = await openStorage(url).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    const message = (error as Error).message;
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
    expect(message).not.toContain(TEST_PG_PASSWORD);
  };

  it('a bad URL', async () => {
    await expectOneLine('postgresql://nohost', /^Expected the storage URL to be a postgresql:\/\/user@host:port\/database URL, found `postgresql:\/\/nohost`$/);
  });

  it('a refused connection', async () => {
    await expectOneLine(`postgresql://${TEST_PG_USER}:${TEST_PG_PASSWORD}@127.0.0.1:1/x`, /^PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:1\/x`: connection refused/);
  });

  it('a wrong password', async () => {
    await expectOneLine(`postgresql://${TEST_PG_USER}:wrong@127.0.0.1:${cluster.port}/postgres`, /password authentication failed for user "digitfuse"/);
  });

  it('a missing database', async () => {
    // A search may begin in a new database: it is told to make it.
    await expectOneLine(cluster.url('nope'), /database "nope" does not exist \(create it first: createdb\)$/);
  });

  it('a schema from a newer version', async () => {
    const url = await cluster.createDatabase('newer');
    await (await openStorage(url)).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE digitfuse_schema SET version = 99');
    await expectOneLine(url, /its schema is version 99, newer than this program's 1; upgrade digitfuse/);
    const studies = await client.query('SELECT count(*)::int AS n FROM digitfuse_studies');
    expect(studies.rows[0].n).toBe(0);
    await client.end();
  });

  it('several workers creating the schema of a new database at once all succeed', async () => {
    for (let round = 0; round < 3; round++) {
      const url = await cluster.createDatabase('race');
      // Distinct URLs: distinct pools, so distinct connections race.
      const storages = Array.from({ length: 6 }, (_, i) => new PostgresStorage(`${url}?application_name=w${i}`));
      await Promise.all(storages.map((st) => st.connect()));
      await Promise.all(storages.map((st) => st.close()));
    }
  }, 60_000);

  it("a role without the rights the study needs: says which, and the GRANTs that give them (which do)", async () => {
    const url = await cluster.createDatabase('rights');
    const database = new URL(url).pathname.slice(1);
    const role = `limited_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${TEST_PG_PASSWORD}'`);
      await admin.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
      const limited = `postgresql://${role}:${TEST_PG_PASSWORD}@127.0.0.1:${cluster.port}/${database}`;
      const grants =
        `\\(its owner can grant what the study needs: GRANT CREATE ON SCHEMA public TO ${role} \\(to create the study's tables, once\\), ` +
        `GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role} and GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role} \\(to use those another role created\\)\\)$`;
      // Its tables not there yet, and no right to create them.
      await expectOneLine(limited, new RegExp(`: role ${role} may not do this in database ${database}: permission denied for schema public ${grants}`));
      // Created by another role: no right to use them, each named (not only the first a query met).
      await (await openStorage(url)).close();
      const each = [
        `GRANT SELECT ON digitfuse_schema TO ${role}`,
        `GRANT SELECT, INSERT ON digitfuse_studies TO ${role}`,
        `GRANT USAGE ON SEQUENCE digitfuse_studies_id_seq TO ${role}`,
        `GRANT SELECT, INSERT, UPDATE ON digitfuse_trials TO ${role}`,
        `GRANT SELECT, INSERT, UPDATE ON digitfuse_artifacts TO ${role}`,
      ];
      await expectOneLine(
        limited,
        new RegExp(
          `: expected role ${role} to be allowed to write the study's tables in database ${database}, found it lacks SELECT on digitfuse_schema; SELECT, INSERT on digitfuse_studies; ` +
            `USAGE on SEQUENCE digitfuse_studies_id_seq; SELECT, INSERT, UPDATE on digitfuse_trials; SELECT, INSERT, UPDATE on digitfuse_artifacts ` +
            `\\(a search stores its trials there; the tables' owner can grant it: ${each.join('; ')}\\)$`,
        ),
      );
      // The GRANTs it names are enough.
      await admin.query(each.join('; '));
      const storage = new PostgresStorage(limited);
      try {
        await createStudy({ name: 'granted', direction: 'minimize', storage });
        expect(await storage.getStudyNames()).toContain('granted');
      } finally {
        await storage.close();
      }
    } finally {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });

  it('a role that may only read the tables: refused as it connects, naming what it lacks and the GRANTs that give it (which do); a read-only storage is not refused', async () => {
    const url = await cluster.createDatabase('readers');
    const database = new URL(url).pathname.slice(1);
    const role = `reader_${process.pid}`;
    await (await openStorage(url)).close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${TEST_PG_PASSWORD}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
      const reader = `postgresql://${role}:${TEST_PG_PASSWORD}@127.0.0.1:${cluster.port}/${database}`;
      const grants = [
        `GRANT INSERT ON digitfuse_studies TO ${role}`,
        `GRANT USAGE ON SEQUENCE digitfuse_studies_id_seq TO ${role}`,
        `GRANT INSERT, UPDATE ON digitfuse_trials TO ${role}`,
        `GRANT INSERT, UPDATE ON digitfuse_artifacts TO ${role}`,
      ];
      const line =
        `PostgreSQL storage \`postgresql://${role}@127.0.0.1:${cluster.port}/${database}\`: expected role ${role} to be allowed to write the study's tables in database ${database}, ` +
        'found it lacks INSERT on digitfuse_studies; USAGE on SEQUENCE digitfuse_studies_id_seq; INSERT, UPDATE on digitfuse_trials; INSERT, UPDATE on digitfuse_artifacts ' +
        `(a search stores its trials there; the tables' owner can grant it: ${grants.join('; ')})`;
      await expectOneLine(reader, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      // Reading is all a read-only storage (a dashboard, `digitfuse studies`) does: not refused.
      const readOnly = new PostgresStorage(reader, { readOnly: true });
      try {
        await readOnly.connect();
        expect(await readOnly.getStudyNames()).toEqual([]);
      } finally {
        await readOnly.close();
      }
      // What is missing but one right: only that one is named.
      await admin.query(grants.slice(1).join('; '));
      await expectOneLine(reader, /found it lacks INSERT on digitfuse_studies \(a search stores its trials there; the tables' owner can grant it: GRANT INSERT ON digitfuse_studies TO reader_\d+\)$/);
      // The GRANTs it names are enough for a study.
      await admin.query(grants[0]);
      const storage = new PostgresStorage(reader);
      try {
        await createStudy({ name: 'granted', direction: 'minimize', storage });
        const study = await loadStudy({ name: 'granted', storage });
        await study.optimize((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 2 });
        expect(study.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE']);
      } finally {
        await storage.close();
      }
    } finally {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });

  it("a read-only storage (a dashboard's) whose role may not read every table: refused as it connects, naming each and the GRANTs that give them (which do)", async () => {
    const url = await newStudy('viewers');
    const database = new URL(url).pathname.slice(1);
    const role = `viewer_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${TEST_PG_PASSWORD}'; GRANT SELECT ON digitfuse_studies TO ${role}`);
      const viewer = `postgresql://${role}:${TEST_PG_PASSWORD}@127.0.0.1:${cluster.port}/${database}`;
      const grants = ['digitfuse_schema', 'digitfuse_trials', 'digitfuse_artifacts'].map((table) => `GRANT SELECT ON ${table} TO ${role}`);
      for (const fix of [[], [grants[0]]]) {
        await admin.query(fix.join('; '));
        const lacking = grants.slice(fix.length);
        const refused = new PostgresStorage(viewer, { readOnly: true });
        const error = await refused.connect().then(
          () => undefined,
          (e: unknown) => e,
        );
        await refused.close();
        expect(error).toBeInstanceOf(StorageError);
        expect((error as Error).message).toBe(
          `PostgreSQL storage \`postgresql://${role}@127.0.0.1:${cluster.port}/${database}\`: expected role ${role} to be allowed to read the study's tables in database ${database}, ` +
            `found it lacks ${lacking.map((g) => `SELECT on ${g.split(' ')[3]}`).join('; ')} ` +
            `(a dashboard or a list of the studies reads them there, and writes nothing; the tables' owner can grant it: ${lacking.join('; ')})`,
        );
      }
      await admin.query(grants.slice(1).join('; '));
      const reader = new PostgresStorage(viewer, { readOnly: true });
      try {
        expect(await reader.getStudyNames()).toEqual(['viewers']);
        expect(await reader.getTrials('viewers')).toEqual([]);
      } finally {
        await reader.close();
      }
    } finally {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });

  it('names the id sequence as the server does (renamed: its real name, quoted), in the GRANT it gives (which does); a table whose id has none is not asked about it', async () => {
    const url = await cluster.createDatabase('sequence');
    const database = new URL(url).pathname.slice(1);
    const role = `writer_${process.pid}`;
    await (await openStorage(url)).close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('ALTER SEQUENCE digitfuse_studies_id_seq RENAME TO "Study ids"');
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${TEST_PG_PASSWORD}'; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO ${role}`);
      const writer = `postgresql://${role}:${TEST_PG_PASSWORD}@127.0.0.1:${cluster.port}/${database}`;
      const grant = `GRANT USAGE ON SEQUENCE "Study ids" TO ${role}`;
      await expectOneLine(writer, new RegExp(`found it lacks USAGE on SEQUENCE "Study ids" \\(a search stores its trials there; the tables' owner can grant it: ${grant}\\)$`));
      await admin.query(grant);
      const storage = new PostgresStorage(writer);
      try {
        await createStudy({ name: 'granted', direction: 'minimize', storage });
        expect(await storage.getStudyNames()).toEqual(['granted']);
      } finally {
        await storage.close();
      }
      // An id without a sequence (a table made by hand): nothing to ask for (not `SEQUENCE null`).
      await admin.query(`ALTER TABLE digitfuse_studies ALTER COLUMN id DROP DEFAULT; DROP SEQUENCE "Study ids"; REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
      await (await openStorage(writer)).close();
    } finally {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });

  it("a storage for deleting asks for a delete's rights only: a role that may read and delete studies deletes one; one that may only read is told the GRANT that lets it (which does)", async () => {
    const url = await newStudy('deleters');
    const owner = new PostgresStorage(url);
    try {
      const study = await loadStudy({ name: 'deleters', storage: owner });
      await study.optimize((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 2 });
      await owner.putArtifact('deleters', 0, 'model.json', Buffer.from('{}'));
    } finally {
      await owner.close();
    }
    const database = new URL(url).pathname.slice(1);
    const role = `deleter_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${TEST_PG_PASSWORD}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
      const deleter = `postgresql://${role}:${TEST_PG_PASSWORD}@127.0.0.1:${cluster.port}/${database}`;
      const first = new PostgresStorage(deleter, { purpose: 'delete' });
      const refused = await first.deleteStudy('deleters').then(
        () => undefined,
        (e: unknown) => e,
      );
      await first.close();
      expect(refused).toBeInstanceOf(StorageError);
      expect((refused as Error).message).toBe(
        `PostgreSQL storage \`postgresql://${role}@127.0.0.1:${cluster.port}/${database}\`: expected role ${role} to be allowed to delete studies in database ${database}, ` +
          `found it lacks DELETE on digitfuse_studies (a delete counts the study's trials and stored files, then deletes its row, which takes them with it; ` +
          `the tables' owner can grant it: GRANT DELETE ON digitfuse_studies TO ${role})`,
      );
      expect(await readBack(url, 'deleters')).toHaveLength(2);
      // The GRANT it names is enough, without any right to write a study (a search's storage is refused).
      await admin.query(`GRANT DELETE ON digitfuse_studies TO ${role}`);
      await expectOneLine(deleter, /expected role deleter_\d+ to be allowed to write the study's tables in database \w+, found it lacks INSERT on digitfuse_studies; /);
      const storage = new PostgresStorage(deleter, { purpose: 'delete' });
      try {
        expect(await storage.deleteStudy('deleters')).toEqual({ trials: 2, files: 1 });
        expect(await storage.getStudyNames()).toEqual([]);
      } finally {
        await storage.close();
      }
    } finally {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });

  it('takes the password from PGPASSWORD or a .pgpass file when the URL has none', async () => {
    const bare = cluster.url('postgres').replace(`:${TEST_PG_PASSWORD}@`, '@');
    const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
    // Removed after: every run left a /tmp/pgpass-* folder behind.
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pgpass-'));
    try {
      process.env.PGPASSWORD = TEST_PG_PASSWORD;
      await (await openStorage(bare)).close();
      delete process.env.PGPASSWORD;
      const file = path.join(folder, 'pgpass');
      fs.writeFileSync(file, `127.0.0.1:${cluster.port}:postgres:${TEST_PG_USER}:${TEST_PG_PASSWORD}\n`, { mode: 0o600 });
      process.env.PGPASSFILE = file;
      await (await openStorage(bare)).close();
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('a URL without a password, to a server that asks for one: says so and where a password goes', async () => {
    const bare = cluster.url('postgres').replace(`:${TEST_PG_PASSWORD}@`, '@');
    const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
    try {
      delete process.env.PGPASSWORD;
      process.env.PGPASSFILE = path.join(os.tmpdir(), 'no-such-pgpass');
      await expectOneLine(
        bare,
        new RegExp(
          `^PostgreSQL storage \`postgresql://digitfuse@127\\.0\\.0\\.1:${cluster.port}/postgres\`: 127\\.0\\.0\\.1:${cluster.port} asks for a password, and none was given ` +
            '\\(put it in the URL \\(user:PASSWORD@ before the host\\), or in PGPASSWORD or ~/\\.pgpass\\)$',
        ),
      );
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describePg('PostgresStorage over SSL: sslmode as psql takes it, and one line for each way it fails', () => {
  // A cluster of its own that takes SSL connections only, its certificate signed by a test authority.
  let tls: TestCluster;
  beforeAll(async () => {
    tls = (await startTestCluster({ ssl: true })) as TestCluster;
  }, 60_000);
  afterAll(() => tls?.stop());

  /** The cluster's URL with these query parameters instead of its own. */
  const withParams = (params: Record<string, string>, base = tls.url()): string => {
    const u = new URL(base);
    u.search = new URLSearchParams(params).toString();
    return u.toString();
  };
  /** Whether a storage on `url` can create and list a study; the warnings the process emitted meanwhile. */
  async function works(url: string): Promise<{ names: string[]; warnings: string[] }> {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const storage = new PostgresStorage(url, { retryForMs: 0 });
    try {
      await storage.createStudy('over-ssl', 'minimize', true);
      return { names: await storage.getStudyNames(), warnings };
    } finally {
      await storage.close();
      await new Promise((r) => setImmediate(r));
      process.off('warning', onWarning);
    }
  }
  async function failure(url: string): Promise<string> {
    const error = await openStorage(url, { retryForMs: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain(TEST_PG_PASSWORD);
    return message;
  }

  it('verify-full with sslrootcert: the certificate checked, the study there', async () => {
    expect(await works(tls.url())).toEqual({ names: ['over-ssl'], warnings: [] });
  });

  it("require: encrypted without checking the certificate (psql's meaning), and no driver warning", async () => {
    expect(await works(withParams({ sslmode: 'require' }))).toEqual({ names: ['over-ssl'], warnings: [] });
  });

  it.each(['prefer', 'allow'])("%s: SSL where the server takes it (this one takes nothing else), none where it does not (psql's meaning)", async (sslmode) => {
    expect(await works(withParams({ sslmode }))).toEqual({ names: ['over-ssl'], warnings: [] });
    // A read-only storage too (the dashboard's, `digitfuse studies`').
    const plain = withParams({ sslmode, application_name: 'plain' }, await cluster.createDatabase('nossl'));
    expect(await works(plain)).toEqual({ names: ['over-ssl'], warnings: [] });
    const reader = new PostgresStorage(plain, { readOnly: true, retryForMs: 0 });
    try {
      expect(await reader.getStudyNames()).toEqual(['over-ssl']);
    } finally {
      await reader.close();
    }
  });

  it("verify-full without the authority: says the certificate is not trusted, and what to add", async () => {
    expect(await failure(withParams({ sslmode: 'verify-full' }))).toMatch(
      new RegExp(`^PostgreSQL storage \`[^\`]+\`: 127\\.0\\.0\\.1:${tls.port}'s certificate is not signed by an authority this machine trusts \\([A-Z_]+\\) \\(name the authority with sslrootcert=FILE in the URL .*sslmode=require to encrypt without checking who the server is\\)$`),
    );
  });

  it('no sslmode, or sslmode=disable, to a server that takes SSL only: says how to ask for it, for the URL as it is', async () => {
    expect(await failure(withParams({}))).toMatch(/no encryption \(the server takes SSL connections only: add \?sslmode=require to the URL \(or /);
    expect(await failure(withParams({ application_name: 'w1' }))).toMatch(/no encryption \(the server takes SSL connections only: add &sslmode=require to the URL \(or /);
    expect(await failure(withParams({ sslmode: 'disable' }))).toMatch(/no encryption \(the server takes SSL connections only: replace sslmode=disable in the URL with sslmode=require \(or /);
  });

  it('sslmode=require, to a server without SSL: says so', async () => {
    expect(await failure(withParams({ sslmode: 'require' }, cluster.url('postgres')))).toMatch(
      new RegExp(`: 127\\.0\\.0\\.1:${cluster.port} does not take SSL connections, and the URL asks for them \\(sslmode=require\\) \\(drop sslmode from the URL, or turn ssl on in the server's postgresql\\.conf\\)$`),
    );
  });

  it.each([
    [{ sslmode: 'verify-full', sslrootcert: '/no/such/ca.pem' }, /^Expected sslrootcert=\/no\/such\/ca\.pem in the storage URL to be a readable file \(the certificate of the authority that signed the server's\), found no such file \(ENOENT\)$/],
    [{ sslmode: 'strict' }, /^Expected the sslmode of the storage URL to be one of disable, allow, prefer, require, verify-ca, verify-full, no-verify, found `strict`$/],
    [{ sslmode: 'verify-ca' }, /^Expected the storage URL with sslmode=verify-ca to name sslrootcert=FILE, the certificate of the authority that signed the server's/],
  ])('%j: one line before any connection', async (params, pattern) => {
    expect(await failure(withParams(params))).toMatch(pattern);
  });
});

const describePooler = postgresTestable() && poolerTestable() ? describe : describe.skip;

describePooler('PostgresStorage through a proxy that pools transactions (PgBouncer in transaction mode)', () => {
  let pooler: TestPooler;
  beforeAll(async () => {
    pooler = await startTestPooler(cluster);
  }, 30_000);
  afterAll(() => pooler?.stop());
  /** `url` (a database of the cluster) through the proxy. */
  const pooled = (url: string): string => pooler.url(new URL(url).pathname.slice(1));

  it('3 worker processes finish 60 trials of one study through it: each number once, no result lost', async () => {
    const url = await newStudy('pooled');
    const exits = await spawnChildWorkers(3, ['--storage', pooled(url), '--study', 'pooled', '--n-trials', '60', '--sleep-ms', '5']);
    expectAllThere(await readBack(url, 'pooled'), exits, 60);
  }, 240_000);

  it('four handles create the schema of a new database through it at once', async () => {
    const url = pooled(await cluster.createDatabase('pooled_schema'));
    const handles = [0, 1, 2, 3].map(() => new PostgresStorage(url, { logger: new MemoryLogger() }));
    try {
      await Promise.all(handles.map((h, i) => h.createStudy(`s${i}`, 'minimize', true)));
      expect((await handles[0].getStudyNames()).sort()).toEqual(['s0', 's1', 's2', 's3']);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it("a read-only handle (the dashboard's) reads through it, and refuses to write in one line", async () => {
    const url = await newStudy('pooled_reader');
    const writer = new PostgresStorage(pooled(url));
    const reader = new PostgresStorage(pooled(url), { readOnly: true });
    try {
      const t = await writer.startTrial('pooled_reader', { host: 'h', pid: 1, id: 'w' }, 1000);
      await writer.finishTrial('pooled_reader', t?.number as number, 'COMPLETE', 0.5, 2000);
      expect((await reader.getTrials('pooled_reader')).map((x) => [x.state, x.value])).toEqual([['COMPLETE', 0.5]]);
      await expect(reader.startTrial('pooled_reader', { host: 'h', pid: 1, id: 'w' }, 3000)).rejects.toThrow(
        /^PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/pooled_reader_\w+` was opened read-only: it writes nothing$/,
      );
      expect(await writer.getTrials('pooled_reader')).toHaveLength(1);
    } finally {
      await Promise.all([reader.close(), writer.close()]);
    }
  });
});

describePg('PostgresStorage and a server out of reach (through a TCP relay)', () => {
  let relay: TcpRelay;
  beforeEach(async () => {
    relay = await startTcpRelay({ host: '127.0.0.1', port: cluster.port });
  });
  afterEach(() => relay.close());

  /** How a connection that cannot be set up fails: the error, and how long it took (ms). */
  async function failedConnect(url: string, args: ConstructorParameters<typeof PostgresStorage>[1]): Promise<{ error: unknown; ms: number }> {
    const t0 = Date.now();
    const storage = new PostgresStorage(url, args);
    try {
      const error = await storage.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      return { error, ms: Date.now() - t0 };
    } finally {
      await storage.close();
    }
  }

  it('a port that takes the connection and never answers: one line naming the server, after the connect timeout', async () => {
    await relay.setMode('silent');
    const { error, ms } = await failedConnect(relay.url(cluster.url('postgres')), { connectTimeoutMs: 1000 });
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe(
      `PostgreSQL storage \`postgresql://digitfuse@127.0.0.1:${relay.port}/postgres\`: 127.0.0.1:${relay.port} took the connection but did not answer within 1s ` +
        "(is that port a PostgreSQL server's, and the server not overloaded?)",
    );
    expect(ms).toBeLessThan(5000);
  });

  it('a server that hangs up while the connection is set up: one line naming the server', async () => {
    await relay.setMode('hangup');
    const { error } = await failedConnect(relay.url(cluster.url('postgres')), {});
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe(
      `PostgreSQL storage \`postgresql://digitfuse@127.0.0.1:${relay.port}/postgres\`: 127.0.0.1:${relay.port} closed the connection ` +
        "(is that port a PostgreSQL server's? the server's log says why it hung up)",
    );
    expect(relay.accepted).toBe(1);
  });

  it('a connection refused for want of a password is closed at once (the server would hold it for a minute)', async () => {
    const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
    try {
      delete process.env.PGPASSWORD;
      process.env.PGPASSFILE = path.join(os.tmpdir(), 'no-such-pgpass');
      const { error } = await failedConnect(relay.url(cluster.url('postgres')).replace(`:${TEST_PG_PASSWORD}@`, '@'), {});
      expect((error as Error).message).toMatch(/asks for a password, and none was given/);
      for (let i = 0; i < 50 && relay.open > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect({ accepted: relay.accepted, open: relay.open }).toEqual({ accepted: 1, open: 0 });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('a server out of reach mid-study: retried for retryForMs, then StorageUnavailableError; later calls fail at once; what was written is kept', async () => {
    const url = await newStudy('outage');
    const logger = new MemoryLogger();
    const storage = new PostgresStorage(relay.url(url), { logger, retryForMs: 1500 });
    const worker = { host: 'spec', pid: 1, id: 'w' };
    try {
      const first = (await storage.startTrial('outage', worker, 1000)) as { number: number };
      await storage.finishTrial('outage', first.number, 'COMPLETE', 0.25, 2000);
      // The server goes away: open connections are cut, new ones refused.
      await relay.setMode('refuse');
      relay.cut();
      const t0 = Date.now();
      const error = await storage.startTrial('outage', worker, 3000).then(
        () => undefined,
        (e: unknown) => e,
      );
      const ms = Date.now() - t0;
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(error).toMatchObject({ server: `127.0.0.1:${relay.port}`, triedMs: 1500 });
      expect((error as Error).message).toMatch(
        new RegExp(
          `^PostgreSQL storage \`postgresql://digitfuse@127\\.0\\.0\\.1:${relay.port}/outage_\\w+\`: 127\\.0\\.0\\.1:${relay.port} out of reach, retried for 2s ` +
            `\\((connection refused by|127\\.0\\.0\\.1:${relay.port} closed the connection)[^)]*\\); what was written before is kept there$`,
        ),
      );
      expect(ms).toBeGreaterThanOrEqual(1400);
      expect(ms).toBeLessThan(6000);
      expect(logger.warnings).toEqual([expect.stringMatching(/: connection refused by 127\.0\.0\.1:\d+ .*; retrying for up to 2s$/)]);
      // Given up: the next call tries once and fails at once, with the same line.
      const t1 = Date.now();
      await expect(storage.heartbeat('outage', 0, 4000)).rejects.toThrow((error as Error).message);
      expect(Date.now() - t1).toBeLessThan(1000);
      // Back: calls get through again, and the logger says so.
      await relay.setMode('forward');
      expect((await storage.getTrials('outage')).map((t) => [t.state, t.value])).toEqual([['COMPLETE', 0.25]]);
      expect(logger.warnings[1]).toMatch(new RegExp(`: 127\\.0\\.0\\.1:${relay.port} answers again, after \\d+s$`));
    } finally {
      await storage.close();
    }
    // What was finished before the outage is in the database.
    expect((await readBack(url, 'outage')).map((t) => t.state)).toEqual(['COMPLETE']);
  });

  it("a network that goes quiet while a worker holds the study's lock: the server ends that transaction after lockIdleTimeoutMs, the others go on, the call retries and writes once", async () => {
    const url = await newStudy('stall');
    const logger = new MemoryLogger();
    const stalled = new PostgresStorage(relay.url(url), { logger, lockIdleTimeoutMs: 1000, queryTimeoutMs: 6000, retryForMs: 30_000 });
    const other = new PostgresStorage(url, { logger: new MemoryLogger() });
    try {
      await stalled.getTrials('stall');
      // The lock is taken; the server's answer, and everything after it (even the client giving up
      // on it and closing), is lost on the way.
      const quiet = relay.silenceAfter('pg_advisory_xact_lock');
      const enqueued = stalled.enqueueTrial('stall', { x: 1 }, 1000);
      await quiet;
      const t0 = Date.now();
      const started = await Promise.race([other.startTrial('stall', { host: 'other', pid: 2, id: 'o' }, 2000), new Promise((r) => setTimeout(() => r('still waiting after 10s'), 10_000))]);
      const waitedMs = Date.now() - t0;
      expect(started).toMatchObject({ number: 0 });
      // Freed by the server's timeout, well before the stalled client's own query timeout.
      expect(waitedMs).toBeLessThan(4000);
      await relay.setMode('forward');
      expect(await enqueued).toBe(1);
      expect((await other.getTrials('stall')).map((t) => [t.number, t.state, t.fixedParams])).toEqual([
        [0, 'RUNNING', undefined],
        [1, 'WAITING', { x: 1 }],
      ]);
    } finally {
      await relay.setMode('forward');
      await Promise.all([stalled.close(), other.close()]);
    }
  });

  it('a slow link: storing and reading a file longer than the query timeout is given time for its size, and the bytes come back whole', async () => {
    const url = await newStudy('slow');
    const logger = new MemoryLogger();
    const storage = new PostgresStorage(relay.url(url), { logger, queryTimeoutMs: 800, retryForMs: 3000 });
    const data = Buffer.from(Array.from({ length: 400_000 }, (_, i) => (i * 7919) % 251));
    try {
      await storage.getTrials('slow');
      relay.setRate(200_000);
      const t0 = Date.now();
      expect(await storage.putArtifact('slow', 0, 'weights.bin', data)).toBe(true);
      const back = await storage.getArtifact('slow', 0, 'weights.bin');
      // 400 kB each way at 200 kB/s: far past the 0.8 s query timeout, every byte intact, no retry.
      expect(Date.now() - t0).toBeGreaterThan(3000);
      expect(back?.equals(data)).toBe(true);
      expect(logger.warnings).toEqual([]);
    } finally {
      relay.setRate(undefined);
      await storage.close();
    }
  });

  it('a network that goes silent for a moment: the call waits and goes on, nothing reported', async () => {
    const url = await newStudy('blip');
    const logger = new MemoryLogger();
    const storage = new PostgresStorage(relay.url(url), { logger, retryForMs: 20_000 });
    try {
      await storage.getTrials('blip');
      await relay.setMode('silent');
      const read = storage.startTrial('blip', { host: 'spec', pid: 1, id: 'w' }, 1000);
      setTimeout(() => void relay.setMode('forward'), 300);
      expect((await read)?.number).toBe(0);
      expect(logger.warnings).toEqual([]);
    } finally {
      await storage.close();
    }
  });
});
