import * as tf from '@tensorflow/tfjs';
import { conv2dBiasRelu, conv2dBiasReluAvailable, RELU_BIAS_GRAD_KERNEL, type Conv2DBiasReluAttrs } from './conv2d-bias-relu';
import { kernel, KERNEL_SETS, relativeError, restoreDefaultIsa, runOn, seededArray, useKernels } from './test-support';

/** A convolution case: x [b,h,w,ci], filter [kh,kw,ci,co], strides and padding. */
interface Case {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly strides: [number, number];
  readonly pad: 'same' | 'valid';
}

const CASES: readonly Case[] = [
  { name: 'conv2d 3x3 same', x: [3, 7, 6, 5], filter: [3, 3, 5, 11], strides: [1, 1], pad: 'same' },
  { name: 'conv2d 3x3 valid, stride 2', x: [2, 9, 8, 4], filter: [3, 3, 4, 18], strides: [2, 2], pad: 'valid' },
  { name: 'conv1d as height 1', x: [4, 1, 13, 6], filter: [1, 3, 6, 20], strides: [1, 1], pad: 'same' },
];

/**
 * Inputs with exact zeros and negatives before the ReLU: x is 0 on the first image's top rows and
 * channel 0 of the filter is 0, the bias is 0 on channels 0-1 and negative on channel 2 (so whole
 * regions are exactly 0, others negative), the rest random.
 */
function operands(c: Case): { x: tf.Tensor4D; filter: tf.Tensor4D; bias: tf.Tensor1D; dy: tf.Tensor4D; attrs: Conv2DBiasReluAttrs } {
  const xv = seededArray(c.x.reduce((p, d) => p * d, 1), 11, -1, 1);
  xv.fill(0, 0, c.x[2] * c.x[3] * Math.min(2, c.x[1]));
  const [kh, kw, ci, co] = c.filter;
  const fv = seededArray(kh * kw * ci * co, 12, -0.5, 0.5);
  for (let i = 0; i < kh * kw * ci; i++) fv[i * co] = 0;
  const bv = seededArray(co, 13, -0.3, 0.3);
  bv[0] = 0;
  bv[1] = 0;
  bv[2] = -100;
  const x = tf.tensor4d(xv, c.x);
  const filter = tf.tensor4d(fv, c.filter);
  const bias = tf.tensor1d(bv);
  const outShape = tf.conv2d(x, filter, c.strides, c.pad).shape;
  const dy = tf.tensor4d(seededArray(outShape.reduce((p, d) => p * d, 1), 14, -1, 1), outShape);
  return { x, filter, bias, dy, attrs: { strides: c.strides, pad: c.pad, dilations: [1, 1] } };
}

/** [y, dx, dfilter, dbias] of relu(conv + bias) against dy: the op, or tfjs's unfused ops. */
function valueAndGrads(c: Case, useOp: boolean): tf.Tensor[] {
  const { x, filter, bias, dy, attrs } = operands(c);
  const f = (a: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) =>
    useOp ? conv2dBiasRelu(a, w, b, attrs) : (tf.relu(tf.add(tf.conv2d(a, w, attrs.strides, attrs.pad), b)) as tf.Tensor4D);
  const y = f(x, filter, bias);
  const grads = tf.grads((a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D))([x, filter, bias], dy);
  return [y, ...grads];
}

const bits = (values: Float32Array[]): string[] => values.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));

describe.each(KERNEL_SETS)('%s kernels', (set) => {
  beforeAll(() => useKernels(set));
  afterAll(restoreDefaultIsa);

  if (set === 'project wasm') {
    it('do not have the op (the layers take tfjs path there)', async () => {
      await tf.setBackend('wasm');
      expect(conv2dBiasReluAvailable()).toBe(false);
      expect(conv2dBiasReluAvailable('cpu')).toBe(false);
    });
    return;
  }

  describe('conv2dBiasRelu()', () => {
    it('is available on wasm with the native kernels', async () => {
      await tf.setBackend('wasm');
      expect(conv2dBiasReluAvailable()).toBe(true);
    });

    it.each(CASES)('$name: value and gradients as cpu computes them, with exact zeros and negatives before the ReLU', async (c) => {
      const wasm = await runOn('wasm', () => valueAndGrads(c, true));
      const cpu = await runOn('cpu', () => valueAndGrads(c, false));
      expect(wasm.shapes).toEqual(cpu.shapes);
      const names = ['y', 'dx', 'dfilter', 'dbias'];
      for (let i = 0; i < names.length; i++) expect([names[i], relativeError(wasm.values[i], cpu.values[i]) < 1e-4]).toEqual([names[i], true]);
      // The ReLU cut something: exact zeros in y, zeros and non-zeros in channel 2's bias gradient mask.
      const y = wasm.values[0];
      expect(y.filter((v) => v === 0).length).toBeGreaterThan(y.length / 10);
      expect(y.filter((v) => v > 0).length).toBeGreaterThan(y.length / 10);
      expect(wasm.values[3][2]).toBe(0);
    });

    it.each(CASES)('$name: the same bits as tfjs\'s unfused ops on the same kernels', async (c) => {
      const fused = await runOn('wasm', () => valueAndGrads(c, true));
      const unfused = await runOn('wasm', () => valueAndGrads(c, false));
      expect(bits(fused.values)).toEqual(bits(unfused.values));
    });
  });

  describe(`${RELU_BIAS_GRAD_KERNEL}`, () => {
    it('masks dy where y is 0, negative zero or NaN, and sums the bias gradient as Sum does', async () => {
      const [rows, cols] = [37, 19];
      const yv = seededArray(rows * cols, 21, -1, 1).map((v, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? -0 : i % 11 === 0 ? NaN : v));
      const dyv = seededArray(rows * cols, 22, -1, 1);
      const out = await runOn('wasm', () => {
        const [dz, dbias] = tf.engine().runKernel(RELU_BIAS_GRAD_KERNEL, { dy: tf.tensor2d(dyv, [rows, cols]), y: tf.tensor2d(yv, [rows, cols]) }, {}) as tf.Tensor[];
        return [dz, dbias, tf.sum(dz, 0)];
      });
      const expected = dyv.map((d, i) => d * (yv[i] > 0 ? 1 : 0));
      expect(bits([out.values[0]])).toEqual(bits([expected]));
      expect(bits([out.values[1]])).toEqual(bits([out.values[2]]));
      expect(out.shapes.slice(0, 2)).toEqual([[rows, cols], [cols]]);
    });

    it('takes any rank, the last axis being the channels', async () => {
      const out = await runOn('wasm', () => {
        const y = tf.tensor3d([1, -1, 0, 2, 3, -2], [1, 3, 2]);
        return kernel(RELU_BIAS_GRAD_KERNEL, { dy: tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 3, 2]), y }, {}) as unknown as tf.Tensor[];
      });
      expect(Array.from(out.values[0])).toEqual([1, 0, 0, 4, 5, 0]);
      expect(Array.from(out.values[1])).toEqual([6, 4]);
    });
  });
});
