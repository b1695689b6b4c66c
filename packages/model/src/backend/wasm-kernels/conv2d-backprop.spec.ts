import * as tf from '@tensorflow/tfjs';
import { KERNEL_SETS, restoreDefaultIsa, useKernels, kernel, relativeError, runOn, seededArray } from '../test-support';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly strides: [number, number];
  readonly pad: Pad;
}

const CASES: Case[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 5], strides: [1, 1], pad: 'same' },
  { x: [3, 8, 8, 4], filter: [3, 3, 4, 6], strides: [1, 1], pad: 'valid' },
  { x: [3, 8, 8, 4], filter: [3, 3, 4, 2], strides: [2, 2], pad: 'same' },
  { x: [2, 9, 9, 2], filter: [3, 3, 2, 3], strides: [2, 2], pad: 'valid' },
  { x: [2, 10, 10, 2], filter: [3, 3, 2, 3], strides: [2, 2], pad: 'valid' },
  { x: [1, 5, 6, 1], filter: [2, 3, 1, 4], strides: [2, 1], pad: 'same' },
  { x: [2, 11, 11, 3], filter: [5, 5, 3, 2], strides: [2, 2], pad: 'same' },
  { x: [5, 6, 6, 6], filter: [1, 1, 6, 7], strides: [1, 1], pad: 'valid' },
  { x: [4, 1, 39, 13], filter: [1, 3, 13, 8], strides: [1, 1], pad: 'same' }, // conv1d as conv2d
  { x: [16, 1, 19, 16], filter: [1, 3, 16, 16], strides: [1, 1], pad: 'same' },
  { x: [2, 6, 6, 2], filter: [3, 3, 2, 2], strides: [1, 1], pad: 1 },
  { x: [3, 7, 7, 16], filter: [3, 3, 16, 4], strides: [1, 1], pad: 'same' },
  { x: [2, 9, 9, 8], filter: [3, 3, 8, 2], strides: [2, 2], pad: 'same' },
  { x: [2, 10, 10, 8], filter: [3, 3, 8, 2], strides: [2, 2], pad: 'valid' },
  // KH*KW*Ci <= Co: the filter gradient takes the im2col + GEMM path
  { x: [4, 12, 12, 1], filter: [3, 3, 1, 16], strides: [1, 1], pad: 'same' },
  { x: [3, 8, 8, 2], filter: [3, 3, 2, 20], strides: [1, 1], pad: 'valid' },
  { x: [2, 9, 9, 1], filter: [3, 3, 1, 12], strides: [2, 2], pad: 'same' },
  { x: [2, 10, 10, 1], filter: [3, 3, 1, 12], strides: [2, 2], pad: 'valid' },
  { x: [2, 1, 15, 3], filter: [1, 3, 3, 9], strides: [1, 2], pad: 'same' },
  { x: [2, 6, 7, 2], filter: [3, 3, 2, 3], strides: [2, 2], pad: [[0, 0], [3, 3], [0, 2], [0, 0]] },
  // edges of every micro-kernel tile (6x16, 12x32 and its 16-wide half) and depths over one packed block
  { x: [3, 6, 6, 20], filter: [3, 3, 20, 40], strides: [1, 1], pad: 'same' },
  { x: [2, 5, 5, 33], filter: [3, 3, 33, 48], strides: [1, 1], pad: 'valid' },
];

function describeCase(c: Case): string {
  return `x ${c.x.join('x')} filter ${c.filter.join('x')} stride ${c.strides.join(',')} pad ${JSON.stringify(c.pad)}`;
}

describe.each(KERNEL_SETS)('%s kernels', (set) => {
  beforeAll(() => useKernels(set));
  afterAll(restoreDefaultIsa);

  // Each takes dy and one operand (x or the filter, seeded) and returns the gradient of the other.
  describe.each([
    { name: 'Conv2DBackpropFilter', operand: 'x', outputAttr: 'filterShape', seeds: [1, 2] },
    { name: 'Conv2DBackpropInput', operand: 'filter', outputAttr: 'inputShape', seeds: [3, 4] },
  ] as const)('$name', ({ name, operand, outputAttr, seeds }) => {
    it.each(CASES.map((c) => [describeCase(c), c] as const))('matches cpu: %s', async (_name, c) => {
      const [operandShape, outputShape] = operand === 'x' ? [c.x, c.filter] : [c.filter, c.x];
      const out = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
      const values = seededArray(operandShape.reduce((p, d) => p * d), seeds[0]);
      const dys = seededArray(out.reduce((p, d) => p * d), seeds[1]);
      const run = () =>
        kernel(name, { [operand]: tf.tensor4d(values, operandShape), dy: tf.tensor4d(dys, out) }, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          [outputAttr]: outputShape,
        });
      const wasm = await runOn('wasm', run);
      const cpu = await runOn('cpu', run);
      expect(wasm.shapes).toEqual([outputShape]);
      expect(relativeError(wasm.values[0], cpu.values[0])).toBeLessThan(1e-4);
    });
  });

  describe('Conv2D and FusedConv2D (bias + ReLU)', () => {
    it.each(CASES.map((c) => [describeCase(c), c] as const))('match cpu: %s', async (_name, c) => {
      const xs = seededArray(c.x.reduce((p, d) => p * d), 7);
      const ws = seededArray(c.filter.reduce((p, d) => p * d), 8);
      const bs = seededArray(c.filter[3], 9);
      const run = () => {
        const x = tf.tensor4d(xs, c.x);
        const filter = tf.tensor4d(ws, c.filter);
        return [
          tf.conv2d(x, filter, c.strides, c.pad),
          tf.fused.conv2d({ x, filter, strides: c.strides, pad: c.pad, bias: tf.tensor1d(bs), activation: 'relu' }),
          tf.fused.conv2d({ x, filter, strides: c.strides, pad: c.pad, bias: tf.tensor1d(bs) }),
        ];
      };
      const wasm = await runOn('wasm', run);
      const cpu = await runOn('cpu', run);
      expect(wasm.shapes).toEqual(cpu.shapes);
      for (let i = 0; i < 3; i++) expect([i, relativeError(wasm.values[i], cpu.values[i]) < 1e-4]).toEqual([i, true]);
    });

    it('match cpu with dilation and with an activation the native kernels leave to wasm (elu)', async () => {
      const xs = seededArray(2 * 9 * 9 * 3, 10);
      const ws = seededArray(3 * 3 * 3 * 4, 11);
      const run = () => {
        const x = tf.tensor4d(xs, [2, 9, 9, 3]);
        const filter = tf.tensor4d(ws, [3, 3, 3, 4]);
        return [
          tf.conv2d(x, filter, 1, 'same', 'NHWC', [2, 2]),
          tf.fused.conv2d({ x, filter, strides: 1, pad: 'valid', bias: tf.tensor1d([0.1, -0.2, 0.3, 0]), activation: 'elu' }),
        ];
      };
      const wasm = await runOn('wasm', run);
      const cpu = await runOn('cpu', run);
      for (let i = 0; i < 2; i++) expect([i, relativeError(wasm.values[i], cpu.values[i]) < 1e-4]).toEqual([i, true]);
    });
  });
});
