/**
 * Kernel micro-benchmark: one training step (forward + backward + Adam) of the paper's two-branch
 * network on the wasm backend, with the stock kernels (plus a naive filter gradient, which the stock
 * backend lacks), with the project wasm kernels, and with the native kernels on top; prints samples/s
 * and per-kernel time (process CPU time, or tf.profile wall time: use `--profiler tf` for the native
 * kernels, whose CPU time adds up all their threads).
 *
 *   npx digitfuse bench kernels [--batch 64] [--steps 20] [--mode both|all|project|stock|native] [--config paper|small] [--adam fused|tfjs]
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { MAX_BATCH, parseArgs, positiveInt, runMain } from '@digitfuse/core';
import { defineKernelLayer, installedLayers, installLayers, type Kernel, type KernelLayer } from '../backend/kernel-layers';
import { conv2dInfo, heapF32, input, type WasmKernelArgs } from '../backend/kernel-support';
import { loadNativeAddon, type NativeAddon } from '../backend/native-kernels/native-addon';
import { nativeKernelLayer } from '../backend/native-kernels/native-kernel-layer';
import { BackendError, selectBackend } from '../backend';
import { wasmKernelLayer } from '../backend/wasm-kernels/wasm-kernel-layer';
import { conv1d, conv2d } from '../network/conv-layers';
import { FusedAdamOptimizer } from '../training/fused-adam';

/** Filters per conv layer of each branch and dense units. */
interface NetConfig {
  readonly image: readonly number[];
  readonly audio: readonly number[];
  readonly units: number;
}

const CONFIGS: Record<string, NetConfig> = {
  paper: { image: [48, 128, 64], audio: [64, 64, 128], units: 128 },
  small: { image: [16, 32, 64], audio: [16, 32, 64], units: 128 },
};

/**
 * The seed paper's network, inline (the model package's builder is not a dependency of this file), with
 * the model's convolution layers (relu(conv + bias) as one op where the native kernels run it).
 */
function buildNet(config: NetConfig, adam: 'fused' | 'tfjs'): tf.LayersModel {
  const image = tf.input({ shape: [28, 28, 1] });
  let x = image;
  for (const filters of config.image) {
    x = conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  }
  const audio = tf.input({ shape: [39, 13] });
  let a = audio;
  for (const filters of config.audio) {
    a = conv1d({ filters, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(a) as tf.SymbolicTensor;
    a = tf.layers.maxPooling1d({ poolSize: 2 }).apply(a) as tf.SymbolicTensor;
  }
  const flat = [tf.layers.flatten().apply(x), tf.layers.flatten().apply(a)] as tf.SymbolicTensor[];
  let h = tf.layers.concatenate().apply(flat) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: config.units, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: 0.42 }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [image, audio], outputs: out });
  // Fused: the training recipe's optimizer (one kernel per variable where the layers have it; stock kernels run tfjs's update).
  model.compile({ optimizer: adam === 'fused' ? new FusedAdamOptimizer(1e-3, 0.9, 0.999) : tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

/** A deliberately plain filter gradient: what "before" means, since stock wasm has none. */
function naiveConv2dBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const x = input(inputs, 'x');
  const dy = input(inputs, 'dy');
  const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = conv2dInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
  const [b, h, w, ci] = x.shape;
  const co = filterShape[3];
  const out = backend.makeOutput(filterShape, 'float32');
  const xv = heapF32(backend, x);
  const dyv = heapF32(backend, dy);
  const dw = heapF32(backend, out);
  dw.fill(0);
  for (let n = 0; n < b; n++) {
    for (let r = 0; r < info.outHeight; r++) {
      for (let q = 0; q < info.outWidth; q++) {
        const dyBase = ((n * info.outHeight + r) * info.outWidth + q) * co;
        for (let i = 0; i < info.filterHeight; i++) {
          const xr = r * info.strideHeight + i - info.padInfo.top;
          if (xr < 0 || xr >= h) continue;
          for (let j = 0; j < info.filterWidth; j++) {
            const xc = q * info.strideWidth + j - info.padInfo.left;
            if (xc < 0 || xc >= w) continue;
            const xBase = ((n * h + xr) * w + xc) * ci;
            const wBase = (i * info.filterWidth + j) * ci * co;
            for (let c = 0; c < ci; c++) {
              const xval = xv[xBase + c];
              const row = wBase + c * co;
              for (let o = 0; o < co; o++) dw[row + o] += xval * dyv[dyBase + o];
            }
          }
        }
      }
    }
  }
  return out;
}

/** The stock wasm kernels plus the naive filter gradient. */
const naiveLayer = defineKernelLayer<BackendWasm>({
  name: 'naive filter gradient',
  kernels: { Conv2DBackpropFilter: () => naiveConv2dBackpropFilter },
});

type Mode = 'stock' | 'project' | 'native';

/** The wasm backend's kernel layers for a mode. */
function layersFor(mode: Mode): KernelLayer<BackendWasm>[] {
  if (mode === 'stock') return [naiveLayer];
  if (mode === 'project') return [wasmKernelLayer];
  return [wasmKernelLayer, nativeKernelLayer(nativeAddon(mode))];
}

/** The native addon, or a {@link BackendError} naming `--mode` when it cannot load. */
function nativeAddon(mode: string): NativeAddon {
  const loaded = loadNativeAddon();
  if (!loaded.ok) throw new BackendError(`--mode ${mode} needs the native kernels, which cannot load: ${loaded.why}`, mode);
  return loaded.addon;
}

interface Batch {
  readonly xs: tf.Tensor[];
  readonly y: tf.Tensor;
}

function makeBatch(size: number): Batch {
  return tf.tidy(() => ({
    xs: [tf.randomUniform([size, 28, 28, 1], 0, 1, 'float32', 1), tf.randomUniform([size, 39, 13], 0, 1, 'float32', 2)],
    y: tf.oneHot(tf.randomUniform([size], 0, 10, 'int32', 3), 10),
  }));
}

/** Wall-clock and process CPU milliseconds per step (CPU time is less disturbed by other processes). */
interface StepTime {
  readonly wallMs: number;
  readonly cpuMs: number;
}

async function timeSteps(model: tf.LayersModel, batch: Batch, steps: number): Promise<StepTime> {
  await model.trainOnBatch(batch.xs, batch.y); // warm-up (operator creation, weight packing, JIT)
  await model.trainOnBatch(batch.xs, batch.y);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(batch.xs, batch.y);
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: (performance.now() - start) / steps, cpuMs: (cpu.user + cpu.system) / 1000 / steps };
}

