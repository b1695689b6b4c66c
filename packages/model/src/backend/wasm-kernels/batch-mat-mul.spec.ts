import * as tf from '@tensorflow/tfjs';
import { KERNEL_SETS, restoreDefaultIsa, useKernels, kernel, relativeError, runOn, seededArray } from '../test-support';

interface Case {
  readonly a: number[];
  readonly b: number[];
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

const CASES: Case[] = [];
for (const transposeA of [false, true]) {
  for (const transposeB of [false, true]) {
    // logical [5 x 7] . [7 x 3], [3 batches of 4x6] . [6x2], and dense-layer-like sizes
    CASES.push({ a: transposeA ? [7, 5] : [5, 7], b: transposeB ? [3, 7] : [7, 3], transposeA, transposeB });
    CASES.push({ a: transposeA ? [3, 6, 4] : [3, 4, 6], b: transposeB ? [3, 2, 6] : [3, 6, 2], transposeA, transposeB });
    CASES.push({ a: transposeA ? [1, 96, 16] : [1, 16, 96], b: transposeB ? [1, 10, 96] : [1, 96, 10], transposeA, transposeB });
  }
}
CASES.push({ a: [16, 96], b: [16, 10], transposeA: true, transposeB: false }); // dW = x^T dy
CASES.push({ a: [16, 10], b: [96, 10], transposeA: false, transposeB: true }); // dx = dy W^T
CASES.push({ a: [2, 4, 6], b: [1, 6, 3], transposeA: false, transposeB: false }); // broadcast batch
CASES.push({ a: [1, 6, 4], b: [3, 2, 6], transposeA: true, transposeB: true });
CASES.push({ a: [230, 70], b: [70, 33], transposeA: false, transposeB: false }); // several row blocks, ragged tiles
CASES.push({ a: [70, 230], b: [33, 70], transposeA: true, transposeB: true });


describe.each(KERNEL_SETS)('%s kernels', (set) => {
  beforeAll(() => useKernels(set));
  afterAll(restoreDefaultIsa);

  describe('BatchMatMul', () => {
    it.each(CASES.map((c) => [`a ${c.a.join('x')}${c.transposeA ? 'ᵀ' : ''} b ${c.b.join('x')}${c.transposeB ? 'ᵀ' : ''}`, c] as const))(
      'matches cpu: %s',
      async (_name, c) => {
        const as = seededArray(c.a.reduce((p, d) => p * d), 7);
        const bs = seededArray(c.b.reduce((p, d) => p * d), 8);
        const run = () =>
          kernel('BatchMatMul', { a: tf.tensor(as, c.a), b: tf.tensor(bs, c.b) }, { transposeA: c.transposeA, transposeB: c.transposeB });
        const wasm = await runOn('wasm', run);
        const cpu = await runOn('cpu', run);
        expect(wasm.shapes).toEqual(cpu.shapes);
        expect(relativeError(wasm.values[0], cpu.values[0])).toBeLessThan(1e-4);
      },
    );
  });
});
