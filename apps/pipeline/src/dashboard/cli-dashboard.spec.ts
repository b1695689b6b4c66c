import { useTempDir } from '@digitfuse/core/testing';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFixtureRun } from './testing/fixture-run';
import { rawGet } from './testing/http';

jest.setTimeout(180_000);

const workspace = join(__dirname, '..', '..', '..', '..');
const tsx = join(workspace, 'node_modules', '.bin', 'tsx');
const cli = join(workspace, 'apps', 'pipeline', 'src', 'cli', 'dashboard.ts');

describe('pipeline:dashboard (cli/dashboard.ts)', () => {
  const tempDir = useTempDir('dashboard-cli-');

  it('prints the URL, serves the run until Ctrl-C, then exits 0', async () => {
    const run = join(tempDir(), 'run');
    writeFixtureRun(run, { finished: 3, runningEpochs: 1 });
    const child = spawn(tsx, [cli, '--run', run], { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c;
        const m = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout);
        if (m) resolve(m[1]);
      });
      void exited.then((code) => reject(new Error(`exited ${code} before printing a URL: ${stderr}`)));
    });
    const snapshot = JSON.parse((await rawGet(url, '/api/snapshot')).body);
    expect(snapshot.trials).toHaveLength(4);
    expect(snapshot.run.stages.map((s: { name: string }) => s.name)).toEqual(['data', 'search', 'retrain', 'predict', 'validate', 'evaluate', 'report']);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('dashboard stopped');
  });

  it('says in one line what is wrong with --run, and exits 1', () => {
    const r = spawnSync(tsx, [cli, '--run', join(tempDir(), 'missing')], { cwd: workspace, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`error: Expected \`--run ${join(tempDir(), 'missing')}\` to be a run directory with run.json, found none at ${join(tempDir(), 'missing', 'run.json')}`);
  });
});
