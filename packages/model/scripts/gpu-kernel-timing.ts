/**
 * The convolution filter gradient (`Conv2DBackpropFilter`) of every convolution of the paper config,
 * timed on a backend with its stock kernel and with the project's GPU kernel layer (a batched matrix
 * product, `src/backend/gpu-kernels/`) at several chunk sizes; then whole training steps (forward,
 * backward, Adam) of the paper config with the stock kernel (before) and the layer's
 * (`STEP_VARIANTS`), 10 steps with one read at the end as in training. Prints one line per
 * measurement and one JSON line on stdout. Part of `gpu-check.sh` (run on a machine with a GPU).
 *
 *   tsx packages/model/scripts/gpu-kernel-timing.ts [--backend webgpu] [--batch-sizes 256,1024] [--repeats 10]
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs, positiveInt, runMain, UsageError } from '@digitfuse/core';
import { BACKEND_CHOICES, releaseBackend, selectBackend, type BackendChoice } from '../src/backend';
import { conv2dBackpropFilterMatMul, CHUNK_ROWS } from '../src/backend/gpu-kernels/conv2d-backprop-filter-matmul';
import { installGpuKernels } from '../src/backend/gpu-kernels/gpu-kernel-layer';
import { installLayers } from '../src/backend/kernel-layers';
import { buildModel, disposeModel } from '../src/network/build-model';
import { DEFAULT_MODEL_CONFIG, validateConfig, type Fusion } from '../src/network/config';
import { inputTensors, oneHot, rowRange } from '../src/network/feed';
import { randomInputs } from '../src/testing';
import { createTrainStep } from '../src/training/train-step';

/** The paper config's convolutions at batch 1: input [H, W, Ci] and filter [KH, KW, Ci, Co]. */
function paperConvolutions(): { name: string; x: [number, number, number]; filter: [number, number, number, number] }[] {
  const k = DEFAULT_MODEL_CONFIG.kernelSize;
  const out: { name: string; x: [number, number, number]; filter: [number, number, number, number] }[] = [];
  let [h, ci] = [28, 1];
  DEFAULT_MODEL_CONFIG.imageFilters.forEach((co, i) => {
    out.push({ name: `image conv ${i + 1}`, x: [h, h, ci], filter: [k, k, ci, co] });
    [h, ci] = [Math.floor(h / 2), co];
  });
  let [w, c] = [39, 13];
  DEFAULT_MODEL_CONFIG.audioFilters.forEach((co, i) => {
    out.push({ name: `audio conv ${i + 1}`, x: [1, w, c], filter: [1, k, c, co] });
    [w, c] = [Math.floor(w / 2), co];
  });
  return out;
}

