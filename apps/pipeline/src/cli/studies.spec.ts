/**
 * `digitfuse studies` as a user runs it (its own process, real flags) against a real PostgreSQL
 * server (a throwaway cluster, or CI's): the studies a database holds, one study's trials, and one
 * line for what it cannot do. Skipped with one loud line without PostgreSQL (never on CI).
 */
import { WORKSPACE } from '@digitfuse/core/testing';
import { postgresTestable, TEST_PG_PASSWORD } from '@digitfuse/tuning/testing';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { writeFixtureStudy } from '../dashboard/testing/fixture-run';
import { usePostgresDatabase } from '../dashboard/testing/postgres-fixture';

jest.setTimeout(120_000);

const describePg = postgresTestable() ? describe : describe.skip;
// Two machines' trials, the running one silent for 5 minutes (its machine gone); and an empty study.
const db = usePostgresDatabase('studies', async (writer) => {
  const workers = [
    { host: 'lab-a', pid: 11, id: 'a' },
    { host: 'lab-b', pid: 22, id: 'b' },
  ];
  await writeFixtureStudy(writer, 'mnist-av', { finished: 4, runningEpochs: 2, runningSilentFor: 300, workers });
  await writer.createStudy('second', 'maximize', true);
});

/** `digitfuse studies ...args` (apps/cli/src/main.ts through tsx), without DIGITFUSE_STORAGE unless `env` gives it. */
function studies(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(join(WORKSPACE, 'node_modules', '.bin', 'tsx'), [join(WORKSPACE, 'apps/cli/src/main.ts'), 'studies', ...args], {
    cwd: WORKSPACE,
    encoding: 'utf8',
    env: { ...process.env, DEBUG: '', DIGITFUSE_DEBUG: '', DIGITFUSE_STORAGE: '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Refused before any connection: no server is needed, and none is reached (port 1 refuses).
describe('digitfuse studies: a bad command line (no server needed)', () => {
  const secret = 'n0t-for-print';
  const url = `postgresql://digitfuse:${secret}@127.0.0.1:1/postgres`;
  const bare = 'postgresql://digitfuse@127.0.0.1:1/postgres';

  it.each([
    ['--storage given twice', ['--storage', url, '--storage', 'postgresql://x@y/z'], `error: Expected --storage once, found it 2 times: \`${bare}\`, \`postgresql://x@y/z\` (see --help)`],
    ['the URL without --storage', [url], `error: Unknown argument: ${bare} (see --help)`],
    ['the URL as a typo of --storage', [`--storge=${url}`], 'error: Unknown argument: --storge; did you mean --storage? (see --help)'],
    ['a URL with a port out of range', ['--storage', url.replace(':1/', ':99999/')], 'error: Expected the port of `--storage` to be from 1 to 65535, found `99999`'],
    [
      'a password with a % that starts no escape',
      ['--storage', url.replace(secret, 'digit%ZZ')],
      'error: Expected `--storage` to be a well-formed URL, each % starting an escape of two hex digits (%25 for % itself, %40 for @), found a malformed one in its password',
    ],
    [
      'a password with a # as it is',
      ['--storage', url.replace(secret, 'n0t#for-print')],
      'error: Expected the password in `--storage` to have each /, ? and # written as %2F, %3F and %23 (%40 for @, %25 for %), found a `#` written as it is',
    ],
    ['an unknown query parameter', ['--storage', `${url}?sslmode=disable&foo=bar`], 'error: Expected `--storage` to have only the query parameters sslmode, sslrootcert, sslcert, sslkey, application_name, uselibpqcompat, found `foo`'],
    ['an sslmode libpq does not know', ['--storage', `${url}?sslmode=bogus`], 'error: Expected the sslmode of `--storage` to be one of disable, allow, prefer, require, verify-ca, verify-full, no-verify, found `bogus`'],
    ['a --delete name with a space', ['--storage', url, '--delete', 'old run', '--yes'], 'error: Expected `--delete` to be a name of 1 to 100 characters among ASCII letters, digits, _ . -, found `old run`'],
    ['a --study name with a letter outside ASCII', ['--storage', url, '--study', 'étude'], 'error: Expected `--study` to be a name of 1 to 100 characters among ASCII letters, digits, _ . -, found `étude`'],
    ['a --study name with a line break', ['--storage', url, '--study', "it's\nmine"], 'error: Expected `--study` to be a name of 1 to 100 characters among ASCII letters, digits, _ . -, found "it\'s\\nmine"'],
    ['a --delete name of 300 characters', ['--storage', url, '--delete', 'x'.repeat(300)], 'error: Expected `--delete` to be a name of 1 to 100 characters among ASCII letters, digits, _ . -, found a name of 300 characters'],
  ])('%s: one line naming it, exit 2, no password', (_, args, line) => {
    const r = studies(args);
    expect({ status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ status: 2, stderr: `${line}\n`, stdout: '' });
  });

  it('names DIGITFUSE_STORAGE when the bad URL came from it', () => {
    const r = studies([], { DIGITFUSE_STORAGE: `${url}?sslmode=bogus` });
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 2,
      stderr: 'error: Expected the sslmode of `DIGITFUSE_STORAGE` to be one of disable, allow, prefer, require, verify-ca, verify-full, no-verify, found `bogus`\n',
    });
  });

  it('an sslrootcert that is not there: what stands on disk (exit 1), naming the option', () => {
    const r = studies(['--storage', `${url}?sslmode=verify-full&sslrootcert=/nonexistent.pem`]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 1,
      stderr: "error: Expected sslrootcert=/nonexistent.pem in `--storage` to be a readable file (the certificate of the authority that signed the server's), found no such file (ENOENT)\n",
    });
  });
});

describePg('digitfuse studies --storage URL', () => {
  const bare = () => db.url().replace(`:${TEST_PG_PASSWORD}@`, '@');

  it('lists each study: trials by state (the silent running ones said), the best value, the hosts and the last activity', () => {
    // The URL from DIGITFUSE_STORAGE, as for a search.
    const r = studies([], { DIGITFUSE_STORAGE: db.url() });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`2 studies in ${bare()}:`);
    expect(lines[2]).toBe('| study | direction | objective | complete | pruned | failed | running | queued | best value (trial) | hosts | last activity |');
    const [mnist, second] = lines.slice(4, 6).map((l) => l.split('|').map((c) => c.trim()).slice(1, -1));
    // The fixture's 4 finished trials: 3 complete, the fourth pruned; the running one silent for 5 min.
    expect(mnist.slice(0, 8)).toEqual(['mnist-av', 'maximize', 'shift-aware', '3', '1', '0', '1 (1 silent)', '0']);
    expect(mnist[8]).toMatch(/^0\.\d{4} \([0-2]\)$/);
    expect(mnist[9]).toBe('lab-a, lab-b');
    expect(mnist[10]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(second).toEqual(['second', 'maximize', '–', '0', '0', '0', '0', '0', '–', '–', '–']);
    // Nothing queued: no note about it.
    expect(r.stdout).not.toContain('\nqueued:');
    expect(r.stdout).toMatch(/\nsilent: running, but no heartbeat for over 2m00s \(the worker stopped or lost the database\); the next worker to start a trial there fails it and runs its parameters again\n$/);
    expect(r.stdout).not.toContain(TEST_PG_PASSWORD);
  });

  it("shows one study's trials with --study, the worker of each, and the settings a machine joining it gives", () => {
    const r = studies(['--storage', db.url(), '--study', 'mnist-av']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`study \`mnist-av\` in ${bare()}: 5 trials`);
    expect(lines[1]).toMatch(
      /^settings every machine joining gives: --split grouped --seed 42 --search-rows 12000 --modality both --fusion robust --objective shift-aware, and the same data files \([0-9a-f]{12}\)$/,
    );
    expect(lines[3]).toMatch(/^\| number \| state \| .* \| value \| .* \| seconds \| worker \|$/);
    expect(lines[3]).not.toContain('best step');
    expect(lines.slice(5, 10).map((l) => l.split('|').map((c) => c.trim()).slice(1, -1)).map((c) => [c[0], c[1], c.at(-1)])).toEqual([
      ['0', 'COMPLETE', 'lab-a'],
      ['1', 'COMPLETE', 'lab-b'],
      ['2', 'COMPLETE', 'lab-a'],
      ['3', 'PRUNED', 'lab-b'],
      ['4', 'RUNNING', 'lab-a'],
    ]);
  });

  it('says when no machine has recorded the settings of a study yet', () => {
    const r = studies(['--storage', db.url(), '--study', 'second']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      `study \`second\` in ${bare()}: 0 trials`,
      'settings: none recorded yet (the first machine to search records its data and flags)',
    ]);
  });

  it('a database no search has written to: no studies, exit 0 (none of a name asked for: exit 1), and nothing created there', async () => {
    // A new database (CI's cluster is shared: other specs create the schema in `postgres`).
    const empty = await db.cluster().createDatabase('empty');
    const place = empty.replace(`:${TEST_PG_PASSWORD}@`, '@');
    const listed = studies(['--storage', empty]);
    expect(listed).toEqual({ status: 0, stderr: '', stdout: `no studies in ${place} yet (no digitfuse tables there: no search has stored a study in this database)\n` });
    const named = studies(['--storage', empty, '--study', 'mnist-av']);
    expect({ status: named.status, stdout: named.stdout, stderr: named.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: Expected \`--study mnist-av\` to name a study in ${place}, found none of that name (it holds no study yet: no digitfuse tables there)\n`,
    });
    const client = new pg.Client({ connectionString: empty });
    await client.connect();
    const tables = await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'digitfuse%'`);
    await client.end();
    expect(tables.rows[0].n).toBe(0);
  });

  it.each([
    ['no database given', [], 2, /^error: Expected `--storage postgresql:\/\/user@host:port\/database` \(or DIGITFUSE_STORAGE\), found neither$/],
    ['a URL that is not one', ['--storage', 'mysql://u@h/db'], 2, /^error: Expected `--storage` to be a postgresql:\/\/user@host:port\/database URL, found `mysql:\/\/u@h\/db`$/],
    ['a study it does not hold', () => ['--storage', db.url(), '--study', 'nope'], 1, /^error: Expected `--study nope` to name a study in postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\w+, found none of that name \(studies there: mnist-av, second\)$/],
    ['a refused connection', ['--storage', `postgresql://digitfuse:${TEST_PG_PASSWORD}@127.0.0.1:1/x`], 1, /^error: PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:1\/x`: .*connection refused/],
    [
      'a database that does not exist',
      () => ['--storage', db.url().replace(/\/\w+$/, '/no_such_db')],
      1,
      /^error: PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/no_such_db`: database "no_such_db" does not exist \(is the database's name right\? it is the one the searches were given\)$/,
    ],
  ])('%s: one line, no stack, no password', (_, args, status, line) => {
    const r = studies(typeof args === 'function' ? args() : args);
    expect(r.status).toBe(status);
    const errors = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('warning:'));
    expect(errors).toEqual([expect.stringMatching(line)]);
    expect(r.stderr).not.toContain(TEST_PG_PASSWORD);
    expect(r.stdout).toBe('');
  });
});

// A study whose worker was stopped mid-trial (Ctrl-C): its trial failed, and its retry queued for the next worker.
const stopped = usePostgresDatabase('studies-queued', async (writer) => {
  await writeFixtureStudy(writer, 'stopped', { finished: 2, runningEpochs: 1 });
  await writer.failStaleTrials('stopped', { now: Date.now(), staleAfterMs: Infinity, isWorkerDead: () => true, maxRetries: Infinity, reason: 'stopped (Ctrl-C)' });
});

describePg('digitfuse studies, with a queued trial', () => {
  it('lists it in the queued column (the --study view counts it too), with a note saying what it is', () => {
    const r = studies(['--storage', stopped.url()]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = r.stdout.split('\n');
    expect(lines[2]).toBe('| study | direction | objective | complete | pruned | failed | running | queued | best value (trial) | hosts | last activity |');
    expect(lines[4].split('|').map((c) => c.trim()).slice(1, 9)).toEqual(['stopped', 'maximize', 'shift-aware', '2', '0', '1', '0', '1']);
    expect(r.stdout).toMatch(/\nqueued: trials waiting for the next worker to start them \(a stopped trial's retry, or parameters enqueued to try first\); `--study NAME` counts them too\n$/);
  });

  it('counts the queued retry, and says it is not in the table (which shows the trials that ran)', () => {
    const r = studies(['--storage', stopped.url(), '--study', 'stopped']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`study \`stopped\` in ${stopped.url().replace(`:${TEST_PG_PASSWORD}@`, '@')}: 4 trials (1 of them queued for the next worker, not in the table)`);
    expect(lines.slice(5).filter((l) => l.startsWith('|')).map((l) => l.split('|').map((c) => c.trim()).slice(1, 3))).toEqual([
      ['0', 'COMPLETE'],
      ['1', 'COMPLETE'],
      ['2', 'FAIL'],
    ]);
  });
});

