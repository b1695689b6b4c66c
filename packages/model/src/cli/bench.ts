import yargs from 'yargs';
import { BACKEND_CHOICES, releaseBackend, selectBackend, type BackendChoice } from '../backend';
import { BENCH_CONFIGS, benchmarkConfig, type BenchResult } from '../bench/benchmark';
import { runCli } from './run-cli';

type BenchConfigName = keyof typeof BENCH_CONFIGS;

/** The `--json` line: `{"backend": "...", "results": [{"config": "small", ...}, ...]}`. */
export interface BenchReport {
  /** `tensorflow`, `webgpu`, `wasm+native` (wasm with the native convolution kernels), `wasm` or `cpu`. */
  readonly backend: string;
  /** The native kernels' instruction set and threads, when they run. */
  readonly native?: { readonly isa: string; readonly threads: number };
  readonly results: readonly ({ readonly config: BenchConfigName } & BenchResult)[];
}

/** `nx run model:bench [--json] [--backend B] [--configs small,paper] [--steps 60]`. */
export async function main(argv: string[]): Promise<BenchReport> {
  const args = await yargs(argv)
    .scriptName('model:bench')
    .usage(`$0 [--json] [--backend ${BACKEND_CHOICES.join('|')}]\n\nTraining (batch 64, forward+backward+Adam, after warm-up) and inference samples/s of the small and paper configs on synthetic inputs.`)
    .option('backend', { choices: BACKEND_CHOICES, default: 'auto' as BackendChoice, describe: 'compute backend' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON line' })
    .option('configs', { type: 'string', default: 'small,paper', describe: 'comma-separated configs (small, paper)' })
    .option('steps', { type: 'number', default: 60, describe: 'timed training steps per config' })
    .option('warmup', { type: 'number', default: 5, describe: 'untimed training steps first' })
    .option('batch-size', { type: 'number', default: 64, describe: 'training batch size' })
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(`${msg} (see --help)`);
    })
    .help()
    .parseAsync();
  const names = args.configs.split(',').map((s) => s.trim()) as BenchConfigName[];
  for (const n of names) {
    if (!(n in BENCH_CONFIGS)) throw new Error(`Unknown --configs entry '${n}': expected small or paper`);
  }
  for (const [flag, v] of [['steps', args.steps], ['batch-size', args.batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`Expected --${flag} to be a positive integer, got ${v}`);
  }
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

// releaseBackend: a WebGPU device keeps Node from exiting until it is released.
if (require.main === module) runCli(async () => void (await main(process.argv.slice(2)).finally(releaseBackend)));
