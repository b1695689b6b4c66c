import * as tf from '@tensorflow/tfjs';
import { KERNEL_SETS, restoreDefaultIsa, useKernels, kernel, relativeError, runOn, seededArray } from '../test-support';

interface Case {
  readonly x: [number, number, number, number];
  readonly filterSize: [number, number];
  readonly strides: [number, number];
  readonly pad: 'same' | 'valid';
  /** Shifts the inputs: -1.5 makes every window all <= 0 (the stock wasm kernel's bug). */
  readonly shift?: number;
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
  { x: [2, 7, 7, 5], filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
  { x: [2, 7, 7, 5], filterSize: [2, 2], strides: [2, 2], pad: 'same' },
  { x: [3, 9, 1, 4], filterSize: [2, 1], strides: [2, 1], pad: 'valid' }, // maxPooling1d
  { x: [2, 9, 9, 2], filterSize: [3, 3], strides: [2, 2], pad: 'same' }, // overlapping windows
  { x: [2, 6, 6, 3], filterSize: [2, 2], strides: [1, 1], pad: 'valid' },
  { x: [2, 8, 8, 3], filterSize: [2, 2], strides: [2, 2], pad: 'valid', shift: -1.5 },
  { x: [2, 7, 7, 3], filterSize: [2, 2], strides: [2, 2], pad: 'same', shift: -1.5 },
  { x: [2, 6, 8, 37], filterSize: [2, 2], strides: [2, 2], pad: 'valid' }, // vector bodies (8 and 16 lanes) and their tails
];


describe.each(KERNEL_SETS)('%s kernels', (set) => {
  beforeAll(() => useKernels(set));
  afterAll(restoreDefaultIsa);

  describe('MaxPoolGrad', () => {
    it.each(CASES.map((c) => [`x ${c.x.join('x')} pool ${c.filterSize} stride ${c.strides} ${c.pad} shift ${c.shift ?? 0}`, c] as const))(
      'matches cpu: %s',
      async (_name, c) => {
        const xs = seededArray(c.x.reduce((p, d) => p * d), 5, -1 + (c.shift ?? 0), 1 + (c.shift ?? 0));
        const run = () => {
          const x = tf.tensor4d(xs, c.x);
          const y = tf.maxPool(x, c.filterSize, c.strides, c.pad);
          const dy = tf.tensor4d(seededArray(y.size, 6, 0.5, 1.5), y.shape);
          return kernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: c.filterSize, strides: c.strides, pad: c.pad });
        };
        const wasm = await runOn('wasm', run);
        const cpu = await runOn('cpu', run);
        expect(wasm.shapes).toEqual([c.x]);
        expect(relativeError(wasm.values[0], cpu.values[0])).toBeLessThan(1e-4);
        // Every output gradient lands somewhere: the sums agree (dy > 0, so nothing cancels).
        const sum = (v: Float32Array) => v.reduce((p, q) => p + q, 0);
        expect(sum(wasm.values[0])).toBeCloseTo(sum(cpu.values[0]), 3);
      },
    );

    it('keeps the gradient of a window whose values are all <= 0', async () => {
      const { values } = await runOn('wasm', () => {
        const x = tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]);
        const y = tf.maxPool(x, 2, 2, 'valid');
        return kernel('MaxPoolGrad', { dy: tf.tensor4d([5], [1, 1, 1, 1]), input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' });
      });
      expect(Array.from(values[0])).toEqual([0, 5, 0, 0]);
    });

    it('never lets a NaN hide a later, larger value of its window (first strict maximum, NaN never wins)', async () => {
      // 2x2 windows over 2 channels: (1 2 / NaN 3) -> the 3; (NaN 2 / 1 0) -> the 2; (NaN NaN / NaN NaN) -> nothing.
      const windows = [
        [1, 2, NaN, 3],
        [NaN, 2, 1, 0],
        [NaN, NaN, NaN, NaN],
      ];
      const expected = [
        [0, 0, 0, 5],
        [0, 5, 0, 0],
        [0, 0, 0, 0],
      ];
      for (const [k, w] of windows.entries()) {
        const { values } = await runOn('wasm', () => {
          const x = tf.tensor4d(w, [1, 2, 2, 1]);
          const y = tf.maxPool(x, 2, 2, 'valid');
          return kernel('MaxPoolGrad', { dy: tf.tensor4d([5], [1, 1, 1, 1]), input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' });
        });
        expect(Array.from(values[0])).toEqual(expected[k]);
      }
    });
  });
});
