/**
 * Two machines on one study: two `digitfuse search` processes (separate run directories) share a
 * PostgreSQL study, then a third process with its own run directory retrains from the study alone
 * (trial models come from the database) and writes a valid submission. Real processes, a
 * throwaway cluster (`@digitfuse/tuning/testing`); skipped with one loud line without PostgreSQL.
 */
import { useFullDisk, WORKSPACE } from '@digitfuse/core/testing';
import { buildDemoDataset } from '@digitfuse/data';
import { createStudy, PostgresStorage, silentLogger } from '@digitfuse/tuning';
import { postgresTestable, startTcpRelay, TEST_PG_PASSWORD, type TcpRelay } from '@digitfuse/tuning/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usePostgresDatabase } from './dashboard/testing/postgres-fixture';

jest.setTimeout(900_000);

const describePg = postgresTestable() ? describe : describe.skip;
const root = mkdtempSync(join(tmpdir(), 'shared-study-'));
const dataDir = join(root, 'data');
const otherData = join(root, 'other');
const db = usePostgresDatabase('shared');

beforeAll(async () => {
  if (!postgresTestable()) return;
  await buildDemoDataset(dataDir, { train: 240, test: 40, seed: 3 });
  await buildDemoDataset(otherData, { train: 240, test: 40, seed: 4 });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stderr: string;
}

/** A pipeline CLI running: the process, what it has written so far (stdout and stderr), and its end. */
interface Running {
  readonly child: ChildProcess;
  output(): string;
  readonly done: Promise<Run>;
}

/**
 * Starts a pipeline CLI (`search`, `full`) as its own process, through tsx, with an argument array;
 * with `group`, the user's `digitfuse` binary in a process group of its own (as a terminal runs it:
 * a Ctrl-C, or SIGSTOP, reaches each of its processes).
 */
function start(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, group = false): Running {
  const [command, first] = group ? [join(WORKSPACE, 'apps/cli/bin/digitfuse'), name] : [join(WORKSPACE, 'node_modules', '.bin', 'tsx'), join(WORKSPACE, 'apps/pipeline/src/cli', `${name}.ts`)];
  const child = spawn(command, [first, ...args], { cwd: WORKSPACE, env: { ...process.env, ...env }, detached: group });
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stderr += d));
  child.stderr?.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (status) => resolve({ status, stderr })));
  return { child, output: () => stderr, done };
}

