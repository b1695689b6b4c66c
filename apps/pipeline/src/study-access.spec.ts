import { createStudy, inMemoryStorage, NopPruner, RandomSampler, silentLogger } from '@digitfuse/tuning';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureOptions } from './dashboard/testing/fixture-run';
import { createRun } from './run-artifacts';
import { pruneTrialModels, withPassword } from './study-access';

describe('pruneTrialModels()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'study-access-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("removes only finished trials' folders outside the best: another process's save under way and a trial this view does not show yet stay", async () => {
    // `search --workers 2`: the main process pruned the models folder after its trial while worker 2
    // was saving trial 4 into its staging folder `.trial-0004.saving-<pid>`; the folder went, and the
    // worker died with `error: Cannot write .../trial-0004/meta.json: a folder of its path is not there`
    // (trial 4 FAIL, the best of that study, and the worker's share of the search lost).
    const root = join(dir, 'run');
    const { layout, state } = createRun(root, fixtureOptions(root));
    const study = await createStudy({ name: 'digitfuse', direction: 'maximize', storage: inMemoryStorage(), sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), logger: silentLogger });
    for (const value of [0.9, 0.1]) {
      const t = await study.ask();
      t.suggestFloat('dropout', 0.1, 0.6);
      await study.tell(t, value);
    }
    (await study.ask()).suggestFloat('dropout', 0.1, 0.6); // trial 2, running
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    const entries = ['trial-0000', 'trial-0001', 'trial-0002', `.trial-0003.saving-${process.pid}`, 'trial-0004', `.trial-0005.saving-${dead}`];
    for (const e of entries) mkdirSync(join(layout.trialModelsDir, e), { recursive: true });
    pruneTrialModels({ options: fixtureOptions(root), layout, state, log: () => undefined }, study, 1);
    // trial 1: finished, not the best; a staging folder whose process is gone: a killed save's.
    expect(readdirSync(layout.trialModelsDir).sort()).toEqual(entries.filter((e) => e !== 'trial-0001' && !e.includes(`saving-${dead}`)).sort());
    expect(existsSync(join(layout.trialModelsDir, `.trial-0003.saving-${process.pid}`))).toBe(true);
  });
});

describe('withPassword()', () => {
  const saved = process.env.DIGITFUSE_STORAGE;
  afterEach(() => (saved === undefined ? delete process.env.DIGITFUSE_STORAGE : (process.env.DIGITFUSE_STORAGE = saved)));

  it("takes DIGITFUSE_STORAGE's password for the database run.json records, however its URL spells the scheme and the default port", () => {
    process.env.DIGITFUSE_STORAGE = 'postgres://digitfuse:s3cret@db.example/studies';
    expect(withPassword('postgresql://digitfuse@db.example:5432/studies')).toBe('postgres://digitfuse:s3cret@db.example/studies');
  });

  it('keeps the recorded URL when DIGITFUSE_STORAGE names another database', () => {
    process.env.DIGITFUSE_STORAGE = 'postgresql://digitfuse:s3cret@db.example/other';
    expect(withPassword('postgresql://digitfuse@db.example/studies')).toBe('postgresql://digitfuse@db.example/studies');
  });
});