// A study whose last worker is gone (its running trial silent for 5 minutes), and one a worker is at.
const deletable = usePostgresDatabase('studies-delete', async (writer) => {
  const workers = [{ host: 'lab-a', pid: 11, id: 'a' }];
  await writeFixtureStudy(writer, 'old-run', { finished: 4, runningEpochs: 2, runningSilentFor: 300, workers });
  await writeFixtureStudy(writer, 'live', { finished: 2, runningEpochs: 1, runningSilentFor: 5, workers: [{ host: 'lab-b', pid: 22, id: 'b' }] });
});

describePg('digitfuse studies --delete NAME', () => {
  const bare = () => deletable.url().replace(`:${TEST_PG_PASSWORD}@`, '@');
  const names = () => studies(['--storage', deletable.url()]).stdout.split('\n').flatMap((l) => (/^\| (old-run|live) \|/.exec(l) ?? []).slice(1));

  it('without --yes: says what would go, deletes nothing, exit 2', () => {
    const r = studies(['--storage', deletable.url(), '--delete', 'old-run']);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
    expect(r.stderr.trim()).toBe(`error: Expected --yes to delete study \`old-run\` from ${bare()}, with its 5 trials (3 complete, 1 pruned, 1 running) and their stored models; nothing deleted`);
    expect(names()).toEqual(['live', 'old-run']);
  });

  it('refuses a study a worker was heard from within the heartbeat timeout, naming its host; nothing deleted', () => {
    const r = studies(['--storage', deletable.url(), '--delete', 'live', '--yes']);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: '' });
    expect(r.stderr.trim()).toBe(
      `error: Study \`live\` in ${bare()} is being searched: 1 trial running on lab-b, heard from within 2m00s; stop those searches first (nothing was deleted)`,
    );
    expect(names()).toEqual(['live', 'old-run']);
  });

  it('with --yes: deletes the study, its trials and stored files; the others stay', () => {
    const r = studies(['--storage', deletable.url(), '--delete', 'old-run', '--yes']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toBe(`deleted study \`old-run\` from ${bare()}: 5 trials, 1 stored file\n`);
    expect(names()).toEqual(['live']);
    const again = studies(['--storage', deletable.url(), '--delete', 'old-run', '--yes']);
    expect({ status: again.status, stderr: again.stderr.trim() }).toEqual({
      status: 1,
      stderr: expect.stringMatching(/^error: Expected `--delete old-run` to name a study in \S+, found none of that name \(studies there: live\)$/),
    });
  });

  it.each([
    [['--delete', 'live', '--study', 'live'], /^error: Expected --study NAME \(show a study\) or --delete NAME, found both$/],
    [['--yes'], /^error: Expected --yes only with --delete NAME, found it alone$/],
  ])('%j: one line, exit 2', (args, line) => {
    const r = studies(['--storage', deletable.url(), ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l.trim() !== '')).toEqual([expect.stringMatching(line)]);
  });
});

