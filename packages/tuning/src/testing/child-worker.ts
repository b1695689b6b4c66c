/**
 * Test fixture: a worker process for the multi-process tests (run with `node --import tsx`).
 *   (--journal FILE | --storage URL) --study NAME --n-trials N [--hang-at K] [--sleep-ms MS] [--seed S]
 *   [--stale-ms MS] [--heartbeat-ms MS]
 * Runs `optimize` with nTrialsScope 'study'. With --hang-at K, the trial that would make K finished
 * trials prints `HANG <number>` after its first report and never returns (the test kills it). Each
 * trial records as user attribute `seen` how many COMPLETE trials its sampler saw, and the worker
 * prints `TOLD <number> <value>` for every value it told.
 */
import { parseArgs } from 'node:util';
import { createStudy, NopPruner, openStorage, TPESampler } from '../index';

const { values } = parseArgs({
  options: {
    journal: { type: 'string' },
    study: { type: 'string' },
    'n-trials': { type: 'string' },
    'hang-at': { type: 'string' },
    'sleep-ms': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    storage: { type: 'string' },
    'stale-ms': { type: 'string', default: '120000' },
    'heartbeat-ms': { type: 'string', default: '30000' },
  },
});

async function main(): Promise<void> {
  const storage = await openStorage((values.storage ?? values.journal) as string);
  const study = await createStudy({
    staleAfterMs: Number(values['stale-ms']),
    heartbeatIntervalMs: Number(values['heartbeat-ms']),
    name: values.study as string,
    direction: 'minimize',
    storage,
    sampler: new TPESampler({ seed: Number(values.seed), nStartupTrials: 3 }),
    pruner: new NopPruner(),
    loadIfExists: true,
  });
  const hangAt = values['hang-at'] === undefined ? undefined : Number(values['hang-at']);
  const sleepMs = Number(values['sleep-ms']);
  await study.optimize(
    async (trial) => {
      trial.setUserAttr('seen', study.getTrials(['COMPLETE']).length);
      const x = trial.suggestFloat('x', -3, 3);
      const k = trial.suggestInt('k', 1, 4);
      trial.report(x * x, 0);
      if (hangAt !== undefined && study.getTrials(['COMPLETE']).length + 1 >= hangAt) {
        // Mid-trial: its parameters and report have reached the storage (a database's writes trail by a tick).
        await study.refresh();
        process.stdout.write(`HANG ${trial.number}\n`);
        await new Promise(() => setInterval(() => undefined, 1000));
      }
      if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
      process.stdout.write(`TOLD ${trial.number} ${x * x + k}\n`);
      return x * x + k;
    },
    { nTrials: Number(values['n-trials']), nTrialsScope: 'study', pollIntervalMs: 50 },
  );
  await storage.close();
  process.stdout.write(`DONE ${process.pid}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
