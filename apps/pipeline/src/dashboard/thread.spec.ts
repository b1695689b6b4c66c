import { useTempDir } from '@digitfuse/core/testing';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PipelineError } from '../errors';
import { writeFixtureRun } from './testing/fixture-run';
import { rawGet } from './testing/http';
import { startDashboardThread } from './thread';

jest.setTimeout(120_000);

describe('startDashboardThread()', () => {
  const tempDir = useTempDir('dashboard-thread-');

  it('serves from its own thread while this one is busy, and stops on finish()', async () => {
    const run = join(tempDir(), 'run');
    writeFixtureRun(run, { finished: 4, runningEpochs: 2 });
    const lines: string[] = [];
    const dashboard = await startDashboardThread({ run, stages: [{ name: 'data', title: 'data' }] }, (l) => lines.push(l));
    try {
      // The main thread's event loop is blocked (as by an epoch of training); the dashboard still answers.
      const answer = new Promise<string>((resolve, reject) => {
        const curl = spawn(process.execPath, ['-e', `fetch(${JSON.stringify(dashboard.url + 'api/snapshot')}).then(r => r.text()).then(t => process.stdout.write(t))`]);
        let out = '';
        curl.stdout.on('data', (c: Buffer) => (out += c));
        curl.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`fetch exited ${code}`))));
      });
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        /* busy, like a training step */
      }
      const snapshot = JSON.parse(await answer);
      expect(snapshot.trials).toHaveLength(5);
      expect(snapshot.run.stages[0]).toMatchObject({ name: 'data', state: 'done' });
    } finally {
      await dashboard.finish();
    }
    await expect(rawGet(dashboard.url, '/')).rejects.toThrow(/ECONNREFUSED/);
    expect(lines).toEqual([]);
  });

  it('rejects with the PipelineError of a run directory it cannot serve', async () => {
    await expect(startDashboardThread({ run: join(tempDir(), 'none') }, () => undefined)).rejects.toThrow(PipelineError);
  });
});
