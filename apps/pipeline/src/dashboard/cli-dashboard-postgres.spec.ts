/**
 * `digitfuse dashboard --storage URL --study NAME`, and `--run DIR` of a run whose study is in the
 * database, as its own process, with real flags, against a real PostgreSQL server (a throwaway
 * cluster, or CI's): it serves the study; a database that cannot be read, a --storage or --study other
 * than the run's, or a finished run's study gone is one error line naming what was expected and found,
 * without the password. Skipped with one loud line without PostgreSQL (never on CI).
 */
import { useTempDir, WORKSPACE } from '@digitfuse/core/testing';
import { redactUrl } from '@digitfuse/tuning';
import { postgresTestable, startTcpRelay, TEST_PG_PASSWORD } from '@digitfuse/tuning/testing';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { writeFixtureRun, writeFixtureStudy } from './testing/fixture-run';
import { DASHBOARD_CLI, startDashboardCli, TSX } from './testing/cli';
import { rawGet } from './testing/http';
import { usePostgresDatabase } from './testing/postgres-fixture';

jest.setTimeout(180_000);

const describePg = postgresTestable() ? describe : describe.skip;
const db = usePostgresDatabase('cli', async (writer) => {
  await writeFixtureStudy(writer, 'mnist-av', { finished: 3, runningEpochs: 1 });
  await writer.createStudy('second', 'maximize', true);
});

interface Run {
  readonly status: number | null;
  readonly stderr: string;
}

/** The dashboard CLI to its end (an error), with an argument array; DIGITFUSE_STORAGE unset unless `env` sets it. */
function dashboardCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const base = { ...process.env };
    delete base.DIGITFUSE_STORAGE;
    const child = spawn(TSX, [DASHBOARD_CLI, ...args], { cwd: WORKSPACE, env: { ...base, ...env } });
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stderr += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGINT'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stderr });
    });
  });
}

/** `error:` lines of an output. */
const errorLines = (output: string) => output.split('\n').filter((l) => l.startsWith('error:'));

