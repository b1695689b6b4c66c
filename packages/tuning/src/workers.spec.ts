import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from './errors';
import { NopPruner } from './pruners/nop-pruner';
import { TPESampler } from './samplers/tpe-sampler';
import { JournalFileStorage } from './storage/journal-file-storage';
import { createStudy } from './study';
import { MemoryLogger, tempDirEachTest } from './testing';
import { killedMidTrial, spawnChildWorkers } from './testing/child-workers';
import { spawnWorkers } from './workers';


const tempDir = tempDirEachTest('tuning-workers-');

describe('spawnWorkers()', () => {
  it('rejects a bad count or command with a ConfigError', async () => {
    expect(() => spawnWorkers({ count: 0, command: process.execPath })).toThrow(/`count`: expected an integer >= 1, got 0/);
    expect(() => spawnWorkers({ count: 1, command: '' })).toThrow(ConfigError);
  });

  it('kill(signal) passes a stop on to the workers still running (a stopped search waits for them to fail their trials)', async () => {
    const run = spawnWorkers({ count: 2, command: process.execPath, args: ['-e', 'setTimeout(() => undefined, 60_000)'], stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    run.kill('SIGHUP');
    run.kill('SIGHUP'); // again, or after they ended: nothing more happens
    expect((await run).map((e) => e.signal)).toEqual(['SIGHUP', 'SIGHUP']);
    run.kill();
  });

  it('a worker that cannot be started ends with its error, rather than rejecting the run at once (unhandled where it is awaited only at its end)', async () => {
    const run = spawnWorkers({ count: 2, command: path.join(tempDir(), 'no-such-program'), stdio: 'ignore' });
    const exits = await run;
    expect(exits.map((e) => ({ index: e.index, pid: e.pid, error: e.error }))).toEqual([0, 1].map((index) => ({ index, pid: undefined, error: expect.stringMatching(/ENOENT/) })));
  });

  it('stop(signal, withinMs) kills with SIGKILL the workers still running withinMs later, and says which', async () => {
    // Worker 1 does not end on the stop, as a process busy in one long step does not; each says it is ready in a file.
    const ready = (i: number): string => path.join(tempDir(), `ready-${i}`);
    const deaf = (i: number): string => (i === 1 ? "process.on('SIGTERM', () => undefined); " : '');
    const run = spawnWorkers({ count: 2, command: process.execPath, args: (i) => ['-e', `${deaf(i)}require('fs').writeFileSync(${JSON.stringify(ready(i))}, ''); setTimeout(() => undefined, 60_000)`], stdio: 'ignore' });
    while (!fs.existsSync(ready(0)) || !fs.existsSync(ready(1))) await new Promise((r) => setTimeout(r, 20));
    const { exits, killed } = await run.stop('SIGTERM', 500);
    expect(exits.map((e) => e.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(killed.map((e) => e.index)).toEqual([1]);
  });
});

describe('worker processes sharing a journal', () => {
  it('resumes after a worker is SIGKILLed mid-trial: finished trials kept, the killed one FAIL and retried', async () => {
    const journal = path.join(tempDir(), 'study.jsonl');
    const hung = await killedMidTrial(['--journal', journal, '--study', 'k', '--n-trials', '5', '--hang-at', '3']);

    const logger = new MemoryLogger();
    const study = await createStudy({
      name: 'k',
      storage: new JournalFileStorage(journal, { logger }),
      sampler: new TPESampler({ seed: 9, nStartupTrials: 3 }),
      pruner: new NopPruner(),
      loadIfExists: true,
      logger,
    });
    const before = study.trials;
    expect(hung).toBe(2);
    expect(before.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'RUNNING']);
    const killedParams = before[2].params;

    await study.optimize((t) => t.suggestFloat('x', -3, 3) ** 2 + t.suggestInt('k', 1, 4), { nTrials: 5, nTrialsScope: 'study' });
    const after = study.trials;
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2].state).toBe('FAIL');
    expect(after[2].failReason).toMatch(/^its process \(\d+ on \S+\) ended while the trial was running: stopped \(Ctrl-C\), killed or crashed$/);
    expect(after[3].retryOf).toBe(2);
    expect(after[3].params).toEqual(killedParams);
    expect(study.getTrials(['COMPLETE'])).toHaveLength(5);
    expect(logger.warnings).toEqual([expect.stringMatching(/trial 2 marked FAIL/)]);
  }, 60_000);

  it('two concurrent workers complete one study with distinct trial numbers and a clean journal', async () => {
    const journal = path.join(tempDir(), 'study.jsonl');
    // Create the study first so both workers load the same one.
    await (await createStudy({ name: 'c', storage: new JournalFileStorage(journal) })).storage.close();
    const exits = await spawnChildWorkers(2, ['--journal', journal, '--study', 'c', '--n-trials', '12', '--sleep-ms', '30']);
    for (const e of exits) expect({ code: e.code, output: e.output }).toEqual({ code: 0, output: expect.stringMatching(/DONE/) });

    const lines = fs.readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; number?: number });
    const created = lines.filter((l) => l.op === 'create_trial').map((l) => l.number);
    expect(new Set(created).size).toBe(created.length);
    const study = await createStudy({ name: 'c', storage: new JournalFileStorage(journal), loadIfExists: true });
    expect(study.trials.map((t) => t.number)).toEqual([...Array(12).keys()]);
    expect(study.getTrials(['COMPLETE'])).toHaveLength(12);
    const pids = new Set(study.trials.map((t) => t.worker?.pid));
    expect(pids).toEqual(new Set(exits.map((e) => e.pid)));
  }, 60_000);
});
