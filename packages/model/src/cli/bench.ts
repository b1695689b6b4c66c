import { parseArgs, positiveInt, runMain, UsageError } from '@digitfuse/core';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '../backend';
import { BENCH_CONFIGS, benchmarkConfig, type BenchResult } from '../bench/benchmark';

type BenchConfigName = keyof typeof BENCH_CONFIGS;

/** The `--json` line: `{"backend": "...", "results": [{"config": "small", ...}, ...]}`. */
export interface BenchReport {
  /** `tensorflow`, `wasm+native` (wasm with the native convolution kernels), `wasm` or `cpu`. */
  readonly backend: string;
  /** The native kernels' instruction set and threads, when they run. */
  readonly native?: { readonly isa: string; readonly threads: number };
  readonly results: readonly ({ readonly config: BenchConfigName } & BenchResult)[];
}

/** `digitfuse bench model [--json] [--backend B] [--configs small,paper] [--steps 60]` (`nx run model:bench`). */
export async function main(argv: readonly string[]): Promise<BenchReport> {
  const args = await parseArgs(
    argv,
    {
      name: 'digitfuse bench model',
      usage: '[--json] [--backend auto|tensorflow|wasm|cpu]',
      describe: 'Training (batch 64, forward+backward+Adam, after warm-up) and inference samples/s of the small and paper configs on synthetic inputs.',
    },
    (y) =>
      y
        .option('backend', { choices: BACKEND_CHOICES, default: 'auto' as BackendChoice, describe: 'compute backend' })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON line' })
        .option('configs', { type: 'string', default: 'small,paper', describe: 'comma-separated configs (small, paper)' })
        .option('steps', { type: 'number', default: 60, describe: 'timed training steps per config' })
        .option('warmup', { type: 'number', default: 5, describe: 'untimed training steps first' })
        .option('batch-size', { type: 'number', default: 64, describe: 'training batch size' }),
  );
  const names = args.configs.split(',').map((s) => s.trim()) as BenchConfigName[];
  for (const n of names) {
    if (!(n in BENCH_CONFIGS)) throw new UsageError(`Unknown --configs entry '${n}': expected small or paper`);
  }
  positiveInt(args.steps, 'steps');
  positiveInt(args.batchSize, 'batch-size');
  const info = await selectBackend(args.backend, (line) => process.stderr.write(`${line}\n`));
  const label = info.native != null ? `${info.name}+native` : info.name;
  const results: BenchReport['results'][number][] = [];
  for (const config of names) {
    const r = await benchmarkConfig(BENCH_CONFIGS[config], { steps: args.steps, warmupSteps: args.warmup, batchSize: args.batchSize });
    results.push({ config, ...r });
    if (!args.json) {
      console.log(`${config.padEnd(6)} train ${r.train_samples_per_s.toFixed(1).padStart(8)} samples/s   predict ${r.predict_samples_per_s.toFixed(1).padStart(9)} samples/s   (${label})`);
    }
  }
  const report: BenchReport = info.native != null ? { backend: label, native: info.native, results } : { backend: label, results };
  if (args.json) console.log(JSON.stringify(report));
  return report;
}

if (require.main === module) runMain(main);
