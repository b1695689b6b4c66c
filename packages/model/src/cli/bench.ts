import { counted, listFlag, MAX_BATCH, parseArgs, positiveInt, runMain } from '@digitfuse/core';
import { BACKEND_CHOICES, nativeFmaPeak, selectBackend, type BackendChoice } from '../backend';
import { BENCH_CONFIGS, benchmarkConfig, type BenchResult } from '../bench/benchmark';

type BenchConfigName = keyof typeof BENCH_CONFIGS;

/** The `--json` line: `{"backend": "...", "native": {...}, "results": [{"config": "small", ...}, ...]}`. */
export interface BenchReport {
  /** `tensorflow`, `webgpu`, `wasm+native` (wasm with the native convolution kernels), `wasm` or `cpu`. */
  readonly backend: string;
  /**
   * The native kernels, when they run: instruction set (`avx512`, `avx2`, `portable`; DIGITFUSE_ISA
   * forces one), threads, and the machine's FMA peak for both, measured by the addon's probe.
   */
  readonly native?: { readonly isa: string; readonly threads: number; readonly fma_peak_gflop_per_s: number };
  readonly results: readonly ({ readonly config: BenchConfigName } & BenchResult & Achieved)[];
}

/** What a config's throughput means in arithmetic: GFLOP/s of its matrix-product layers, and their share of the FMA peak. */
export interface Achieved {
  readonly train_gflop_per_s: number;
  readonly predict_gflop_per_s: number;
  /** train_gflop_per_s / the FMA peak (native kernels only). */
  readonly train_peak_share?: number;
  readonly predict_peak_share?: number;
}

function achieved(r: BenchResult, peak: number | null): Achieved {
  const train = (r.train_samples_per_s * r.train_flop_per_sample) / 1e9;
  const predict = (r.predict_samples_per_s * r.predict_flop_per_sample) / 1e9;
  const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
  const out = { train_gflop_per_s: round(train, 1), predict_gflop_per_s: round(predict, 1) };
  return peak == null ? out : { ...out, train_peak_share: round(train / peak, 3), predict_peak_share: round(predict / peak, 3) };
}

const percent = (share: number | undefined) => (share == null ? '' : ` (${(share * 100).toFixed(0)}% of peak)`);

/** `digitfuse bench model [--json] [--backend B] [--configs small,paper] [--steps 60]` (`nx run model:bench`). */
export async function main(argv: readonly string[]): Promise<BenchReport> {
  const args = await parseArgs(
    argv,
    {
      name: 'digitfuse bench model',
      usage: `[--json] [--backend ${BACKEND_CHOICES.join('|')}]`,
      describe: 'Training (batch 64, forward+backward+Adam, after warm-up) and inference samples/s of the small and paper configs on synthetic inputs.',
    },
    (y) =>
      y
        .option('backend', { choices: BACKEND_CHOICES, default: 'auto' as BackendChoice, describe: 'compute backend' })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON line' })
        .option('configs', { type: 'string', default: 'small,paper', describe: 'comma-separated configs (small, paper)' })
        .option('steps', { type: 'number', default: 60, describe: 'timed training steps per config (a positive integer)' })
        .option('warmup', { type: 'number', default: 5, describe: 'untimed training steps first (0 or more)' })
        .option('batch-size', { type: 'number', default: 64, describe: 'training batch size (1 to 65536)' }),
  );
  const names = listFlag(args.configs, 'configs', Object.keys(BENCH_CONFIGS)) as BenchConfigName[];
  positiveInt(args.steps, 'steps');
  positiveInt(args.warmup, 'warmup', { allowZero: true });
  positiveInt(args.batchSize, 'batch-size', { max: MAX_BATCH });
  const info = await selectBackend(args.backend, (line) => process.stderr.write(`${line}\n`));
  const label = info.native != null ? `${info.name}+native` : info.name;
  // Probed before the configs, on the same threads and instruction set: the ceiling their GFLOP/s compare with.
  const peak = info.native != null ? nativeFmaPeak(0.5) : null;
  if (!args.json && info.native != null && peak != null) {
    console.log(`FMA peak ${peak.toFixed(0)} GFLOP/s (${info.native.isa}, ${counted(info.native.threads, 'thread')})`);
  }
  const results: BenchReport['results'][number][] = [];
  for (const config of names) {
    const r = await benchmarkConfig(BENCH_CONFIGS[config], { steps: args.steps, warmupSteps: args.warmup, batchSize: args.batchSize });
    const a = achieved(r, peak);
    results.push({ config, ...r, ...a });
    if (!args.json) {
      console.log(
        `${config.padEnd(6)} train ${r.train_samples_per_s.toFixed(1).padStart(8)} samples/s ${a.train_gflop_per_s.toFixed(1).padStart(6)} GFLOP/s${percent(a.train_peak_share)}   ` +
          `predict ${r.predict_samples_per_s.toFixed(1).padStart(9)} samples/s ${a.predict_gflop_per_s.toFixed(1).padStart(6)} GFLOP/s${percent(a.predict_peak_share)}   (${label})`,
      );
    }
  }
  const report: BenchReport =
    info.native != null && peak != null
      ? { backend: label, native: { ...info.native, fma_peak_gflop_per_s: Math.round(peak * 10) / 10 }, results }
      : { backend: label, results };
  if (args.json) console.log(JSON.stringify(report));
  return report;
}

if (require.main === module) runMain(main);
