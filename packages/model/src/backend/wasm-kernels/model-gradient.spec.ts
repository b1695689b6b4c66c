import * as tf from '@tensorflow/tfjs';
import { KERNEL_SETS, restoreDefaultIsa, useKernels, relativeError, runOn, seededArray } from '../test-support';

/**
 * End to end: all parameter gradients (tf.variableGrads) of a small image-conv2d + audio-conv1d +
 * dense network, with biases, ReLU, max pooling and softmax cross-entropy, on wasm vs cpu.
 */
const SHAPES: Record<string, number[]> = {
  k1: [3, 3, 1, 4],
  b1: [4],
  k2: [3, 3, 4, 6],
  b2: [6],
  a1: [3, 5, 7],
  c1: [7],
  a2: [3, 7, 8],
  c2: [8],
  w1: [3 * 3 * 6 + 2 * 8, 12],
  d1: [12],
  w2: [12, 5],
  d2: [5],
};

let run = 0;

function lossAndGrads(): tf.Tensor[] {
  run += 1;
  const names = Object.keys(SHAPES);
  const vars = names.map((n, i) => tf.variable(tf.tensor(seededArray(SHAPES[n].reduce((p, d) => p * d, 1), 100 + i, -0.5, 0.5), SHAPES[n]), true, `${n}_${run}`));
  const v = Object.fromEntries(names.map((n, i) => [n, vars[i]])) as Record<string, tf.Variable>;
  const image = tf.tensor4d(seededArray(6 * 12 * 12, 1, 0, 1), [6, 12, 12, 1]);
  const audio = tf.tensor3d(seededArray(6 * 9 * 5, 2, 0, 1), [6, 9, 5]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32'), 5);
  const { value, grads } = tf.variableGrads(() => {
    let x: tf.Tensor4D = image;
    for (const [k, b] of [['k1', 'b1'], ['k2', 'b2']] as const) {
      const z = tf.relu(tf.add(tf.conv2d(x, v[k] as tf.Tensor4D, 1, 'same'), v[b])) as tf.Tensor4D;
      x = tf.maxPool(z, 2, 2, 'valid');
    }
    let a: tf.Tensor3D = audio;
    for (const [k, b] of [['a1', 'c1'], ['a2', 'c2']] as const) {
      a = tf.relu(tf.add(tf.conv1d(a, v[k] as tf.Tensor3D, 1, 'same'), v[b])) as tf.Tensor3D;
      const [n, w, c] = a.shape;
      const pooled = tf.maxPool(tf.reshape(a, [n, w, 1, c]) as tf.Tensor4D, [2, 1], [2, 1], 'valid');
      a = tf.reshape(pooled, [n, Math.floor(w / 2), c]);
    }
    const flat = tf.concat([tf.reshape(x, [6, -1]), tf.reshape(a, [6, -1])], 1);
    const h = tf.relu(tf.add(tf.matMul(flat, v.w1), v.d1));
    const logits = tf.add(tf.matMul(h, v.w2), v.d2);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  }, vars);
  const out = [value, ...names.map((n) => grads[vars[names.indexOf(n)].name])];
  vars.forEach((x) => x.dispose());
  return out;
}


describe.each(KERNEL_SETS)('%s kernels', (set) => {
  beforeAll(() => useKernels(set));
  afterAll(restoreDefaultIsa);

  describe('a full backward pass', () => {
    it('give the same loss and parameter gradients as cpu', async () => {
      const wasm = await runOn('wasm', lossAndGrads);
      const cpu = await runOn('cpu', lossAndGrads);
      expect(wasm.shapes).toEqual(cpu.shapes);
      const names = ['loss', ...Object.keys(SHAPES)];
      const errors = Object.fromEntries(names.map((n, i) => [n, relativeError(wasm.values[i], cpu.values[i])]));
      for (const n of names) expect([n, errors[n] < 1e-4]).toEqual([n, true]);
      // The gradients are not trivially zero (the comparison means something).
      for (let i = 1; i < names.length; i++) expect(Math.max(...wasm.values[i].map(Math.abs))).toBeGreaterThan(1e-6);
    });
  });
});
