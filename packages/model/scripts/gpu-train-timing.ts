/**
 * A full-size training timing: the paper config trained by the project's one training recipe
 * (`fitModel`: batches uploaded from host arrays, Adam, validation after each epoch) on synthetic
 * learnable rows of the competition's size (48,000 training rows and 12,000 validation rows: 60,000
 * split 80/20), once per batch size after an untimed warm-up. No dataset is needed, so it runs on a machine that cannot reach
 * the data. Prints one line per run and one JSON line on stdout. Part of `gpu-check.sh`.
 *
 *   tsx packages/model/scripts/gpu-train-timing.ts [--backend webgpu] [--batch-sizes 256,64] [--rows auto] [--epochs 1]
 *
 * `--rows device,host` times each batch size twice: the training rows kept on the backend's device
 * (each batch gathered there) and each batch copied from the host arrays.
 */
import { parseArgs, positiveInt, runMain, UsageError } from '@digitfuse/core';
import { BACKEND_CHOICES, releaseBackend, selectBackend, type BackendChoice } from '../src/backend';
import { validateConfig } from '../src/network/config';
import { randomInputs } from '../src/testing';
import type { EpochLogs } from '../src/training/callbacks';
import type { DataOnDevice } from '../src/training/device-rows';
import { fitModel } from '../src/training/fit-model';

/** One training run, as printed in the JSON line. */
export interface TimingRun {
  readonly batchSize: number;
  /** Whether the training rows stayed on the device (`TrainOptions.dataOnDevice`). */
  readonly dataOnDevice: boolean;
  readonly seconds: number;
  /** Training samples/s of the last epoch (training steps only). */
  readonly samplesPerS: number;
  readonly history: readonly EpochLogs[];
}

export async function main(argv: readonly string[]): Promise<TimingRun[]> {
  const args = await parseArgs(
    argv,
    { name: 'gpu-train-timing', usage: '[--backend webgpu] [--batch-sizes 256,64] [--rows auto] [--epochs 1]', describe: 'Full-size training epochs of the paper config on synthetic rows.' },
    (y) =>
      y
        .option('backend', { choices: BACKEND_CHOICES, default: 'webgpu' as BackendChoice })
        .option('batch-sizes', { type: 'string', default: '256,64', describe: 'comma-separated; one run each, in this order' })
        .option('rows', { type: 'string', default: 'auto', describe: "where the training rows are kept, comma-separated (auto, device, host); one run each" })
        .option('epochs', { type: 'number', default: 1 })
        .option('train-rows', { type: 'number', default: 48_000 })
        .option('val-rows', { type: 'number', default: 12_000 }),
  );
  const batchSizes = args.batchSizes.split(',').map((s) => Number(s.trim()));
  if (batchSizes.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`Expected --batch-sizes to be positive integers, found '${args.batchSizes}'`);
  const rowModes = args.rows.split(',').map((s) => s.trim());
  const ROWS: Record<string, DataOnDevice> = { auto: 'auto', device: true, host: false };
  if (rowModes.some((m) => !(m in ROWS))) throw new UsageError(`Expected --rows to be auto, device or host (comma-separated), found '${args.rows}'`);
  for (const [flag, v] of [['epochs', args.epochs], ['train-rows', args.trainRows], ['val-rows', args.valRows]] as const) positiveInt(v, flag);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const info = await selectBackend(args.backend, log);
  const train = randomInputs(args.trainRows, 1, { learnable: true });
  const val = randomInputs(args.valRows, 2, { learnable: true });
  const runs: TimingRun[] = [];
  const config = validateConfig({ seed: 42 });
  for (const batchSize of batchSizes) {
    // Untimed: two steps and a validation pass of this batch size, so that the timed run does not
    // include compiling the backend's shaders for these shapes.
    const warm = randomInputs(2 * batchSize, 3, { learnable: true });
    await fitModel(config, { train: warm, val: warm }, { epochs: 1, batchSize, seed: 42, earlyStopping: false, progress: 'silent' });
    for (const mode of rowModes) {
      const result = await fitModel(config, { train, val }, { epochs: args.epochs, batchSize, seed: 42, earlyStopping: false, progress: 'silent', dataOnDevice: ROWS[mode] });
      const last = result.history[result.history.length - 1];
      runs.push({ batchSize, dataOnDevice: result.dataOnDevice, seconds: result.seconds, samplesPerS: last.samples_per_s, history: result.history });
      log(
        `batch ${String(batchSize).padStart(4)} (rows on the ${result.dataOnDevice ? 'device' : 'host'}): ${args.epochs} epoch(s) of ${train.n} rows in ${result.seconds.toFixed(1)} s ` +
          `(${last.samples_per_s.toFixed(0)} samples/s), val_acc ${(last.val_acc ?? NaN).toFixed(4)}, loss ${last.loss.toFixed(4)}`,
      );
    }
  }
  console.log(JSON.stringify({ backend: info.name, adapter: info.adapter ?? null, trainRows: train.n, valRows: val.n, epochs: args.epochs, runs }));
  return runs;
}

// releaseBackend: the WebGPU device is destroyed before the process exits.
if (require.main === module) runMain((argv) => main(argv).finally(releaseBackend));
