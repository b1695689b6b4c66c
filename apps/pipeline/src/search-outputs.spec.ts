import { createStudy, inMemoryStorage, NopPruner, RandomSampler, silentLogger } from '@digitfuse/tuning';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureOptions } from './dashboard/testing/fixture-run';
import type { PipelineOptions } from './options';
import { createRun } from './run-artifacts';
import { writeSearchOutputs } from './search-outputs';

describe('writeSearchOutputs()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'search-outputs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps why each failed trial failed and which trial ran its parameters again, for the report's trials", async () => {
    // The run printed `trial 0 marked FAIL (...); its parameters run again as trial 1`; the report's trials said FAIL only.
    const { layout, state } = createRun(join(dir, 'run'), fixtureOptions(join(dir, 'run')));
    const study = await createStudy({
      name: 'digitfuse',
      direction: 'maximize',
      storage: inMemoryStorage(),
      sampler: new RandomSampler({ seed: 1 }),
      pruner: new NopPruner(),
      logger: silentLogger,
      staleAfterMs: 40,
      heartbeatIntervalMs: 60_000,
    });
    const lost = await study.ask();
    lost.suggestFloat('dropout', 0.1, 0.6);
    await new Promise((r) => setTimeout(r, 80));
    const retry = await study.ask();
    retry.suggestFloat('dropout', 0.1, 0.6);
    await study.tell(retry, 0.9);
    const crashed = await study.ask();
    crashed.suggestFloat('dropout', 0.1, 0.6);
    await study.tell(crashed, 'FAIL', 'out of memory');
    const outputs = writeSearchOutputs({ options: fixtureOptions(layout.root), layout, state, log: () => undefined }, study);
    const byNumber = (n: number) => outputs.trials.find((t) => t.number === n);
    expect(byNumber(0)).toMatchObject({ state: 'FAIL', failReason: expect.stringMatching(/^no heartbeat for/), retriedAs: 1 });
    expect(byNumber(1)?.state).toBe('COMPLETE');
    expect(byNumber(1)).not.toHaveProperty('failReason');
    expect(byNumber(2)).toMatchObject({ state: 'FAIL', failReason: 'out of memory', retriedAs: null });
  });

  it('writes trials.csv and trials.md with the epoch each trial kept (best_epoch), and no second "best step" that contradicts it', async () => {
    // trials.csv had `best_epoch 3` and `best step 2` side by side: the epoch early stopping kept (on
    // validation loss) and the epoch of the best validation accuracy, the latter under no explanation.
    const root = join(dir, 'kept');
    const { layout, state } = createRun(root, fixtureOptions(root));
    const study = await createStudy({ name: 'digitfuse', direction: 'maximize', storage: inMemoryStorage(), sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), logger: silentLogger });
    const trial = await study.ask();
    trial.suggestFloat('dropout', 0.1, 0.6);
    [0.5, 0.8, 0.7].forEach((acc, i) => trial.report(acc, i + 1));
    trial.setUserAttr('best_epoch', 3);
    await study.tell(trial, 0.7);
    const outputs = writeSearchOutputs({ options: fixtureOptions(root), layout, state, log: () => undefined }, study);
    expect(outputs.trials[0].bestEpoch).toBe(3);
    const [header, row] = readFileSync(layout.trialsCsv, 'utf8').trim().split('\n');
    expect(header).toBe('number,state,dropout,value,value from,best_epoch,seconds');
    expect(row).toMatch(/^0,COMPLETE,[0-9.]+,0\.7,objective,3,\d+\.\d$/);
    expect(readFileSync(layout.trialsMd, 'utf8')).not.toContain('best step');
  });

  it("says in trials.csv and trials.md what a pruned trial's value is: the figure it reported after its last epoch, not a finished trial's objective", async () => {
    // A pruned trial's value is its last report (as Optuna's trials_dataframe has it): 0.8 beside a
    // finished trial's 0.7 read as the better validation accuracy, with nothing to say otherwise.
    const root = join(dir, 'pruned');
    const options = fixtureOptions(root);
    const { layout, state } = createRun(root, options);
    const study = await createStudy({ name: 'digitfuse', direction: 'maximize', storage: inMemoryStorage(), sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), logger: silentLogger });
    const finished = await study.ask();
    finished.suggestFloat('dropout', 0.1, 0.6);
    [0.5, 0.7].forEach((acc, i) => finished.report(acc, i + 1));
    await study.tell(finished, 0.7);
    const pruned = await study.ask();
    pruned.suggestFloat('dropout', 0.1, 0.6);
    [0.6, 0.8].forEach((acc, i) => pruned.report(acc, i + 1));
    await study.tell(pruned, 'PRUNED');
    writeSearchOutputs({ options, layout, state, log: () => undefined }, study);
    const csv = readFileSync(layout.trialsCsv, 'utf8').trim().split('\n').map((l) => l.split(','));
    const [value, from] = ['value', 'value from'].map((c) => csv[0].indexOf(c));
    // The run's models are a product of experts (robust fusion): what they report per epoch is their fused head's accuracy.
    expect(csv.slice(1).map((r) => [r[1], r[value], r[from]])).toEqual([
      ['COMPLETE', '0.7', 'objective'],
      ['PRUNED', '0.8', 'fused-head validation accuracy after epoch 2'],
    ]);
    expect(readFileSync(layout.trialsMd, 'utf8')).toMatch(/\| 1 \| PRUNED +\| [0-9.]+ \| 0\.8 \| fused-head validation accuracy after epoch 2 \|/);
    // Of a run without experts (concatenation), the clean validation accuracy.
    const concat = join(dir, 'pruned-concat');
    const concatOptions: PipelineOptions = { ...fixtureOptions(concat), fusion: 'concat' };
    const run = createRun(concat, concatOptions);
    writeSearchOutputs({ options: concatOptions, layout: run.layout, state: run.state, log: () => undefined }, study);
    expect(readFileSync(run.layout.trialsCsv, 'utf8')).toContain(',0.8,clean validation accuracy after epoch 2,');
  });
});