/** A pipeline CLI (`search`, `full`) run to its end. */
const cli = (name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> => start(name, args, env).done;

/** Resolves once `run` has written a line matching `line`; rejects if it ends first, or has not written it within `timeoutMs`. */
async function waitForLine(run: Running, line: RegExp, timeoutMs = 120_000): Promise<void> {
  let ended = false;
  void run.done.then(() => (ended = true));
  const t0 = Date.now();
  while (!line.test(run.output())) {
    if (ended) throw new Error(`ended before writing ${line}: ${run.output().slice(-3000)}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`no ${line} within ${timeoutMs} ms: ${run.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The `error:` lines of a run's output. */
const errorLines = (r: Run): string[] => r.stderr.split('\n').filter((l) => l.startsWith('error:'));

const tiny = ['--trials', '2', '--epochs', '1', '--search-rows', '120', '--seed', '5', '--backend', 'wasm', '--no-report', '--study', 'two-machines'];

describePg('digitfuse search/full --storage postgresql://... --study NAME', () => {
  it('two searches share one study; a third process retrains from the study alone and writes a valid submission', async () => {
    const [a, b] = await Promise.all([
      cli('search', ['--storage', db.url(), '--data', dataDir, '--out', join(root, 'a'), ...tiny]),
      cli('search', ['--storage', db.url(), '--data', dataDir, '--out', join(root, 'b'), ...tiny]),
    ]);
    // (A failure shows the process's output.)
    for (const r of [a, b]) expect({ status: r.status, output: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ status: 0, output: '' });
    // The password never reaches the output or run.json.
    for (const r of [a, b]) expect(r.stderr).not.toContain(TEST_PG_PASSWORD);
    expect(readFileSync(join(root, 'a', 'run.json'), 'utf8')).not.toContain(TEST_PG_PASSWORD);
    expect(existsSync(join(root, 'a', 'search', 'study.jsonl'))).toBe(false);
    // Each says which data files the study compares, the same short name on both.
    const filesLine = (r: Run) => r.stderr.match(/^ {4}data files ([0-9a-f]{12}) \(every machine searching study `two-machines` must have these same files\)$/m)?.[1];
    expect(filesLine(a)).toMatch(/^[0-9a-f]{12}$/);
    expect(filesLine(b)).toBe(filesLine(a));

    // With its dashboard beside it: a thread that reads the study from the database (read-only).
    const c = await cli('full', ['--data', dataDir, '--out', join(root, 'c'), '--dashboard', ...tiny], { DIGITFUSE_STORAGE: db.url() });
    expect({ status: c.status, tail: c.stderr.slice(-2000) }).toEqual({ status: 0, tail: expect.stringMatching(/model fetched from postgresql:\/\/digitfuse@127\.0\.0\.1/) });
    expect(c.stderr).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(live until the run ends\)$/m);
    expect(c.stderr).toMatch(/^dashboard stopped/m);
    expect(c.stderr).not.toMatch(/^dashboard: (cannot read|warning)|error:/m);
    expect(c.stderr).not.toContain(TEST_PG_PASSWORD);
    const lines = readFileSync(join(root, 'c', 'submission.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row_id,label');
    expect(lines).toHaveLength(41);
    for (const line of lines.slice(1)) expect(line).toMatch(/^\d+,[0-9]$/);
    const outputs = JSON.parse(readFileSync(join(root, 'c', 'search', 'search.json'), 'utf8')) as { finished: number };
    expect(outputs.finished).toBe(2);
  });

  describe('a run directory on a disk too small for the model it fetches from the study', () => {
    const disk = useFullDisk(1024);
    it('is one line naming the file and the full disk; no model.json stays to pass the model off as fetched', async () => {
      const dir = disk();
      if (!dir) return;
      const out = join(dir, 'run');
      // The study of the test above: its 2 trials finished on other machines, their models in the database.
      const r = await cli('full', ['--data', dataDir, '--out', out, ...tiny], { DIGITFUSE_STORAGE: db.url() });
      expect({ status: r.status, errors: errorLines(r) }).toEqual({
        status: 1,
        errors: [expect.stringMatching(/^error: Cannot write `\S+\/search\/models\/trial-000\d\/\S+`: no space left on the device \(ENOSPC\)/)],
      });
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const models = join(out, 'search', 'models');
      for (const trial of readdirSync(models)) expect(readdirSync(join(models, trial))).not.toContain('model.json');
    });
  });

  it("checks a resumed run's database before it says anything: without the password (run.json keeps the URL without it) one line, and the run as it was", async () => {
    const out = join(root, 'resume-no-password');
    const first = await cli('search', ['--storage', db.url(), '--data', dataDir, '--out', out, ...tiny.slice(0, -1), 'resume-no-password']);
    expect({ status: first.status, tail: first.status === 0 ? '' : first.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    const state = readFileSync(join(out, 'run.json'), 'utf8');
    // Its retraining opens the study: before, the resume said `resuming ...` and stage 3's header, then failed there.
    const r = await cli('full', ['--resume', out], { DIGITFUSE_STORAGE: '', PGPASSWORD: undefined, PGPASSFILE: join(root, 'no-pgpass') });
    expect({ status: r.status, lines: r.stderr.trim().split('\n') }).toEqual({
      status: 1,
      lines: [expect.stringMatching(/^error: PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\S+`: 127\.0\.0\.1:\d+ asks for a password, and none was given/)],
    });
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(state);
    // A DIGITFUSE_STORAGE naming another database (left from another study; here one that refuses) gives
    // no password for the run's, nor is it the run's to check: the line names the run's database.
    const elsewhere = await cli('full', ['--resume', out], { DIGITFUSE_STORAGE: db.url().replace(/:\d+\//, ':1/'), PGPASSWORD: undefined, PGPASSFILE: join(root, 'no-pgpass') });
    expect({ status: elsewhere.status, lines: elsewhere.stderr.trim().split('\n') }).toEqual({
      status: 1,
      lines: [expect.stringMatching(/^error: PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:\d{2,}\/\S+`: 127\.0\.0\.1:\d{2,} asks for a password, and none was given/)],
    });
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(state);
    // With it (DIGITFUSE_STORAGE), the resume goes on.
    const resumed = await cli('full', ['--resume', out], { DIGITFUSE_STORAGE: db.url() });
    expect({ status: resumed.status, tail: resumed.status === 0 ? '' : resumed.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
  });

  it('a finished search resumed with a larger --trials checks its database first: without the password one line, and the run as it was', async () => {
    const out = join(root, 'resume-more-trials');
    const first = await cli('search', ['--storage', db.url(), '--data', dataDir, '--out', out, ...tiny.slice(0, -1), 'resume-more-trials']);
    expect({ status: first.status, tail: first.status === 0 ? '' : first.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    const state = readFileSync(join(out, 'run.json'), 'utf8');
    // Its search stage is done, so only the new --trials reopens the study: before, `new --trials/--budget ...`,
    // `resuming ...` and the stage headers came first, then the error.
    const r = await cli('search', ['--resume', out, '--trials', '3'], { DIGITFUSE_STORAGE: '', PGPASSWORD: undefined, PGPASSFILE: join(root, 'no-pgpass') });
    expect({ status: r.status, lines: r.stderr.trim().split('\n') }).toEqual({
      status: 1,
      lines: [expect.stringMatching(/^error: PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\S+`: 127\.0\.0\.1:\d+ asks for a password, and none was given/)],
    });
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(state);
    // A resume that opens no study (the search done, nothing new) needs no password.
    const kept = await cli('search', ['--resume', out], { DIGITFUSE_STORAGE: '', PGPASSWORD: undefined, PGPASSFILE: join(root, 'no-pgpass') });
    expect({ status: kept.status, tail: kept.status === 0 ? '' : kept.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    // With it, the search goes on to 3 trials.
    const resumed = await cli('search', ['--resume', out, '--trials', '3'], { DIGITFUSE_STORAGE: db.url() });
    expect({ status: resumed.status, tail: resumed.status === 0 ? '' : resumed.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    expect(resumed.stderr).toMatch(/^resuming /m);
  });

  it('a role that may only read the study\'s tables: one line naming the role and what it lacks, exit 1, before the data stage (no run directory)', async () => {
    const url = await db.cluster().createDatabase('readers');
    // The study's tables, created by the owner.
    const owner = new PostgresStorage(url, { logger: silentLogger });
    await owner.connect();
    await owner.close();
    const role = `reader_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${TEST_PG_PASSWORD}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
      const reader = new URL(url);
      reader.username = role;
      const out = join(root, 'reader');
      const r = await cli('search', ['--storage', reader.toString(), '--data', dataDir, '--out', out, ...tiny]);
      expect({ status: r.status, lines: r.stderr.trim().split('\n') }).toEqual({
        status: 1,
        lines: [
          expect.stringMatching(
            new RegExp(
              `^error: PostgreSQL storage \`postgresql://${role}@127\\.0\\.0\\.1:\\d+/readers_\\w+\`: expected role ${role} to be allowed to write the study's tables in database readers_\\w+, ` +
                'found it lacks INSERT on digitfuse_studies; USAGE on SEQUENCE digitfuse_studies_id_seq; INSERT, UPDATE on digitfuse_trials; INSERT, UPDATE on digitfuse_artifacts \\(.*GRANT INSERT ON digitfuse_studies TO ' +
                `${role}; .*\\)$`,
            ),
          ),
        ],
      });
      expect(r.stderr).not.toContain(TEST_PG_PASSWORD);
      expect(existsSync(out)).toBe(false);
    } finally {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });

  it('refuses a worker whose data differ from the study, in one line, before its run directory is written', async () => {
    const out = join(root, 'd');
    const r = await cli('search', ['--storage', db.url(), '--data', otherData, '--out', out, ...tiny]);
    expect(r.status).toBe(1);
    expect(errorLines(r)).toEqual([
      expect.stringMatching(/^error: Study postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\S+ \(study `two-machines`\) was searched with other data or settings: files \w+ there, files \w+ here; give the same --data and flags, or another --study$/),
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a worker that would train trials otherwise (--epochs, --batch-size, --pruner), naming each flag, the study value and its own; nothing written', async () => {
    const settings = ['--trials', '1', '--epochs', '1', '--search-rows', '120', '--seed', '5', '--backend', 'wasm', '--no-report', '--study', 'settings'];
    const first = await cli('search', ['--storage', db.url(), '--data', dataDir, '--out', join(root, 'settings-a'), ...settings]);
    expect({ status: first.status, tail: first.status === 0 ? '' : first.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    for (const command of ['search', 'full']) {
      const out = join(root, `settings-${command}`);
      const other = settings.map((v, i) => (settings[i - 1] === '--epochs' ? '2' : v));
      const r = await cli(command, ['--storage', db.url(), '--data', dataDir, '--out', out, ...other, '--batch-size', '32', '--pruner', 'none']);
      expect({ command, status: r.status, errors: errorLines(r) }).toEqual({
        command,
        status: 1,
        errors: [
          expect.stringMatching(
            /^error: Study postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\S+ \(study `settings`\) was searched with other data or settings: --epochs 1 there, --epochs 2 here; --batch-size 64 there, --batch-size 32 here; --pruner median there, --pruner none here; give the same --data and flags, or another --study$/,
          ),
        ],
      });
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a study whose record of its data and settings is not JSON: one line saying so, exit 1, nothing written', async () => {
    const storage = new PostgresStorage(db.url(), { logger: silentLogger });
    try {
      await createStudy({ name: 'damaged', direction: 'maximize', storage });
      await storage.putArtifact('damaged', -1, 'study-key.json', Buffer.from('{"data": "abc", "seed": 5'));
    } finally {
      await storage.close();
    }
    for (const command of ['search', 'full']) {
      const out = join(root, `damaged-${command}`);
      const r = await cli(command, ['--storage', db.url(), '--data', dataDir, '--out', out, ...tiny.slice(0, -1), 'damaged']);
      expect({ command, status: r.status, errors: errorLines(r) }).toEqual({
        command,
        status: 1,
        errors: [
          expect.stringMatching(
            /^error: Study postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\S+ \(study `damaged`\): expected its record of the data and settings its trials were searched with \(study-key\.json\) to be a JSON object, found something else, so whether this machine's agree cannot be told; give another --study, or delete that one \(digitfuse studies --delete damaged --yes\)$/,
          ),
        ],
      });
      expect(existsSync(out)).toBe(false);
    }
  });

  it('two machines joining a new study at once with other settings: the later is refused as it joins, in one line, and its new run directory is removed', async () => {
    const out = join(root, 'at-once');
    const args = ['--storage', db.url(), '--data', dataDir, '--out', out, '--trials', '1', '--epochs', '2', '--search-rows', '120', '--seed', '5', '--backend', 'wasm', '--no-report', '--study', 'at-once'];
    // Its own process group, so that SIGSTOP holds tsx's node process too.
    const child = spawn(join(WORKSPACE, 'node_modules', '.bin', 'tsx'), [join(WORKSPACE, 'apps/pipeline/src/cli/search.ts'), ...args], { cwd: WORKSPACE, env: process.env, detached: true });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Its data stage has begun: the check before the run directory found no study to compare with.
    // It is held there while the other machine creates the study and records its settings.
    for (let t0 = Date.now(); !/\[1\/2\] data/.test(output); await new Promise((r) => setTimeout(r, 5))) {
      if (child.exitCode !== null || Date.now() - t0 > 120_000) throw new Error(`no data stage: ${output.slice(-3000)}`);
    }
    process.kill(-(child.pid as number), 'SIGSTOP');
    try {
      const storage = new PostgresStorage(db.url(), { logger: silentLogger });
      try {
        await createStudy({ name: 'at-once', direction: 'maximize', storage });
        await storage.putArtifact('at-once', -1, 'study-key.json', Buffer.from(JSON.stringify({ epochs: 1 })));
      } finally {
        await storage.close();
      }
    } finally {
      process.kill(-(child.pid as number), 'SIGCONT');
    }
    const status = await done;
    expect({ status, errors: output.split('\n').filter((l) => l.startsWith('error:')) }).toEqual({
      status: 1,
      errors: [
        expect.stringMatching(
          /^error: Study postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\S+ \(study `at-once`\) was searched with other data or settings: --epochs 1 there, --epochs 2 here; give the same --data and flags, or another --study \(this run's directory \S+at-once held no trial and was removed\)$/,
        ),
      ],
    });
    expect(existsSync(out) ? readdirSync(out, { recursive: true }) : 'removed').toBe('removed');
  });

  it('a run whose shared study was deleted after its search: --resume says so in one line, and leaves no empty study of that name', async () => {
    const out = join(root, 'deleted');
    const args = tiny.slice(0, -1).concat('deleted');
    const first = await cli('search', ['--storage', db.url(), '--data', dataDir, '--out', out, ...args]);
    expect({ status: first.status, tail: first.status === 0 ? '' : first.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    const storage = new PostgresStorage(db.url(), { logger: silentLogger });
    try {
      expect(await storage.deleteStudy('deleted')).toMatchObject({ trials: 2 });
      const r = await cli('full', ['--resume', out, '--no-report'], { DIGITFUSE_STORAGE: db.url() });
      expect({ status: r.status, errors: errorLines(r) }).toEqual({
        status: 1,
        errors: [
          expect.stringMatching(
            /^error: Expected the study this run searched in postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\S+ \(study `deleted`\), found none there \(deleted, or --storage names another database\); its trials are gone: start a new run with --out$/,
          ),
        ],
      });
      expect(await storage.getStudyDirections('deleted')).toBeUndefined();
    } finally {
      await storage.close();
    }
  });

  it.each([
    ['a URL without a database', () => 'postgresql://nohost', 2, /^error: Expected `--storage` to be a postgresql:\/\/user@host:port\/database URL, found `postgresql:\/\/nohost`$/],
    ['not a URL', () => 'mysql://u@h/db', 2, /^error: Expected `--storage` to be a postgresql:\/\/user@host:port\/database URL, found `mysql:\/\/u@h\/db`$/],
    ['a refused connection', () => `postgresql://digitfuse:${TEST_PG_PASSWORD}@127.0.0.1:1/x`, 1, /^error: PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:1\/x`: connection refused/],
    ['a wrong password', () => db.cluster().url('postgres').replace(TEST_PG_PASSWORD, 'wrong'), 1, /^error: PostgreSQL storage `\S+`: password authentication failed for user "digitfuse"/],
    ['a missing database', () => db.cluster().url('absent'), 1, /^error: PostgreSQL storage `\S+`: database "absent" does not exist/],
    [
      'no password, to a server that asks for one',
      () => db.cluster().url('postgres').replace(`:${TEST_PG_PASSWORD}@`, '@'),
      1,
      /^error: PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:(\d+)\/postgres`: 127\.0\.0\.1:\1 asks for a password, and none was given \(put it in the URL \(user:PASSWORD@ before the host\), or in PGPASSWORD or ~\/\.pgpass\)$/,
    ],
  ])('%s: one error line, exit non-zero, nothing written', async (_label, storage, status, line) => {
    const out = join(root, `err-${status}-${Math.random().toString(36).slice(2)}`);
    // No password but the URL's: none from this machine's environment or ~/.pgpass.
    const r = await cli('search', ['--storage', storage(), '--data', dataDir, '--out', out, ...tiny], { PGPASSWORD: undefined, PGPASSFILE: join(root, 'no-pgpass') });
    expect(r.status).toBe(status);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([expect.stringMatching(line)]);
    expect(r.stderr).not.toContain(TEST_PG_PASSWORD);
    expect(existsSync(out)).toBe(false);
  });
});

describePg('digitfuse search --storage: a study whose --trials other machines are running', () => {
  it("says which trials it waits for, where and for how long, once a minute rather than at every look; ends when they finish", async () => {
    const storage = new PostgresStorage(db.url(), { logger: silentLogger });
    let run: Running | undefined;
    try {
      await storage.createStudy('busy', 'maximize', false);
      // Another machine's worker has been running the study's only trial for three minutes.
      const other = (await storage.startTrial('busy', { host: 'host-b', pid: 4242, id: 'b' }, Date.now() - 180_000)) as { number: number };
      await storage.heartbeat('busy', other.number, Date.now());
      const args = ['--trials', '1', '--epochs', '1', '--search-rows', '120', '--seed', '5', '--backend', 'wasm', '--no-report', '--study', 'busy'];
      run = start('search', ['--storage', db.url(), '--data', dataDir, '--out', join(root, 'waits'), ...args]);
      await waitForLine(run, /waiting for/, 60_000);
      // It looks again every second; a few seconds on, it still has said it once.
      await new Promise((r) => setTimeout(r, 3000));
      expect(run.output().match(/^.*waiting for.*$/gm)).toEqual([
        expect.stringMatching(/^ {4}waiting for trial 0 on host-b \(running 3m[0-5]\ds\): the study has its --trials 1 finished or running$/),
      ]);
      await storage.finishTrial('busy', other.number, 'COMPLETE', 0.5, Date.now());
      const r = await run.done;
      expect({ status: r.status, tail: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
      expect(r.stderr).not.toMatch(/^ {2}trial \d+:/m);
    } finally {
      if (run?.child.exitCode === null) run.child.kill();
      await storage.close();
    }
  });
});

describePg('digitfuse search --storage: a machine stopped with Ctrl-C mid-trial', () => {
  it("fails its trial as it stops, and another machine waiting on the study runs its parameters at once (before: 2 minutes later, once its heartbeat was stale)", async () => {
    const args = ['--epochs', '2', '--search-rows', '120', '--seed', '5', '--backend', 'wasm', '--no-report', '--study', 'stopped-machine'];
    const a = start('search', ['--storage', db.url(), '--data', dataDir, '--out', join(root, 'stop-a'), '--trials', '1', ...args], { DIGITFUSE_WORKER_HOST: 'host-a' }, true);
    const group = -(a.child.pid as number);
    let b: Running | undefined;
    try {
      // Held mid-trial (its first epoch done) while machine B joins for one trial: B waits for A's
      // trial 0, which fills the study's --trials.
      await waitForLine(a, /^epoch 1\/2/m, 300_000);
      process.kill(group, 'SIGSTOP');
      try {
        b = start('search', ['--storage', db.url(), '--data', dataDir, '--out', join(root, 'stop-b'), '--trials', '1', ...args], { DIGITFUSE_WORKER_HOST: 'host-b' });
        await waitForLine(b, /waiting for trial 0 on host-a/, 120_000);
        process.kill(group, 'SIGINT');
      } finally {
        process.kill(group, 'SIGCONT');
      }
      const stopped = await a.done;
      expect({ status: stopped.status, signal: a.child.signalCode }).toEqual({ status: null, signal: 'SIGINT' });
      expect(stopped.stderr).toMatch(
        /warning: Study `stopped-machine`: trial 0 marked FAIL \(its process \(\d+ on host-a\) was stopped \(Ctrl-C\) while the trial was running\); its parameters run again as trial 1\n\nstopped \(Ctrl-C\): `digitfuse search --resume [^`]+` goes on from here; the stages and trials finished so far are kept\n$/,
      );
      const r = await b.done;
      expect({ status: r.status, tail: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
      expect(r.stderr).not.toMatch(/no heartbeat/);
      const storage = new PostgresStorage(db.url(), { logger: silentLogger });
      try {
        const trials = await storage.getTrials('stopped-machine');
        expect(trials.map((t) => [t.number, t.state, t.retryOf, t.worker?.host])).toEqual([
          [0, 'FAIL', undefined, 'host-a'],
          [1, 'COMPLETE', 0, 'host-b'],
        ]);
        expect(trials[1].params).toEqual(trials[0].params);
      } finally {
        await storage.close();
      }
    } finally {
      for (const run of [a, b]) if (run?.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });
});

describePg('digitfuse search --storage: a server that does not answer, hangs up, or goes away mid-search', () => {
  let relay: TcpRelay;
  beforeEach(async () => {
    relay = await startTcpRelay({ host: '127.0.0.1', port: db.cluster().port });
  });
  afterEach(() => relay.close());

  it.each([
    ['a port that takes the connection and never answers', 'silent', "took the connection but did not answer within 10s \\(is that port a PostgreSQL server's, and the server not overloaded\\?\\)"],
    ['a server that hangs up', 'hangup', "closed the connection \\(is that port a PostgreSQL server's\\? the server's log says why it hung up\\)"],
  ] as const)('%s: one line naming the server, within the connect timeout, nothing written', async (_label, mode, what) => {
    await relay.setMode(mode);
    const out = join(root, `relay-${mode}`);
    const t0 = Date.now();
    const r = await cli('search', ['--storage', relay.url(db.url()), '--data', dataDir, '--out', out, ...tiny]);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(r.status).toBe(1);
    const server = `127\\.0\\.0\\.1:${relay.port}`;
    expect(errorLines(r)).toEqual([expect.stringMatching(new RegExp(`^error: PostgreSQL storage \`postgresql://digitfuse@${server}/shared_\\w+\`: ${server} ${what}$`))]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
  });

  it('the server goes away mid-search: retried for DIGITFUSE_STORAGE_RETRY, then one line naming the server, the time and the command that goes on; finished trials kept', async () => {
    const out = join(root, 'outage');
    const args = ['--trials', '8', '--epochs', '1', '--search-rows', '120', '--seed', '5', '--backend', 'wasm', '--no-report', '--study', 'outage'];
    const run = start('search', ['--storage', relay.url(db.url()), '--data', dataDir, '--out', out, ...args], {
      DIGITFUSE_STORAGE_RETRY: '3s',
    });
    // The progress line comes once a trial is stored (the optimize callbacks run after it is told); the
    // trial's own 'value' line comes before, so a cut then could leave the database without a finished one.
    await waitForLine(run, /^ {4}\d+\/8 trials finished in /m);
    await relay.setMode('refuse');
    relay.cut();
    const cutAt = Date.now();
    const r = await run.done;
    // The retries (3 s), the trial that was running stopping, and the process's end.
    expect(Date.now() - cutAt).toBeLessThan(60_000);
    expect(r.status).toBe(1);
    const server = `127\\.0\\.0\\.1:${relay.port}`;
    expect(errorLines(r)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^error: PostgreSQL storage \`postgresql://digitfuse@${server}/shared_\\w+\`: ${server} out of reach, retried for 3s \\([^)]+\\); what was written before is kept there: ` +
            `\`digitfuse search --resume ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` with the password in DIGITFUSE_STORAGE, PGPASSWORD or ~/\\.pgpass \\(run\\.json keeps the URL without it\\) ` +
            'goes on once the server answers \\(DIGITFUSE_STORAGE_RETRY, e\\.g\\. 10m, sets how long to wait\\)$',
        ),
      ),
    ]);
    expect(r.stderr).toMatch(/^ {4}warning: PostgreSQL storage `[^`]+`: connection refused by 127\.0\.0\.1:\d+ .*; retrying for up to 3s$/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain(TEST_PG_PASSWORD);
    // The trials that finished before are in the database.
    const storage = new PostgresStorage(db.url(), { logger: silentLogger });
    try {
      const trials = await storage.getTrials('outage');
      expect(trials.filter((t) => t.state === 'COMPLETE').length).toBeGreaterThanOrEqual(1);
    } finally {
      await storage.close();
    }
  });

  it('the server goes down just as a trial starts (before its parameters are stored): the resume retries that trial, drawing the parameters an uninterrupted search draws', async () => {
    const args = (study: string) => ['--trials', '3', '--epochs', '1', '--search-rows', '120', '--seed', '5', '--backend', 'wasm', '--no-report', '--study', study];
    // The same search, never interrupted: trial 1 (the first one sampled; trial 0 is the paper's configuration, enqueued).
    const reference = await cli('search', ['--storage', db.url(), '--data', dataDir, '--out', join(root, 'down-reference'), ...args('down-reference')]);
    expect({ status: reference.status, tail: reference.status === 0 ? '' : reference.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    // Trial 0's finish and trial 1's start are one statement; the server goes down as soon as it answered it.
    const out = join(root, 'down-at-start');
    const down = relay.downAfter('AS number FROM digitfuse_trials');
    const stopped = await cli('search', ['--storage', relay.url(db.url()), '--data', dataDir, '--out', out, ...args('down-at-start')], { DIGITFUSE_STORAGE_RETRY: '2s' });
    await down;
    expect(stopped.status).toBe(1);
    expect(errorLines(stopped)).toEqual([expect.stringMatching(/ out of reach, retried for 2s .*`digitfuse search --resume /)]);
    const storage = new PostgresStorage(db.url(), { logger: silentLogger });
    try {
      const left = await storage.getTrials('down-at-start');
      expect(left.map((t) => [t.number, t.state, t.params])).toEqual([
        [0, 'COMPLETE', expect.any(Object)],
        [1, 'RUNNING', {}],
      ]);
      // The server is back: the resume fails the trial its stopped process left, and runs it again.
      await relay.setMode('forward');
      const resumed = await cli('search', ['--resume', out], { DIGITFUSE_STORAGE: relay.url(db.url()) });
      expect({ status: resumed.status, tail: resumed.status === 0 ? '' : resumed.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
      expect(resumed.stderr).toMatch(/trial 1 marked FAIL \(its process \(\d+ on [^)]+\) ended while the trial was running: stopped \(Ctrl-C\), killed or crashed\); trial 2 draws in its place the parameters it had not drawn yet$/m);
      const trials = await storage.getTrials('down-at-start');
      const expected = (await storage.getTrials('down-reference'))[1].params;
      expect(trials.map((t) => [t.number, t.state, t.retryOf])).toEqual([
        [0, 'COMPLETE', undefined],
        [1, 'FAIL', undefined],
        [2, expect.stringMatching(/^(COMPLETE|PRUNED)$/), 1],
        [3, expect.stringMatching(/^(COMPLETE|PRUNED)$/), undefined],
      ]);
      expect(trials[2].params).toEqual(expected);
    } finally {
      await storage.close();
    }
  });

  it('a DIGITFUSE_STORAGE_RETRY that is not a duration: one line naming it, exit 2, nothing written', async () => {
    const out = join(root, 'bad-retry');
    const r = await cli('search', ['--storage', db.url(), '--data', dataDir, '--out', out, ...tiny], { DIGITFUSE_STORAGE_RETRY: 'soon' });
    expect(r.status).toBe(2);
    expect(errorLines(r)).toEqual(['error: Expected `DIGITFUSE_STORAGE_RETRY` to be a duration like 90s, 10m, 1h or 1h30m, found `soon`']);
    expect(existsSync(out)).toBe(false);
  });
});