/** Median milliseconds of `run` (the GPU queue drained by reading the result), after two untimed runs. */
async function timeIt(repeats: number, run: () => tf.Tensor): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats + 2; i++) {
    const t0 = performance.now();
    const out = run();
    await out.data();
    out.dispose();
    if (i >= 2) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** The training-step variants timed: tfjs's filter gradient and Adam (before), then the GPU kernel layer's. */
interface StepVariant {
  readonly label: string;
  readonly fusion: Fusion;
  readonly filter: 'stock' | 'gpu';
  /** tfjs's AdamOptimizer (13 kernels a weight), or the project's (`ADAM_DEVICE_KERNEL` on webgpu). */
  readonly adam: 'tfjs' | 'project';
}
const STEP_VARIANTS: readonly StepVariant[] = [
  { label: 'concat, stock filter gradient, tfjs Adam (before)', fusion: 'concat', filter: 'stock', adam: 'tfjs' },
  { label: 'concat, GPU filter gradient, tfjs Adam', fusion: 'concat', filter: 'gpu', adam: 'tfjs' },
  { label: 'concat, GPU filter gradient, project Adam (now)', fusion: 'concat', filter: 'gpu', adam: 'project' },
  { label: 'robust, stock filter gradient, tfjs Adam (before)', fusion: 'robust', filter: 'stock', adam: 'tfjs' },
  { label: 'robust, GPU filter gradient, project Adam (now)', fusion: 'robust', filter: 'gpu', adam: 'project' },
];

/** Milliseconds per call of `run` over `n` calls with one read at the end, after two untimed calls. */
async function timeSteps(n: number, run: () => tf.Tensor): Promise<number> {
  for (let i = 0; i < 2; i++) {
    const out = run();
    await out.data();
    out.dispose();
  }
  const t0 = performance.now();
  let last: tf.Tensor | null = null;
  for (let i = 0; i < n; i++) {
    last?.dispose();
    last = run();
  }
  await last!.data();
  last!.dispose();
  return (performance.now() - t0) / n;
}

export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(
    argv,
    { name: 'gpu-kernel-timing', usage: '[--backend webgpu] [--batch-sizes 256,1024] [--repeats 10]', describe: 'The filter gradient and a training step with the stock kernel and the GPU kernel layer.' },
    (y) =>
      y
        .option('backend', { choices: BACKEND_CHOICES, default: 'webgpu' as BackendChoice })
        .option('batch-sizes', { type: 'string', default: '256,1024' })
        .option('repeats', { type: 'number', default: 10 })
        .option('chunks', { type: 'string', default: `512,${CHUNK_ROWS},8192,0`, describe: 'im2col rows per chunk to time (0: the whole batch in one product)' }),
  );
  positiveInt(args.repeats, 'repeats');
  const batchSizes = args.batchSizes.split(',').map(Number);
  const targets = args.chunks.split(',').map(Number);
  if (batchSizes.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`Expected --batch-sizes to be positive integers, found '${args.batchSizes}'`);
  if (targets.some((t) => !Number.isInteger(t) || t < 0)) throw new UsageError(`Expected --chunks to be integers >= 0, found '${args.chunks}'`);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const info = await selectBackend(args.backend, log);
  const backendName = tf.getBackend();
  const kernels: object[] = [];
  const steps: object[] = [];
  try {
    for (const batch of batchSizes) {
      for (const conv of paperConvolutions()) {
        const [h, w, ci] = conv.x;
        const x = tf.randomUniform([batch, h, w, ci], -1, 1, 'float32', 1);
        const dy = tf.randomUniform([batch, h, w, conv.filter[3]], -1, 1, 'float32', 2);
        const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined as unknown as string, filterShape: conv.filter };
        installLayers(backendName, []);
        const stockMs = await timeIt(args.repeats, () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor);
        const byChunk: Record<string, number> = {};
        for (const target of targets) {
          const rows = target === 0 ? batch * h * w : target;
          byChunk[String(target)] = await timeIt(args.repeats, () => {
            const out = conv2dBackpropFilterMatMul(backendName, { inputs: { x, dy }, backend: tf.backend(), attrs }, rows);
            if (out == null) throw new Error(`${conv.name}: not covered by the GPU kernel`);
            return tf.engine().makeTensorFromTensorInfo(out);
          });
        }
        tf.dispose([x, dy]);
        installGpuKernels(backendName);
        const best = Math.min(...Object.values(byChunk));
        kernels.push({ batch, conv: conv.name, x: [batch, ...conv.x], filter: conv.filter, stockMs, matmulMs: byChunk });
        log(
          `batch ${String(batch).padStart(4)} ${conv.name.padEnd(12)} stock ${stockMs.toFixed(2)} ms, matmul ` +
            Object.entries(byChunk).map(([t, ms]) => `${t === '0' ? 'whole' : t}: ${ms.toFixed(2)}`).join(', ') +
            ` ms (x${(stockMs / best).toFixed(1)})`,
        );
      }
      // Training steps of the paper config, the queue drained once after 10 steps (as in training,
      // where nothing is read back between steps): the kernels as they were, then with each change.
      for (const variant of STEP_VARIANTS) {
        if (variant.filter === 'stock') installLayers(backendName, []);
        else installGpuKernels(backendName);
        const model = buildModel(validateConfig({ seed: 42, fusion: variant.fusion }));
        if (variant.adam === 'tfjs') model.optimizer = tf.train.adam(DEFAULT_MODEL_CONFIG.learningRate);
        const data = randomInputs(batch, 5, { learnable: true });
        const xs = inputTensors(model, data, rowRange(0, batch));
        const y = tf.tensor2d(oneHot(data.labels as Int32Array, rowRange(0, batch)), [batch, 10]);
        const step = createTrainStep(model);
        let seed = 0;
        const ms = await timeSteps(10, () => {
          const r = step(xs, y, seed++);
          r.correct.dispose();
          return r.loss;
        });
        tf.dispose([...xs, y]);
        disposeModel(model);
        const epochS = (ms * Math.ceil(48_000 / batch)) / 1000;
        steps.push({ batch, ...variant, stepMs: ms, epochS });
        log(`batch ${String(batch).padStart(4)} training step, ${variant.label}: ${ms.toFixed(1)} ms (${epochS.toFixed(1)} s for 48,000 rows)`);
      }
    }
  } finally {
    installGpuKernels(backendName);
  }
  console.log(JSON.stringify({ backend: info.name, adapter: info.adapter ?? null, kernels, steps }));
}

// releaseBackend: the WebGPU device is destroyed before the process exits.
if (require.main === module) runMain((argv) => main(argv).finally(releaseBackend));
