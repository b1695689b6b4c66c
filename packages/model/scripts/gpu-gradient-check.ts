/**
 * One training step of the paper-size model (each registered fusion) on the `webgpu` backend against the pure-JS
 * `cpu` backend, from the same weights and batch: the loss, every weight's gradient, and the Adam step.
 * Prints the backend line, one line per fusion, and one JSON line on stdout; exits 1 when a result is
 * off or webgpu cannot be used. Part of `gpu-check.sh` (run on a machine with a GPU).
 *
 *   tsx packages/model/scripts/gpu-gradient-check.ts [--backend webgpu] [--batch 8] [--tolerance 2e-3]
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs, positiveInt, runMain, UsageError, UserError } from '@digitfuse/core';
import { BACKEND_CHOICES, releaseBackend, selectBackend, type BackendChoice, type BackendInfo } from '../src/backend';
import { buildModel, disposeModel } from '../src/network/build-model';
import { FUSIONS, validateConfig, type Fusion } from '../src/network/config';
import { isFusion } from '../src/network/fusion/fusions';
import { inputTensors, oneHot, rowRange } from '../src/network/feed';
import { randomInputs } from '../src/testing';
import { createTrainStep, trainedOutputs, trainingLoss } from '../src/training/train-step';

/** What one backend computed from the given weights and batch. */
interface StepValues {
  readonly loss: number;
  readonly grads: Float32Array[];
  /** What one Adam step changed in each trainable weight. */
  readonly update: Float32Array[];
  /** Milliseconds of the gradient pass (the first one compiles the backend's shaders) and of the step. */
  readonly gradMs: number;
  readonly stepMs: number;
  /** Tensors left behind by the computation (must be 0). */
  readonly leaked: number;
}

/** The result for one fusion, as printed in the JSON line. */
export interface FusionCheck {
  readonly fusion: Fusion;
  readonly loss: { readonly cpu: number; readonly gpu: number };
  /** max over weights of max|g_gpu - g_cpu| / max|g_cpu| (at least 1e-4 of the largest gradient). */
  readonly gradRelErr: number;
  readonly worstWeight: string;
  /** Cosine of the Adam updates (w_after - w_before) of the two backends, over all weights. */
  readonly updateCosine: number;
  /** |update on the backend| / |update on cpu| (a scale error, e.g. a missing bias correction, that the cosine does not see). */
  readonly updateNormRatio: number;
  readonly gpuGradMs: number;
  readonly gpuStepMs: number;
  readonly leaked: number;
  readonly pass: boolean;
}

const maxAbs = (a: Float32Array): number => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/**
 * max|a - b| / max|b|, with max|b| taken as at least `floor`: a gradient that is zero in exact
 * arithmetic (e.g. attention's key bias, which softmax cancels) holds rounding noise only.
 */
function relErr(a: Float32Array, b: Float32Array, floor: number): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return Number.isNaN(diff) ? Infinity : diff / Math.max(maxAbs(b), floor, 1e-12);
}

async function stepOn(backend: BackendChoice, fusion: Fusion, weights: Float32Array[] | null, batch: number, log: (line: string) => void): Promise<{ values: StepValues; weights: Float32Array[]; names: string[]; info: BackendInfo }> {
  const info = await selectBackend(backend, log);
  const before = tf.memory().numTensors;
  const model = buildModel(validateConfig({ fusion, seed: 42 }));
  try {
    if (weights != null) {
      const shapes = model.getWeights().map((w) => w.shape);
      const values = weights.map((w, i) => tf.tensor(w, shapes[i]));
      model.setWeights(values);
      tf.dispose(values);
    }
    const start = await Promise.all(model.getWeights().map(async (w) => Float32Array.from(await w.data())));
    const names = model.trainableWeights.map((w) => w.originalName);
    const data = randomInputs(batch, 5, { learnable: true });
    const rows = rowRange(0, batch);
    const xs = inputTensors(model, data, rows);
    const y = tf.tensor2d(oneHot(data.labels as Int32Array, rows), [batch, 10]);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const trained = trainedOutputs(model);

    let t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const out = model.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as tf.Tensor | tf.Tensor[];
      return trainingLoss(y, Array.isArray(out) ? out : [out], trained);
    }, vars);
    const loss = (await value.data())[0];
    const gradValues = await Promise.all(vars.map(async (v) => Float32Array.from(await grads[v.name].data())));
    const gradMs = performance.now() - t0;
    tf.dispose([value, ...Object.values(grads)]);

    const beforeStep = await Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
    const step = createTrainStep(model);
    t0 = performance.now();
    const result = step(xs, y, 0);
    await result.loss.data();
    const stepMs = performance.now() - t0;
    tf.dispose([result.loss, result.correct, ...xs, y]);
    const update = await Promise.all(vars.map(async (v, i) => Float32Array.from(await v.data(), (x, j) => x - beforeStep[i][j])));
    disposeModel(model);
    const leaked = tf.memory().numTensors - before;
    return { values: { loss, grads: gradValues, update, gradMs, stepMs, leaked }, weights: start, names, info };
  } catch (error) {
    disposeModel(model);
    throw error;
  }
}

