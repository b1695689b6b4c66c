import { runScript, useTempDir } from '@digitfuse/core/testing';
import { join } from 'node:path';
import { writeFixtureRun } from './testing/fixture-run';
import { startDashboardCli } from './testing/cli';
import { rawGet } from './testing/http';

jest.setTimeout(180_000);

describe('pipeline:dashboard (cli/dashboard.ts)', () => {
  const tempDir = useTempDir('dashboard-cli-');

  it('prints the URL, serves the run until Ctrl-C, then exits 0', async () => {
    const run = join(tempDir(), 'run');
    writeFixtureRun(run, { finished: 3, runningEpochs: 1 });
    const { child, url, exited, output } = await startDashboardCli(['--run', run]);
    const snapshot = JSON.parse((await rawGet(url, '/api/snapshot')).body);
    expect(snapshot.trials).toHaveLength(4);
    expect(snapshot.run.stages.map((s: { name: string }) => s.name)).toEqual(['data', 'search', 'retrain', 'predict', 'validate', 'evaluate', 'report']);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output().stderr).toContain('dashboard stopped');
  });

  it('says in one line what is wrong with --run, and exits 1', () => {
    const r = runScript('apps/pipeline/src/cli/dashboard.ts', ['--run', join(tempDir(), 'missing')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`error: Expected \`--run ${join(tempDir(), 'missing')}\` to be a run directory with run.json, found none at ${join(tempDir(), 'missing', 'run.json')}`);
  });
});
