import * as tf from '@tensorflow/tfjs';
import { initBackends, KERNEL_SETS, restoreDefaultIsa, seededArray, useKernels } from '../backend/test-support';
import { ADAM_DEVICE_KERNEL, adamDeviceUniforms, type AdamDeviceAttrs } from '../backend/gpu-kernels/adam-device';
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

  describe('with an on-device kernel (ADAM_DEVICE_KERNEL, as on webgpu)', () => {
    // The webgpu kernel's formula in float32 steps (its WGSL runs in webgpu-software.spec.ts and on a
    // GPU machine), registered for the cpu backend: what FusedAdamOptimizer hands the kernel and does
    // with its outputs.
    const f = Math.fround;
    const deviceAdam: tf.KernelFunc = ({ inputs, backend, attrs }) => {
      const cpu = backend as tf.KernelBackend & { makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo };
      const named = inputs as tf.NamedTensorInfoMap;
      const read = (name: string): Float32Array => cpu.readSync(named[name]!.dataId) as Float32Array;
      const [x, g, m, v] = ['x', 'gradient', 'm', 'v'].map(read);
      const [d1, d2] = [f(1 - read('accBeta1')[0]), f(1 - read('accBeta2')[0])];
      const [b1, c1, b2, c2, eps, negLr] = adamDeviceUniforms(attrs as unknown as AdamDeviceAttrs);
      const [x1, m1, v1] = [x, m, v].map((a) => new Float32Array(a.length));
      for (let i = 0; i < x.length; i++) {
        m1[i] = f(f(m[i] * b1) + f(g[i] * c1));
        v1[i] = f(f(v[i] * b2) + f(f(g[i] * g[i]) * c2));
        x1[i] = f(f(f(f(m1[i] / d1) / f(f(Math.sqrt(f(v1[i] / d2))) + eps)) * negLr) + x[i]);
      }
      const shape = [...named['x']!.shape];
      return [x1, m1, v1].map((values) => cpu.makeTensorInfo(shape, 'float32', values));
    };
    beforeAll(() => tf.registerKernel({ kernelName: ADAM_DEVICE_KERNEL, backendName: 'cpu', kernelFunc: deviceAdam }));
    afterAll(() => tf.unregisterKernel(ADAM_DEVICE_KERNEL, 'cpu'));

    it('gives tfjs Adam\'s variables and moments bit for bit (12 steps), one kernel per variable, no host read', async () => {
      await tf.setBackend('cpu');
      const fused = await descend(new FusedAdamOptimizer(0.003, 0.9, 0.999), next(), 12);
      const stock = await descend(tf.train.adam(0.003), next(), 12);
      expect(bits(fused)).toEqual(bits(stock));

      const { vars, grads } = problem(next());
      const optimizer = new FusedAdamOptimizer(0.01, 0.9, 0.999);
      optimizer.applyGradients(grads(0));
      const state = optimizer as unknown as { accBeta1: tf.Variable };
      const readSync = jest.spyOn(state.accBeta1, 'dataSync');
      const profile = await tf.profile(() => optimizer.applyGradients(grads(1)));
      expect(profile.kernels.filter((k) => k.name === ADAM_DEVICE_KERNEL)).toHaveLength(vars.length);
      expect(profile.kernels.map((k) => k.name)).not.toContain('Sqrt');
      expect(readSync).not.toHaveBeenCalled();
      vars.forEach((x) => x.dispose());
      optimizer.dispose();
    });
  });
});
