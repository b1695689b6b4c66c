/**
 * One worker of `digitfuse bench storage` (storage-benchmark.ts): opens the study, prints READY,
 * waits for GO on stdin, then runs trials of an objective that sleeps `--sleep-ms` until the study
 * has `--n-trials` finished ones; prints `RESULT {"told":N,"storageMs":MS,"overlappedMs":MS,"cpuMs":MS}`:
 * the time with a storage call under way outside the objective and while it ran (see `timed`), and
 * the process's CPU time (user + system) from GO to the end.
 *   --storage SPEC --study NAME --n-trials N [--sleep-ms 200] [--seed S] [--poll-ms MS] [--two-calls]
 * `--two-calls` hides the storage's `finishAndStartTrial`: a trial's finish and the next start are
 * then two calls, as before it (to compare).
 * `--poll-ms` (default: the sleep, at least 20 ms) is how often a worker looks again once every
 * remaining trial is running elsewhere (in case one dies); polling much faster than trials finish
 * only takes CPU from the trials still running.
 */
import { parseArgs } from 'node:util';
import { silentLogger } from '../logger';
import { NopPruner } from '../pruners/nop-pruner';
import { RandomSampler } from '../samplers/random-sampler';
import { openStorage } from '../storage/open-storage';
import type { Storage } from '../storage/storage';
import { createStudy } from '../study';

const { values } = parseArgs({
  options: {
    storage: { type: 'string' },
    study: { type: 'string' },
    'n-trials': { type: 'string' },
    'sleep-ms': { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    'poll-ms': { type: 'string' },
    'two-calls': { type: 'boolean', default: false },
  },
});

/**
 * The storage, timed: `ms()` adds up the time during which at least one of its calls is under way
 * (calls made together, such as a trial's suggestions sent in one batch, count once), in two parts:
 * `waited`, outside the objective (the worker waits for it: starting and finishing trials), and
 * `overlapped`, while the objective runs (writes sent in the background: suggestions, reports),
 * which delays no trial. `objective(running)` says which part the time goes to.
 */
function timed(storage: Storage): { storage: Storage; ms: () => { waited: number; overlapped: number }; objective: (running: boolean) => void } {
  const ms = { waited: 0, overlapped: 0 };
  let running = false;
  let busy = 0;
  let since = 0;
  const add = (): void => {
    const now = performance.now();
    ms[running ? 'overlapped' : 'waited'] += now - since;
    since = now;
  };
  const enter = (): void => {
    if (busy++ === 0) since = performance.now();
  };
  const leave = (): void => {
    if (--busy === 0) add();
  };
  const objective = (now: boolean): void => {
    if (busy > 0) add();
    running = now;
  };
  const proxy = new Proxy(storage, {
    get(target, prop, receiver) {
      const v: unknown = prop === 'finishAndStartTrial' && values['two-calls'] === true ? undefined : Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || prop === 'constructor') return v;
      return (...args: unknown[]) => {
        enter();
        let r: unknown;
        try {
          r = (v as (...a: unknown[]) => unknown).apply(target, args);
        } catch (e) {
          leave();
          throw e;
        }
        if (r instanceof Promise) return r.finally(leave);
        leave();
        return r;
      };
    },
  });
  return { storage: proxy, ms: () => ({ ...ms }), objective };
}

async function main(): Promise<void> {
  const opened = await openStorage(values.storage as string, { logger: silentLogger });
  const { storage, ms, objective } = timed(opened);
  const study = await createStudy({
    name: values.study as string,
    storage,
    sampler: new RandomSampler({ seed: Number(values.seed) }),
    pruner: new NopPruner(),
    logger: silentLogger,
    loadIfExists: true,
  });
  process.stdout.write('READY\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const sleepMs = Number(values['sleep-ms']);
  let told = 0;
  const before = ms();
  const cpu = process.cpuUsage();
  await study.optimize(
    async (trial) => {
      objective(true);
      const x = trial.suggestFloat('x', -1, 1);
      trial.suggestInt('k', 1, 8);
      await new Promise((r) => setTimeout(r, sleepMs));
      objective(false);
      told++;
      return x * x;
    },
    { nTrials: Number(values['n-trials']), nTrialsScope: 'study', pollIntervalMs: Number(values['poll-ms'] ?? Math.max(20, sleepMs)) },
  );
  const used = process.cpuUsage(cpu);
  const after = ms();
  const result = { told, storageMs: after.waited - before.waited, overlappedMs: after.overlapped - before.overlapped, cpuMs: (used.user + used.system) / 1000 };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  await opened.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