// A study a role that may read and delete studies, but write none, is to delete.
const guarded = usePostgresDatabase('studies-delete-role', async (writer) => {
  await writeFixtureStudy(writer, 'old-run', { finished: 2, runningEpochs: 1, runningSilentFor: 300 });
});

describePg('digitfuse studies --delete NAME, by a role that may not write studies', () => {
  it("a role that may not read the trials: one line naming what it lacks and the GRANTs (a read's, not a search's), exit 1", async () => {
    const url = new URL(guarded.url());
    const role = `viewer_${process.pid}`;
    url.username = role;
    const admin = new pg.Client({ connectionString: guarded.url() });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${TEST_PG_PASSWORD}'; GRANT SELECT ON digitfuse_schema, digitfuse_studies TO ${role}`);
      const r = studies(['--storage', url.href]);
      const grants = `GRANT SELECT ON digitfuse_trials TO ${role}; GRANT SELECT ON digitfuse_artifacts TO ${role}`;
      expect(r).toEqual({
        status: 1,
        stdout: '',
        stderr:
          `error: PostgreSQL storage \`${url.href.replace(`:${TEST_PG_PASSWORD}@`, '@')}\`: expected role ${role} to be allowed to read the study's tables in database ${url.pathname.slice(1)}, ` +
          `found it lacks SELECT on digitfuse_trials; SELECT on digitfuse_artifacts (a dashboard or a list of the studies reads them there, and writes nothing; the tables' owner can grant it: ${grants})\n`,
      });
      await admin.query(grants);
      expect(studies(['--storage', url.href]).stdout).toMatch(/^1 study in /);
    } finally {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });

  it('deletes with SELECT and DELETE alone; without DELETE, one line naming the GRANT that gives it (exit 1, nothing deleted)', async () => {
    const url = new URL(guarded.url());
    const role = `deleter_${process.pid}`;
    url.username = role;
    const admin = new pg.Client({ connectionString: guarded.url() });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${TEST_PG_PASSWORD}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
      const refused = studies(['--storage', url.href, '--delete', 'old-run', '--yes']);
      const place = url.href.replace(`:${TEST_PG_PASSWORD}@`, '@');
      const database = url.pathname.slice(1);
      expect(refused).toEqual({
        status: 1,
        stdout: '',
        stderr:
          `error: PostgreSQL storage \`${place}\`: expected role ${role} to be allowed to delete studies in database ${database}, found it lacks DELETE on digitfuse_studies ` +
          `(a delete counts the study's trials and stored files, then deletes its row, which takes them with it; the tables' owner can grant it: GRANT DELETE ON digitfuse_studies TO ${role})\n`,
      });
      expect((await admin.query('SELECT count(*)::int AS n FROM digitfuse_trials')).rows[0].n).toBe(3);
      await admin.query(`GRANT DELETE ON digitfuse_studies TO ${role}`);
      const deleted = studies(['--storage', url.href, '--delete', 'old-run', '--yes']);
      expect(deleted).toEqual({ status: 0, stderr: '', stdout: `deleted study \`old-run\` from ${place}: 3 trials, 1 stored file\n` });
      expect((await admin.query('SELECT count(*)::int AS n FROM digitfuse_trials')).rows[0].n).toBe(0);
    } finally {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });
});