describePg('pipeline:dashboard --storage URL --study NAME (cli/dashboard.ts)', () => {
  it('serves the study from DIGITFUSE_STORAGE until Ctrl-C, printing its URL without the password, then exits 0', async () => {
    const { child, url: page, exited, output } = await startDashboardCli(['--study', 'mnist-av'], { DIGITFUSE_STORAGE: db.url() });
    const snapshot = JSON.parse((await rawGet(page, '/api/snapshot')).body);
    expect(snapshot.run).toBeNull();
    expect(snapshot.trials).toHaveLength(4);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const { stdout, stderr } = output();
    expect(stderr).toMatch(/^watching study `mnist-av` in postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\w+ \(read-only\); Ctrl-C stops the dashboard, not the search$/m);
    expect(stdout + stderr).not.toContain(TEST_PG_PASSWORD);
  });

  it.each([
    ['an unknown study (the studies there listed)', () => ['--storage', db.url(), '--study', 'mnist'], 1, /^error: Expected `--study mnist` to name a study in postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\w+, found none of that name \(studies there: mnist-av, second\)$/],
    ['a URL without a database', () => ['--storage', 'postgresql://nohost'], 2, /^error: Expected `--storage` to be a postgresql:\/\/user@host:port\/database URL, found `postgresql:\/\/nohost`$/],
    ['not a URL', () => ['--storage', 'mysql://u@h/db'], 2, /^error: Expected `--storage` to be a postgresql:\/\/user@host:port\/database URL, found `mysql:\/\/u@h\/db`$/],
    ['a refused connection', () => ['--storage', `postgresql://digitfuse:${TEST_PG_PASSWORD}@127.0.0.1:1/x`], 1, /^error: PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:1\/x`: connection refused/],
    ['a wrong password', () => ['--storage', db.cluster().url('postgres').replace(TEST_PG_PASSWORD, 'wrong')], 1, /^error: PostgreSQL storage `\S+`: password authentication failed for user "digitfuse"/],
    ['a missing database', () => ['--storage', db.cluster().url('absent')], 1, /^error: PostgreSQL storage `\S+`: database "absent" does not exist/],
    ['neither --run nor --storage', () => [], 2, /^error: Expected `--run DIR` or `--storage postgresql:\/\/user@host:port\/database` \(or DIGITFUSE_STORAGE\), found neither$/],
  ])('%s: one error line, exit non-zero, no stack trace, no password', async (_label, args, status, line) => {
    const r = await dashboardCli(args());
    expect({ status: r.status, errors: errorLines(r.stderr) }).toEqual({ status, errors: [expect.stringMatching(line)] });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain(TEST_PG_PASSWORD);
  });

  it('a database outage is one line as it begins and one as it ends, saying how long it lasted (not a line per retry or per message)', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: db.cluster().port });
    const { child, exited, output } = await startDashboardCli(['--storage', relay.url(db.url()), '--study', 'mnist-av']);
    const until = async (test: () => boolean, what: string) => {
      for (const deadline = Date.now() + 60_000; !test(); await new Promise((r) => setTimeout(r, 100))) {
        if (Date.now() > deadline) throw new Error(`no ${what} within 60 s: ${output().stderr}`);
      }
    };
    try {
      await until(() => output().stderr.includes('watching'), "'watching'");
      const before = output().stderr;
      // The server goes away (refused), then answers by hanging up (another message), then is back.
      const t0 = Date.now();
      await relay.setMode('refuse');
      relay.cut();
      await until(() => output().stderr.includes('cannot read'), "'cannot read'");
      await new Promise((r) => setTimeout(r, 3_000));
      await relay.setMode('hangup');
      await new Promise((r) => setTimeout(r, 3_000));
      await relay.setMode('forward');
      const lasted = (Date.now() - t0) / 1000;
      await until(() => /reading .* again/.test(output().stderr), "'reading ... again'");
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const place = `postgresql://digitfuse@127\\.0\\.0\\.1:${relay.port}/cli_\\w+`;
      const lines = output().stderr.slice(before.length).split('\n').filter((l) => l !== '' && l !== 'dashboard stopped');
      expect(lines).toEqual([
        expect.stringMatching(new RegExp(`^dashboard: cannot read ${place} \\(trying again\\): PostgreSQL storage \`${place}\`: 127\\.0\\.0\\.1:${relay.port} out of reach, retried for 2s \\(connection refused by .*\\); what was written before is kept there$`)),
        expect.stringMatching(new RegExp(`^dashboard: reading ${place} again, after (\\d+)s$`)),
      ]);
      // From the server's first failure (not the first failed poll, 2 s of retries later) to the read that got through.
      const said = Number(/again, after (\d+)s$/.exec(lines[1])?.[1]);
      expect(said).toBeGreaterThanOrEqual(Math.floor(lasted) - 1);
      expect(said).toBeLessThanOrEqual(Math.ceil(lasted) + 3);
    } finally {
      child.kill('SIGKILL');
      await relay.close();
    }
  });

  it('a database no search has used: one error line, and nothing created there (read-only, no schema)', async () => {
    // A new database (CI's cluster is shared: other specs create the schema in `postgres`).
    const empty = await db.cluster().createDatabase('empty');
    const r = await dashboardCli(['--storage', empty]);
    expect({ status: r.status, errors: errorLines(r.stderr) }).toEqual({
      status: 1,
      errors: [expect.stringMatching(/^error: PostgreSQL storage `\S+\/empty_\w+`: expected digitfuse's tables, found none \(no study was ever stored in this database\)$/)],
    });
    const client = new pg.Client({ connectionString: empty });
    await client.connect();
    const tables = await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'digitfuse%'`);
    await client.end();
    expect(tables.rows[0].n).toBe(0);
  });
});

describePg('pipeline:dashboard --run DIR of a run whose study is in PostgreSQL (cli/dashboard.ts)', () => {
  const tempDir = useTempDir('dashboard-cli-pg-');
  /** A run recorded on the database (run.json keeps the URL without its password), its search finished unless `live`. */
  const runOn = (name: string, study: string, live = false) => {
    const run = join(tempDir(), name);
    writeFixtureRun(run, { storage: redactUrl(db.url()), study, stagesDone: live ? ['data'] : ['data', 'search'], active: false });
    return run;
  };
  const place = /postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\w+/.source;

  it.each([
    ['--study naming another study of the database', 'other-study', (run: string) => ['--run', run, '--study', 'second'], `Expected \`--study second\` to name the study of RUN, \`mnist-av\` in ${place}, found another name; drop --study to show the run's own study, or leave out --run to show that study alone`],
    ['--storage naming another database', 'other-storage', (run: string) => ['--run', run, '--storage', db.cluster().url('postgres')], `Expected \`--storage ${place}\` to name the storage of RUN, ${place}, found another database; drop --storage to show the run's own study, or leave out --run to show that database's study alone`],
  ])("%s than the run's: one error line naming the run's, exit 2, no password", async (_label, name, args, message) => {
    const run = runOn(name, 'mnist-av');
    const r = await dashboardCli(args(run), { DIGITFUSE_STORAGE: db.url() });
    const line = new RegExp(`^error: ${message.replace('RUN', run.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))}$`);
    expect({ status: r.status, errors: errorLines(r.stderr) }).toEqual({ status: 2, errors: [expect.stringMatching(line)] });
    expect(r.stderr).not.toContain('waiting');
    expect(r.stderr).not.toContain(TEST_PG_PASSWORD);
  });

  it("serves the run with its own study and database given again, the password only in --storage (compared without it)", async () => {
    const run = runOn('own-study', 'mnist-av');
    const { child, url: page, exited, output } = await startDashboardCli(['--run', run, '--storage', db.url(), '--study', 'mnist-av'], { DIGITFUSE_STORAGE: '' });
    const snapshot = JSON.parse((await rawGet(page, '/api/snapshot')).body);
    expect(snapshot.run.root).toBe(run);
    expect(snapshot.trials).toHaveLength(4);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output().stderr).not.toContain(TEST_PG_PASSWORD);
  });

  it('a finished run whose study is gone from the database: one error line, exit 1, not a wait for ever', async () => {
    const run = runOn('gone', 'gone');
    const r = await dashboardCli(['--run', run], { DIGITFUSE_STORAGE: db.url() });
    expect({ status: r.status, errors: errorLines(r.stderr) }).toEqual({
      status: 1,
      errors: [
        expect.stringMatching(
          new RegExp(
            `^error: Expected the study of ${run}, \`gone\`, in ${place}, found none of that name \\(studies there: mnist-av, second\\); ` +
              'its search has finished, so the study was there: it was deleted since \\(its trials with it\\), or that URL now names another database$',
          ),
        ),
      ],
    });
    expect(r.stderr).not.toContain('waiting');
  });

  it("a run whose search has not finished: waits for its study, which its search creates", async () => {
    const run = runOn('live', 'not-yet', true);
    const { child, url: page, exited, output } = await startDashboardCli(['--run', run], { DIGITFUSE_STORAGE: db.url() });
    expect(JSON.parse((await rawGet(page, '/api/snapshot')).body).trials).toEqual([]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output().stderr).toMatch(/^dashboard: no study `not-yet` in \S+ yet \(studies there: mnist-av, second\); waiting for the run's search to create it$/m);
  });
});