function norm(a: Float32Array[]): number {
  return Math.sqrt(a.reduce((sum, x) => x.reduce((s, v) => s + v * v, sum), 0));
}

function cosine(a: Float32Array[], b: Float32Array[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) =>
    x.forEach((v, j) => {
      dot += v * b[i][j];
      na += v * v;
      nb += b[i][j] * b[i][j];
    }),
  );
  return dot / Math.sqrt(na * nb);
}

/** Checks `--backend` against cpu; resolves to whether every result passed. */
export async function main(argv: readonly string[]): Promise<boolean> {
  const args = await parseArgs(
    argv,
    { name: 'gpu-gradient-check', usage: '[--backend webgpu] [--batch 8] [--tolerance 2e-3] [--fusions attention,concat,robust]', describe: 'One training step on --backend against the cpu backend.' },
    (y) =>
      y
        .option('backend', { choices: BACKEND_CHOICES, default: 'webgpu' as BackendChoice, describe: 'backend checked against cpu' })
        .option('batch', { type: 'number', default: 8, describe: 'rows in the batch' })
        .option('tolerance', { type: 'number', default: 2e-3, describe: 'largest relative gradient (and loss) error that passes' })
        .option('fusions', { type: 'string', default: FUSIONS.join(','), describe: 'comma-separated fusions to check' }),
  );
  positiveInt(args.batch, 'batch');
  const fusions = args.fusions.split(',').map((f) => f.trim());
  for (const f of fusions) if (!isFusion(f)) throw new UsageError(`Unknown --fusions entry '${f}': expected ${FUSIONS.join(', ')}`);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  // Fail fast (before the slow cpu reference) when the backend cannot be used.
  let backendLine = '';
  await selectBackend(args.backend, (line) => (backendLine = line));
  log(backendLine);
  const checks: FusionCheck[] = [];
  for (const fusion of fusions as Fusion[]) {
    const cpu = await stepOn('cpu', fusion, null, args.batch, () => undefined);
    const gpu = await stepOn(args.backend, fusion, cpu.weights, args.batch, (line) => {
      backendLine = line;
    });
    // Gradients below 1e-4 of the largest are compared at that scale.
    const floor = 1e-4 * Math.max(...cpu.values.grads.map(maxAbs));
    const errs = gpu.values.grads.map((g, i) => relErr(g, cpu.values.grads[i], floor));
    const worst = errs.indexOf(Math.max(...errs));
    const updateCosine = cosine(gpu.values.update, cpu.values.update);
    const updateNormRatio = norm(gpu.values.update) / norm(cpu.values.update);
    const lossErr = Math.abs(gpu.values.loss - cpu.values.loss) / Math.max(Math.abs(cpu.values.loss), 1e-12);
    const pass = errs[worst] <= args.tolerance && lossErr <= args.tolerance && updateCosine >= 0.999 && Math.abs(updateNormRatio - 1) <= 1e-3 && gpu.values.leaked === 0;
    checks.push({
      fusion,
      loss: { cpu: cpu.values.loss, gpu: gpu.values.loss },
      gradRelErr: errs[worst],
      worstWeight: cpu.names[worst],
      updateCosine,
      updateNormRatio,
      gpuGradMs: Math.round(gpu.values.gradMs),
      gpuStepMs: Math.round(gpu.values.stepMs),
      leaked: gpu.values.leaked,
      pass,
    });
    log(
      `${fusion.padEnd(9)} ${pass ? 'PASS' : 'FAIL'}  loss cpu ${cpu.values.loss.toFixed(6)} ${args.backend} ${gpu.values.loss.toFixed(6)}  ` +
        `max grad rel. error ${errs[worst].toExponential(2)} (${cpu.names[worst]})  Adam update cosine ${updateCosine.toFixed(4)}, norm ratio ${updateNormRatio.toFixed(4)}  ` +
        `grads ${Math.round(gpu.values.gradMs)} ms (first call), step ${Math.round(gpu.values.stepMs)} ms, leaked ${gpu.values.leaked} tensors`,
    );
  }
  const pass = checks.every((c) => c.pass);
  console.log(JSON.stringify({ backend: backendLine, batch: args.batch, tolerance: args.tolerance, pass, checks }));
  return pass;
}

if (require.main === module) {
  runMain(async (argv) => {
    // releaseBackend: the WebGPU device is destroyed before the process exits.
    const pass = await main(argv).finally(releaseBackend);
    if (!pass) throw new UserError('the results differ from the cpu ones (see the lines above)');
  });
}
