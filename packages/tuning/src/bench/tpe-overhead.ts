/**
 * Benchmark: the TPE sampler's overhead per trial (ask + 5 suggestions + tell, objective excluded)
 * once a study has 10, 100 and 1,000 finished trials. `digitfuse bench tuning [--sizes 10,100,1000]
 * [--trials 20] [--journal]` (`nx run tuning:bench`). The study is first filled with random-search trials (fast), then TPE runs
 * 3 warm-up trials and then `--trials` more trials whose ask/suggest/tell time is measured.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listFlag, parseArgs, positiveInt, runMain, UsageError } from '@digitfuse/core';
import { silentLogger } from '../logger';
import { NopPruner } from '../pruners/nop-pruner';
import { RandomSampler } from '../samplers/random-sampler';
import { TPESampler } from '../samplers/tpe-sampler';
import { InMemoryStorage } from '../storage/in-memory-storage';
import { JournalFileStorage } from '../storage/journal-file-storage';
import type { Storage } from '../storage/storage';
import { createStudy } from '../study';
import type { Trial } from '../trial';

export interface OverheadResult {
  readonly finished: number;
  /** Mean wall-clock milliseconds per trial spent in ask + suggest + tell. */
  readonly msPerTrial: number;
  readonly maxMs: number;
  /** Mean CPU milliseconds (user + system) of this process per trial; robust to a busy machine. */
  readonly cpuMsPerTrial: number;
}

function suggestAll(t: Trial): number {
  const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
  const units = t.suggestInt('units', 16, 512, { log: true });
  const dropout = t.suggestFloat('dropout', 0, 0.6);
  const layers = t.suggestInt('layers', 1, 4);
  const opt = t.suggestCategorical('optimizer', ['adam', 'sgd', 'rmsprop']);
  return Math.log10(lr) ** 2 + Math.abs(Math.log2(units) - 7) + dropout + layers + (opt === 'adam' ? 0 : 1);
}

/** Unmeasured TPE trials first, so the JIT has compiled the hot code. */
const WARMUP = 3;

/** Measures TPE's per-trial overhead with `finished` finished trials already in the study. */
export async function measureOverhead(finished: number, trials: number, storage: Storage): Promise<OverheadResult> {
  const name = `bench-${finished}`;
  const filler = await createStudy({ name, storage, sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), logger: silentLogger });
  await filler.optimize(suggestAll, { nTrials: finished });
  const study = await createStudy({ name, storage, sampler: new TPESampler({ seed: 2 }), pruner: new NopPruner(), logger: silentLogger, loadIfExists: true });
  const times: number[] = [];
  let cpu = 0;
  for (let i = 0; i < trials + WARMUP; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const trial = await study.ask();
    const value = suggestAll(trial);
    await study.tell(trial, value);
    if (i >= WARMUP) {
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1000;
    }
  }
  return { finished, msPerTrial: times.reduce((a, b) => a + b, 0) / times.length, maxMs: Math.max(...times), cpuMsPerTrial: cpu / trials };
}

export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(
    argv,
    { name: 'digitfuse bench tuning', describe: "The TPE sampler's overhead per trial at 10, 100 and 1,000 finished trials." },
    (y) =>
      y
        .option('sizes', { type: 'string', default: '10,100,1000', describe: 'Finished-trial counts to measure at (comma-separated)' })
        .option('trials', { type: 'number', default: 20, describe: 'Measured TPE trials per size' })
        .option('journal', { type: 'boolean', default: false, describe: 'Also measure with a JournalFileStorage (fsync per operation)' }),
  );
  const sizes = listFlag(args.sizes, 'sizes').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 0)) throw new UsageError(`Expected --sizes to be comma-separated integers >= 0, found ${args.sizes}`);
  positiveInt(args.trials, 'trials');
  console.log('TPE sampler overhead per trial (ask + 5 suggestions + tell; 3 numeric incl. 2 log, 1 int, 1 categorical)');
  console.log('storage    finished  wall ms/trial (mean)  wall ms/trial (max)  CPU ms/trial (mean)');
  const kinds: ['memory' | 'journal', () => Storage][] = [['memory', () => new InMemoryStorage({ logger: silentLogger })]];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tuning-bench-'));
  if (args.journal) kinds.push(['journal', () => new JournalFileStorage(path.join(tmp, `study-${Date.now()}.jsonl`), { logger: silentLogger })]);
  let worst: OverheadResult | undefined;
  try {
    for (const [kind, make] of kinds) {
      for (const n of sizes) {
        const storage = make();
        const r = await measureOverhead(n, args.trials, storage);
        storage.close();
        if (n === 1000 && kind === 'memory') worst = r;
        console.log(
          `${kind.padEnd(9)}  ${String(n).padStart(8)}  ${r.msPerTrial.toFixed(2).padStart(20)}  ${r.maxMs.toFixed(2).padStart(19)}  ${r.cpuMsPerTrial.toFixed(2).padStart(19)}`,
        );
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (worst !== undefined) {
    const verdict = (ms: number): string => (ms < 50 ? 'OK' : 'over budget');
    console.log(
      `At 1,000 finished trials: ${worst.msPerTrial.toFixed(2)} ms wall (${verdict(worst.msPerTrial)}), ${worst.cpuMsPerTrial.toFixed(2)} ms CPU (${verdict(worst.cpuMsPerTrial)}) per trial; budget 50 ms. Wall time includes waiting for the CPU on a busy machine.`,
    );
  }
}

if (require.main === module) runMain(main);
