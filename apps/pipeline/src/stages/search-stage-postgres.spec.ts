/**
 * The search's progress line on a study in PostgreSQL that another worker shares (`--workers 2`, or
 * another machine): it counts that worker's finished trials too. Two studies on one database, as the
 * main process and a worker process have them, against a real server (a throwaway cluster, or CI's).
 * Skipped with one loud line without PostgreSQL (never on CI).
 */
import { createStudy, NopPruner, openStorage, RandomSampler, silentLogger, type Storage, type Study } from '@digitfuse/tuning';
import { postgresTestable } from '@digitfuse/tuning/testing';
import { usePostgresDatabase } from '../dashboard/testing/postgres-fixture';
import { searchProgress } from './search-stage';

jest.setTimeout(120_000);

const describePg = postgresTestable() ? describe : describe.skip;
const db = usePostgresDatabase('progress');

describePg('searchProgress() on a study in PostgreSQL', () => {
  const storages: Storage[] = [];
  afterAll(() => Promise.all(storages.map((storage) => storage.close())));

  /** The study as one process opens it: its own connection to the database. */
  async function openAs(seed: number): Promise<Study> {
    const storage = await openStorage(db.url(), { logger: silentLogger });
    storages.push(storage);
    return createStudy({ name: 'progress', direction: 'maximize', storage, loadIfExists: true, sampler: new RandomSampler({ seed }), pruner: new NopPruner(), logger: silentLogger });
  }

  it("counts the trial another worker finished while this process's trial ran, in the line its optimize() awaits", async () => {
    const main = await openAs(1);
    const worker = await openAs(2);
    const lines: string[] = [];
    const progress = searchProgress(main, (line) => lines.push(line), { trials: 3, done: 0, started: Date.now(), deadline: null });
    await main.optimize(
      async (trial) => {
        // The worker runs a trial from start to end while this one runs.
        const other = await worker.ask();
        other.suggestFloat('x', 0, 1);
        await worker.tell(other, 0.99);
        return trial.suggestFloat('x', 0, 0.5);
      },
      { nTrials: 1, callbacks: [progress] },
    );
    expect(lines).toEqual([expect.stringMatching(/^ {4}2\/3 trials finished in [\dhms.]+, best 0\.9900 \(trial 1\), about [\dhms.]+ left$/)]);
  });
});
