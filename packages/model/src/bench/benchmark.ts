import * as tf from '@tensorflow/tfjs';
import { AUDIO_COEFFS, AUDIO_FRAMES, IMAGE_SIDE, NUM_CLASSES } from '@digitfuse/data';
import { buildModel, disposeModel } from '../network/build-model';
import type { ModelConfig } from '../network/config';
import { LAYER_NAMES } from '../network/layer-names';
import { createTrainStep } from '../training/train-step';

/** The configs `model:bench` measures (the same as `shared/tools/torch_bench.py`). */
export const BENCH_CONFIGS: Readonly<Record<'small' | 'paper', Partial<ModelConfig>>> = Object.freeze({
  small: { imageFilters: [16, 32, 64], audioFilters: [16, 32, 64], units: 128, dropout: 0.4 },
  paper: { imageFilters: [48, 128, 64], audioFilters: [64, 64, 128], units: 128, dropout: 0.42 },
});

/** Options of `benchmarkConfig()`; defaults follow torch_bench.py. */
export interface BenchOptions {
  /** Training batch size. Default 64. */
  readonly batchSize?: number;
  /** Untimed training steps first. Default 5. */
  readonly warmupSteps?: number;
  /** Timed training steps. Default 60. */
  readonly steps?: number;
  /** Inference batch size. Default 512. */
  readonly predictBatch?: number;
  /** Timed inference batches (after one untimed). Default 5. */
  readonly predictReps?: number;
  /** Seed of the synthetic inputs and weights. Default 0. */
  readonly seed?: number;
}

/** Throughput of one config. */
export interface BenchResult {
  /** Training samples/s: forward + backward + Adam update. */
  readonly train_samples_per_s: number;
  /** Inference samples/s (forward only, no dropout). */
  readonly predict_samples_per_s: number;
  /**
   * The same per second of this process's CPU time (all its threads): steadier than wall time on a
   * shared machine, and with one kernel thread the work per sample whatever the neighbours do.
   */
  readonly train_samples_per_cpu_s: number;
  readonly predict_samples_per_cpu_s: number;
  /** Floating-point operations per sample (one multiply-add = 2) of the convolution and dense layers: see `modelFlops()`. */
  readonly train_flop_per_sample: number;
  readonly predict_flop_per_sample: number;
}

/** Multiply-adds of the layers that do matrix products, x2, per sample. */
export interface ModelFlops {
  /** Forward pass. */
  readonly predict: number;
  /** Forward pass, filter gradients, and input gradients of every such layer that is not fed by a model input. */
  readonly train: number;
}

/**
 * The FLOPs (2 per multiply-add) of a model's convolution and dense layers per sample: output positions
 * x kernel size (KH x KW x Ci x Co, or in x out). Element-wise work (bias, ReLU, pooling, Adam) is left
 * out: it is a few percent of a step and not FMA work, so GFLOP/s from these counts compare with an
 * FMA peak.
 */
export function modelFlops(model: tf.LayersModel): ModelFlops {
  let predict = 0;
  let train = 0;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind !== 'Conv1D' && kind !== 'Conv2D' && kind !== 'Dense') continue;
    const kernel = layer.getWeights()[0].shape;
    const out = layer.outputShape as (number | null)[];
    const positions = out.slice(1, -1).reduce<number>((p, d) => p * (d ?? 1), 1);
    const flops = 2 * positions * kernel.reduce((p, d) => p * d, 1);
    const fedByInput = layer.inboundNodes.every((node) => node.inboundLayers.every((l) => l.getClassName() === 'InputLayer'));
    predict += flops;
    train += fedByInput ? 2 * flops : 3 * flops;
  }
  return { predict, train };
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return Math.max(1e-6, (usage.user + usage.system) / 1e6);
}

function syntheticInputs(model: tf.LayersModel, batch: number, seed: number): tf.Tensor[] {
  return model.inputNames.map((name) =>
    name === LAYER_NAMES.imageInput
      ? tf.randomUniform([batch, IMAGE_SIDE, IMAGE_SIDE, 1], 0, 1, 'float32', seed)
      : tf.randomNormal([batch, AUDIO_FRAMES, AUDIO_COEFFS], 0, 1, 'float32', seed + 1),
  );
}

/** Measures training and inference throughput of a config on the current backend with synthetic random inputs. */
export async function benchmarkConfig(config: Partial<ModelConfig>, options: BenchOptions = {}): Promise<BenchResult> {
  const batch = options.batchSize ?? 64;
  const warmup = options.warmupSteps ?? 5;
  const steps = options.steps ?? 60;
  const predictBatch = options.predictBatch ?? 512;
  const reps = options.predictReps ?? 5;
  const seed = options.seed ?? 0;
  const model = buildModel({ ...config, learningRate: 1e-3, seed });
  const flops = modelFlops(model);
  const step = createTrainStep(model);
  const xs = syntheticInputs(model, batch, seed);
  const labels = tf.randomUniform([batch], 0, NUM_CLASSES, 'int32', seed + 2);
  const y = tf.tidy(() => tf.oneHot(labels as tf.Tensor1D, NUM_CLASSES).toFloat());
  const pxs = syntheticInputs(model, predictBatch, seed + 3);
  try {
    let t0 = 0;
    let c0 = process.cpuUsage();
    for (let i = 0; i < warmup + steps; i++) {
      if (i === warmup) {
        t0 = performance.now();
        c0 = process.cpuUsage();
      }
      const { loss, correct } = step(xs, y, i);
      if (i === warmup + steps - 1) await loss.data();
      tf.dispose([loss, correct]);
    }
    const train = (steps * batch) / ((performance.now() - t0) / 1000);
    const trainCpu = (steps * batch) / cpuSeconds(process.cpuUsage(c0));

    const once = async (): Promise<void> => {
      // The whole batch in one call, as `predictOutputs` does (tfjs's default would split it into 32s).
      const out = model.predict(pxs, { batchSize: predictBatch }) as tf.Tensor;
      await out.data();
      out.dispose();
    };
    await once();
    t0 = performance.now();
    c0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) await once();
    const predict = (reps * predictBatch) / ((performance.now() - t0) / 1000);
    const predictCpu = (reps * predictBatch) / cpuSeconds(process.cpuUsage(c0));
    return {
      train_samples_per_s: Math.round(train * 10) / 10,
      predict_samples_per_s: Math.round(predict * 10) / 10,
      train_samples_per_cpu_s: Math.round(trainCpu * 10) / 10,
      predict_samples_per_cpu_s: Math.round(predictCpu * 10) / 10,
      train_flop_per_sample: flops.train,
      predict_flop_per_sample: flops.predict,
    };
  } finally {
    tf.dispose([...xs, labels, y, ...pxs]);
    disposeModel(model);
  }
}
