import { createStudy, inMemoryStorage, NopPruner, RandomSampler, silentLogger } from '@digitfuse/tuning';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureOptions } from './dashboard/testing/fixture-run';
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
});