/**
 * Per-kernel time of a training step from tf.profile: each kernel call's minimum over `rounds`
 * profiled steps (the machine is shared; the minimum is the least disturbed), summed per kernel name.
 */
async function profileStep(model: tf.LayersModel, batch: Batch, rounds: number): Promise<Map<string, { ms: number; calls: number }>> {
  let best: Array<{ name: string; ms: number }> = [];
  for (let r = 0; r < rounds; r++) {
    const profile = await tf.profile(async () => {
      await model.trainOnBatch(batch.xs, batch.y);
    });
    const calls = profile.kernels.map((k) => ({ name: k.name, ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0 }));
    best = r === 0 ? calls : best.map((b, i) => (calls[i]?.name === b.name ? { name: b.name, ms: Math.min(b.ms, calls[i].ms) } : b));
  }
  const perKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of best) {
    const entry = perKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += k.ms;
    entry.calls += 1;
    perKernel.set(k.name, entry);
  }
  return perKernel;
}

/**
 * Per-kernel process CPU time of one training step: a kernel layer (installed for the profiled steps
 * only) wraps every wasm kernel with `process.cpuUsage()` around its call. Unlike tf.profile's
 * wall-clock times this is hardly disturbed by other processes on the machine. Kernels calling
 * other kernels directly (not through the registry) count inside their caller.
 */
async function cpuProfileStep(
  model: tf.LayersModel,
  batch: Batch,
  rounds: number,
  byShape: boolean,
): Promise<Map<string, { ms: number; calls: number }>> {
  const perKernel = new Map<string, { ms: number; calls: number }>();
  const timed = (kernelName: string) => (below: Kernel<BackendWasm>): Kernel<BackendWasm> => (args) => {
    const start = process.cpuUsage();
    const out = below(args);
    const used = process.cpuUsage(start);
    const shapes = Object.values(args.inputs).map((t) => t?.shape.join('x'));
    const key = byShape ? `${kernelName} ${shapes.join(',')}` : kernelName;
    const entry = perKernel.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += (used.user + used.system) / 1000 / rounds;
    entry.calls += 1 / rounds;
    perKernel.set(key, entry);
    return out;
  };
  const names = tf.getKernelsForBackend('wasm').map((config) => config.kernelName);
  const profiler = defineKernelLayer<BackendWasm>({ name: 'cpu profiler', kernels: Object.fromEntries(names.map((name) => [name, timed(name)])) });
  const layers = installedLayers<BackendWasm>('wasm');
  installLayers('wasm', [...layers, profiler]);
  try {
    for (let r = 0; r < rounds; r++) await model.trainOnBatch(batch.xs, batch.y);
  } finally {
    installLayers('wasm', layers);
  }
  return perKernel;
}

