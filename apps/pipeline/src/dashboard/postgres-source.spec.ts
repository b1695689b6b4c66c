/**
 * PostgresSource against a real PostgreSQL server (a throwaway cluster, or CI's): it reads a study
 * that other handles write, follows it by polling, and never writes. Skipped with one loud line
 * without PostgreSQL (never on CI).
 */
import { PostgresStorage, StorageError, silentLogger } from '@digitfuse/tuning';
import { postgresTestable, startTcpRelay, TEST_PG_PASSWORD } from '@digitfuse/tuning/testing';
import pg from 'pg';
import { PipelineError } from '../errors';
import { PostgresSource } from './postgres-source';
import { finishedTrial, storeTrial, writeFixtureStudy } from './testing/fixture-run';
import { usePostgresDatabase } from './testing/postgres-fixture';

jest.setTimeout(60_000);

const describePg = postgresTestable() ? describe : describe.skip;
const quiet = () => undefined;
const db = usePostgresDatabase('source', async (writer) => {
  await writeFixtureStudy(writer, 'watched', { finished: 4, runningEpochs: 2 });
  await writer.createStudy('other', 'minimize', true);
});

/** Every row of the study tables with the transaction that last wrote it: what a reader must leave as it is. */
async function tableState(database: string): Promise<string> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    const tables = await client.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'digitfuse%' ORDER BY tablename`);
    const rows = await client.query(`SELECT study_id, number, txid::text, xmin::text FROM digitfuse_trials ORDER BY study_id, number`);
    const studies = await client.query(`SELECT id, name, xmin::text FROM digitfuse_studies ORDER BY id`);
    return JSON.stringify([tables.rows, rows.rows, studies.rows]);
  } finally {
    await client.end();
  }
}

describePg('PostgresSource (a study in PostgreSQL, polled)', () => {
  it("reads the study's trials, its recorded objective and its direction", async () => {
    const source = await PostgresSource.open(db.url(), 'watched', { log: quiet });
    try {
      const data = source.read();
      expect(data?.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'PRUNED', 'RUNNING']);
      // Its fusion too: a robust model's pruned value is its fused head's accuracy (prunedValueApart).
      expect(data).toMatchObject({ name: 'watched', direction: 'maximize', objective: 'shift-aware', seed: 42, fusion: 'robust' });
      expect(source.info).toEqual({ kind: 'postgresql', place: db.url().replace(`:${TEST_PG_PASSWORD}@`, '@'), study: 'watched' });
      expect(source.info.place).not.toContain(TEST_PG_PASSWORD);
      // The running trial's steps have a time (its last write), for its progress.
      expect(data?.reportTimes.get(4)?.size).toBe(2);
    } finally {
      await source.close();
    }
  });

  it('calls onChange once a trial another handle finishes is in, and not while nothing changes; writes nothing', async () => {
    const before = await tableState(db.url());
    const source = await PostgresSource.open(db.url(), 'watched', { log: quiet, pollMs: 100 });
    let changes = 0;
    await source.start(() => changes++);
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      expect(changes).toBe(0);
      expect(await tableState(db.url())).toBe(before);
      const writer = new PostgresStorage(db.url(), { logger: silentLogger });
      let n: number;
      try {
        n = await storeTrial(writer, 'watched', finishedTrial(11, Date.now() - 60_000, 0.99));
      } finally {
        await writer.close();
      }
      const deadline = Date.now() + 20_000;
      while (!source.read()?.trials.some((t) => t.number === n && t.state === 'COMPLETE') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(source.read()?.trials[n]).toMatchObject({ state: 'COMPLETE' });
      expect(changes).toBeGreaterThan(0);
    } finally {
      await source.close();
    }
  });

  it('refuses an unknown study, listing the studies there', async () => {
    const error = await PostgresSource.open(db.url(), 'nope', { log: quiet }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as Error).message).toBe(`Expected \`--study nope\` to name a study in ${db.url().replace(`:${TEST_PG_PASSWORD}@`, '@')}, found none of that name (studies there: watched, other)`);
  });

  it('keeps the trials as last read while the database is out of reach, says why and since when, and reads again when it is back', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: db.cluster().port });
    const lines: string[] = [];
    const source = await PostgresSource.open(relay.url(db.url()), 'watched', { log: (l) => lines.push(l), pollMs: 100 });
    let changes = 0;
    const until = async (test: () => boolean) => {
      for (const deadline = Date.now() + 30_000; !test(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > deadline) throw new Error('not so within 30 s');
    };
    try {
      await source.start(() => changes++);
      const before = source.read()?.trials.length;
      expect(before).toBeGreaterThan(0);
      expect(source.problem()).toBeNull();
      // The server goes away: its connections cut, new ones refused.
      const t0 = Date.now();
      await relay.setMode('refuse');
      relay.cut();
      await until(() => source.problem() !== null);
      const problem = source.problem();
      expect(problem?.message).toContain(`127.0.0.1:${relay.port}`);
      expect(problem?.since).toBeGreaterThanOrEqual(t0);
      // The change is told (the page shows it), and the trials stay as last read.
      expect(changes).toBeGreaterThan(0);
      expect(source.read()?.trials).toHaveLength(before as number);
      expect(lines.filter((l) => l.includes('cannot read'))).toHaveLength(1);
      // Back: read again, the problem gone, and told.
      const told = changes;
      await relay.setMode('forward');
      await until(() => source.problem() === null);
      expect(changes).toBeGreaterThan(told);
      expect(lines.at(-1)).toMatch(/^dashboard: reading postgresql:\/\/.* again, after \d+s$/);
    } finally {
      await source.close();
      await relay.close();
    }
  });

  it('a study deleted while watched: says so, keeps the trials as last read; one made again under its name is read afresh (its direction, record and steps)', async () => {
    const url = await db.cluster().createDatabase('reborn');
    const writer = new PostgresStorage(url, { logger: silentLogger });
    await writeFixtureStudy(writer, 'reborn', { finished: 2, runningEpochs: 2 });
    const lines: string[] = [];
    const source = await PostgresSource.open(url, 'reborn', { log: (l) => lines.push(l), pollMs: 100 });
    const until = async (test: () => boolean) => {
      for (const deadline = Date.now() + 30_000; !test(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > deadline) throw new Error('not so within 30 s');
    };
    try {
      await source.start(() => undefined);
      expect(source.read()).toMatchObject({ direction: 'maximize', objective: 'shift-aware', seed: 42 });
      expect(source.read()?.reportTimes.get(2)?.size).toBe(2);
      await writer.deleteStudy('reborn');
      await until(() => source.problem() !== null);
      expect(source.problem()?.message).toMatch(/^Study `reborn` is no longer in postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\w+: it was deleted$/);
      expect(source.read()?.trials).toHaveLength(3);
      // Made again (another search, other settings): its own direction and record, no step of the old trial 2.
      await writer.createStudy('reborn', 'minimize', false);
      const key = { data: 'other', split: 'grouped', seed: 7, 'search-rows': 12_000, modality: 'both', fusion: 'late', objective: 'accuracy' };
      await writer.putArtifact('reborn', -1, 'study-key.json', Buffer.from(JSON.stringify(key)));
      for (const score of [0.5, 0.6, 0.7]) await storeTrial(writer, 'reborn', finishedTrial(13, Date.now() - 60_000, score));
      await until(() => source.problem() === null && source.read()?.trials.length === 3 && source.read()?.direction === 'minimize');
      expect(source.read()).toMatchObject({ direction: 'minimize', objective: 'accuracy', seed: 7, fusion: 'late' });
      expect(source.read()?.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
      // Each step of the new trial 2 at its own last write, none at the old trial 2's.
      const trial2 = source.read()?.trials[2];
      expect([...(source.read()?.reportTimes.get(2)?.entries() ?? [])]).toEqual([...(trial2?.intermediateValues.keys() ?? [])].map((step) => [step, trial2?.lastHeartbeat]));
      expect(lines.filter((l) => l.includes('it was deleted'))).toHaveLength(1);
    } finally {
      await source.close();
      await writer.close();
    }
  });

  it("waits for a run's study that the database does not hold yet", async () => {
    const lines: string[] = [];
    const source = await PostgresSource.open(db.url(), 'later', { log: (l) => lines.push(l), pollMs: 100, waitForStudy: true });
    try {
      expect(source.read()).toBeNull();
      expect(lines).toEqual([expect.stringMatching(/^dashboard: no study `later` in postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\w+ yet \(studies there: watched, other\); waiting/)]);
      let changed = false;
      await source.start(() => (changed = true));
      const writer = new PostgresStorage(db.url(), { logger: silentLogger });
      try {
        await storeTrial(writer, 'later', finishedTrial(12, Date.now() - 60_000, 0.98));
      } finally {
        await writer.close();
      }
      // The study may be seen (and a change told) between its creation and its trial's writes: wait for the trial.
      const deadline = Date.now() + 20_000;
      while (!(changed && source.read()?.trials.length === 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(changed).toBe(true);
      expect(source.read()?.trials).toHaveLength(1);
    } finally {
      await source.close();
    }
  });

  it('refuses a database without the schema in one line, creating nothing there', async () => {
    const empty = await db.cluster().createDatabase('noschema');
    const error = await PostgresSource.open(empty, 'digitfuse', { log: quiet }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/^PostgreSQL storage `postgresql:\/\/digitfuse@[^`]+`: expected digitfuse's tables, found none \(no study was ever stored in this database\)$/);
    const client = new pg.Client({ connectionString: empty });
    await client.connect();
    const tables = await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'digitfuse%'`);
    await client.end();
    expect(tables.rows[0].n).toBe(0);
  });
});
