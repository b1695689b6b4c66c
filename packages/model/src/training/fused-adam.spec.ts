import * as tf from '@tensorflow/tfjs';
import { initBackends, KERNEL_SETS, restoreDefaultIsa, seededArray, useKernels } from '../backend/test-support';
import { ADAM_KERNEL } from '../backend/wasm-kernels/adam';
import { FusedAdamOptimizer } from './fused-adam';

const SHAPES = [[3, 3, 1, 8], [8], [257, 31], [10]];

/** Variables with seeded values (names unique per call) and, per step, seeded gradients (zeros, tiny and large values among them). */
function problem(tag: string) {
  const vars = SHAPES.map((shape, i) => tf.variable(tf.tensor(seededArray(shape.reduce((p, d) => p * d, 1), 10 + i), shape), true, `${tag}_${i}`));
  const grads = (step: number) =>
    vars.map((v, i) => {
      const g = seededArray(v.size, 1000 * step + i, -2, 2);
      for (let k = 0; k < g.length; k += 7) g[k] = k % 3 === 0 ? 0 : g[k] * (k % 2 ? 1e-6 : 1e3);
      return { name: v.name, tensor: tf.tensor(g, v.shape) };
    });
  return { vars, grads };
}

/** Runs `steps` Adam steps of `optimizer` on a fresh problem; returns the variables' and the optimizer's values. */
async function descend(optimizer: tf.AdamOptimizer, tag: string, steps: number): Promise<Float32Array[]> {
  const { vars, grads } = problem(tag);
  for (let step = 0; step < steps; step++) {
    const g = grads(step);
    optimizer.applyGradients(g);
    g.forEach((x) => x.tensor.dispose());
  }
  const state = (await optimizer.getWeights()).map((w) => w.tensor.dataSync() as Float32Array);
  const values = vars.map((v) => v.dataSync() as Float32Array);
  vars.forEach((v) => v.dispose());
  optimizer.dispose();
  return [...values, ...state];
}

const bits = (arrays: Float32Array[]) => arrays.map((a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)));

let tag = 0;
const next = () => `adam_spec_${tag++}`;

describe('FusedAdamOptimizer', () => {
  beforeAll(initBackends);
  afterEach(() => tf.setBackend('wasm'));
  afterAll(() => useKernels(KERNEL_SETS[KERNEL_SETS.length - 1]).then(restoreDefaultIsa));

  // wasm: the JS kernel ('project wasm') and the native one; cpu: tfjs's own update (no kernel there).
  it.each([...KERNEL_SETS, 'cpu'])('with %s gives the variables and moments of tfjs Adam bit for bit (12 steps)', async (set) => {
    if (set === 'cpu') await tf.setBackend('cpu');
    else await useKernels(set as (typeof KERNEL_SETS)[number]);
    const fused = await descend(new FusedAdamOptimizer(0.003, 0.9, 0.999), next(), 12);
    const stock = await descend(tf.train.adam(0.003), next(), 12);
    expect(fused.length).toBe(SHAPES.length + 1 + 2 * SHAPES.length); // values; the optimizer's iterations, m and v
    expect(bits(fused)).toEqual(bits(stock));
  });

  it('runs one kernel per variable on wasm, none of tfjs Adam element-wise kernels', async () => {
    await tf.setBackend('wasm');
    const { vars, grads } = problem(next());
    const optimizer = new FusedAdamOptimizer(0.01, 0.9, 0.999);
    optimizer.applyGradients(grads(0)); // creates the moments
    const g = grads(1);
    const profile = await tf.profile(() => optimizer.applyGradients(g));
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n === ADAM_KERNEL)).toHaveLength(vars.length);
    expect(names).not.toContain('Sqrt');
    expect(names).not.toContain('RealDiv');
    vars.forEach((v) => v.dispose());
    optimizer.dispose();
  });

  it('does not leak tensors across steps and serialises as Adam', async () => {
    await tf.setBackend('wasm');
    const { vars, grads } = problem(next());
    const optimizer = new FusedAdamOptimizer(0.01, 0.9, 0.999);
    const first = grads(0);
    optimizer.applyGradients(first); // creates the moments
    first.forEach((x) => x.tensor.dispose());
    const before = tf.memory().numTensors;
    for (let step = 1; step < 4; step++) {
      const g = grads(step);
      optimizer.applyGradients(g);
      g.forEach((x) => x.tensor.dispose());
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(optimizer.getClassName()).toBe('Adam');
    vars.forEach((v) => v.dispose());
    optimizer.dispose();
  });
});