function printProfile(label: string, perKernel: Map<string, { ms: number; calls: number }>): void {
  const rows = [...perKernel.entries()].sort((p, q) => q[1].ms - p[1].ms);
  const total = rows.reduce((p, [, v]) => p + v.ms, 0);
  console.log(`  per-kernel time of one step (${label}), total ${total.toFixed(1)} ms:`);
  for (const [name, v] of rows.slice(0, 24)) {
    const calls = Math.round(v.calls);
    console.log(
      `    ${name.padEnd(name.length > 24 ? 64 : 24)} ${v.ms.toFixed(2).padStart(8)} ms  ${String(calls).padStart(4)} ${calls === 1 ? 'call ' : 'calls'}  ${((100 * v.ms) / total).toFixed(1).padStart(5)}%`,
    );
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(argv, { name: 'digitfuse bench kernels', describe: 'Per-kernel profile of one training step of the paper network on the wasm backend.' }, (y) => y
    // `--batch-size` too, as every other command spells it (it was refused as an unknown argument).
    .option('batch', { alias: 'batch-size', type: 'number', default: 64, describe: 'batch size (1 to 65536)' })
    .option('steps', { type: 'number', default: 20, describe: 'timed steps (project and native kernels; a positive integer)' })
    .option('stock-steps', { type: 'number', default: 2, describe: 'timed steps (stock kernels; slow; a positive integer)' })
    .option('mode', {
      choices: ['both', 'all', 'project', 'stock', 'native'] as const,
      default: 'both' as const,
      describe: 'stock wasm kernels, project wasm kernels, native kernels on top (both = stock + project, all = the three)',
    })
    .option('config', { choices: Object.keys(CONFIGS), default: 'paper' })
    .option('adam', { choices: ['fused', 'tfjs'] as const, default: 'fused' as const, describe: "Adam's update: one kernel per variable (training's), or tfjs's 13 element-wise kernels" })
    .option('profile', { type: 'boolean', default: true, describe: 'print per-kernel times' })
    .option('by-shape', { type: 'boolean', default: false, describe: 'cpu profiler: one line per kernel and input shapes' })
    .option('profile-rounds', { type: 'number', default: 3, describe: 'profiled steps (project and native kernels; a positive integer)' })
    .option('profiler', { choices: ['cpu', 'tf'] as const, default: 'cpu' as const, describe: 'per-kernel CPU time (wrapped kernels) or tf.profile wall time (per-call minimum)' }));
  // Every count up front, before the slow stock steps: 0 steps would print Infinity ms/step, 0 rounds an empty profile.
  positiveInt(args.batch, 'batch', { max: MAX_BATCH });
  positiveInt(args.steps, 'steps');
  positiveInt(args['stock-steps'], 'stock-steps');
  positiveInt(args['profile-rounds'], 'profile-rounds');
  if (args.mode === 'native' || args.mode === 'all') nativeAddon(args.mode);
  await selectBackend('wasm');
  const config = CONFIGS[args.config];
  const batch = makeBatch(args.batch);
  const modes = args.mode === 'both' ? (['stock', 'project'] as const) : args.mode === 'all' ? (['stock', 'project', 'native'] as const) : ([args.mode] as const);
  for (const mode of modes) {
    installLayers('wasm', layersFor(mode));
    const model = buildNet(config, args.adam);
    const t = await timeSteps(model, batch, mode === 'stock' ? args['stock-steps'] : args.steps);
    const rate = (ms: number) => ((1000 * args.batch) / ms).toFixed(1);
    console.log(
      `${args.config} config, batch ${args.batch}, ${mode} kernels: ${t.wallMs.toFixed(1)} ms/step = ${rate(t.wallMs)} samples/s ` +
        `(CPU time ${t.cpuMs.toFixed(1)} ms/step = ${rate(t.cpuMs)} samples per CPU-second)`,
    );
    if (args.profile) {
      const rounds = mode === 'stock' ? 1 : args['profile-rounds'];
      const perKernel =
        args.profiler === 'cpu' ? await cpuProfileStep(model, batch, rounds, args['by-shape']) : await profileStep(model, batch, rounds);
      printProfile(`${mode}, ${args.profiler === 'cpu' ? 'process CPU time' : 'tf.profile wall time'}`, perKernel);
    }
    model.dispose();
  }
  tf.dispose([...batch.xs, batch.y]);
}

if (require.main === module) runMain(main);
