import * as tf from '@tensorflow/tfjs';
import { KERNEL_SETS, restoreDefaultIsa, useKernels, kernel, relativeError, runOn, seededArray } from '../test-support';

const CASES: Array<{ shape: number[]; axis: number | number[]; keepDims: boolean }> = [
  { shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: false }, // bias gradient of a conv2d
  { shape: [4, 5, 6, 7], axis: [2, 0, 1], keepDims: true },
  { shape: [8, 9, 16], axis: [0, 1], keepDims: false }, // conv1d
  { shape: [64, 10], axis: 0, keepDims: false }, // dense
  { shape: [4, 5, 6, 7], axis: [1, 2], keepDims: false }, // not leading: stock kernel
  { shape: [4, 5], axis: [0, 1], keepDims: false }, // all axes: stock kernel
  { shape: [3, 4, 5], axis: -1, keepDims: true },
];


describe.each(KERNEL_SETS)('%s kernels', (set) => {
  beforeAll(() => useKernels(set));
  afterAll(restoreDefaultIsa);

  describe('Sum', () => {
    it.each(CASES.map((c) => [`${c.shape.join('x')} axis ${JSON.stringify(c.axis)} keepDims ${c.keepDims}`, c] as const))(
      'matches cpu: %s',
      async (_name, c) => {
        const xs = seededArray(c.shape.reduce((p, d) => p * d, 1), 11, -2, 3);
        const run = () => kernel('Sum', { x: tf.tensor(xs, c.shape) }, { axis: c.axis, keepDims: c.keepDims });
        const wasm = await runOn('wasm', run);
        const cpu = await runOn('cpu', run);
        expect(wasm.shapes).toEqual(cpu.shapes);
        expect(relativeError(wasm.values[0], cpu.values[0])).toBeLessThan(1e-4);
      },
    );
  });
});
