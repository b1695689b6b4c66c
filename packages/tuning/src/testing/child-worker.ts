/**
 * Test fixture: a worker process for the multi-process tests (run with `node --import tsx`).
 *   --journal FILE --study NAME --n-trials N [--hang-at K] [--sleep-ms MS] [--seed S]
 * Runs `optimize` with nTrialsScope 'study'. With --hang-at K, the trial that would make K finished
 * trials prints `HANG <number>` after its first report and never returns (the test kills it).
 */
import { parseArgs } from 'node:util';
import { createStudy, JournalFileStorage, NopPruner, TPESampler } from '../index';

const { values } = parseArgs({
  options: {
    journal: { type: 'string' },
    study: { type: 'string' },
    'n-trials': { type: 'string' },
    'hang-at': { type: 'string' },
    'sleep-ms': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
  },
});

async function main(): Promise<void> {
  const storage = new JournalFileStorage(values.journal as string);
  const study = await createStudy({
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
      const x = trial.suggestFloat('x', -3, 3);
      const k = trial.suggestInt('k', 1, 4);
      trial.report(x * x, 0);
      if (hangAt !== undefined && study.getTrials(['COMPLETE']).length + 1 >= hangAt) {
        process.stdout.write(`HANG ${trial.number}\n`);
        await new Promise(() => setInterval(() => undefined, 1000));
      }
      if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
      return x * x + k;
    },
    { nTrials: Number(values['n-trials']), nTrialsScope: 'study', pollIntervalMs: 50 },
  );
  process.stdout.write(`DONE ${process.pid}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
