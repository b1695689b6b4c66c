/**
 * Two machines on one study: two `digitfuse search` processes (separate run directories) share a
 * PostgreSQL study, then a third process with its own run directory retrains from the study alone
 * (trial models come from the database) and writes a valid submission. Real processes, a
 * throwaway cluster (`@digitfuse/tuning/testing`); skipped with one loud line without PostgreSQL.
 */
import { WORKSPACE } from '@digitfuse/core/testing';
import { buildDemoDataset } from '@digitfuse/data';
import { postgresTestable, TEST_PG_PASSWORD } from '@digitfuse/tuning/testing';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** A pipeline CLI (`search`, `full`) as its own process, through tsx, with an argument array. */
function cli(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(join(WORKSPACE, 'node_modules', '.bin', 'tsx'), [join(WORKSPACE, 'apps/pipeline/src/cli', `${name}.ts`), ...args], {
      cwd: WORKSPACE,
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stderr += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status) => done({ status, stderr }));
  });
}

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

  it('refuses a worker whose data differ from the study, in one line, before training', async () => {
    const r = await cli('search', ['--storage', db.url(), '--data', otherData, '--out', join(root, 'd'), ...tiny]);
    expect(r.status).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([
      expect.stringMatching(/^error: Study postgresql:\/\/digitfuse@127\.0\.0\.1:\d+\/\S+ \(study `two-machines`\) was searched with other data or preprocessing: files \w+ there, files \w+ here; give the same --data and flags, or another --study$/),
    ]);
  });

  it.each([
    ['a URL without a database', () => 'postgresql://nohost', 2, /^error: Expected `--storage` to be a postgresql:\/\/user@host:port\/database URL, got `postgresql:\/\/nohost`$/],
    ['not a URL', () => 'mysql://u@h/db', 2, /^error: Expected `--storage` to be a postgresql:\/\/user@host:port\/database URL, got `mysql:\/\/u@h\/db`$/],
    ['a refused connection', () => `postgresql://digitfuse:${TEST_PG_PASSWORD}@127.0.0.1:1/x`, 1, /^error: PostgreSQL storage `postgresql:\/\/digitfuse@127\.0\.0\.1:1\/x`: connection refused/],
    ['a wrong password', () => db.cluster().url('postgres').replace(TEST_PG_PASSWORD, 'wrong'), 1, /^error: PostgreSQL storage `\S+`: password authentication failed for user "digitfuse"/],
    ['a missing database', () => db.cluster().url('absent'), 1, /^error: PostgreSQL storage `\S+`: database "absent" does not exist/],
  ])('%s: one error line, exit non-zero, nothing written', async (_label, storage, status, line) => {
    const out = join(root, `err-${status}-${Math.random().toString(36).slice(2)}`);
    const r = await cli('search', ['--storage', storage(), '--data', dataDir, '--out', out, ...tiny]);
    expect(r.status).toBe(status);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([expect.stringMatching(line)]);
    expect(r.stderr).not.toContain(TEST_PG_PASSWORD);
    expect(existsSync(out)).toBe(false);
  });
});
