import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackends } from '../test-support';

beforeAll(async () => {
  await initBackends();
  await tf.setBackend('wasm');
});

describe('Identity (wasm project kernel)', () => {
  it('shares data: a clone outlives its source and frees the memory with the last reference', () => {
    const wasm = tf.backend() as BackendWasm;
    const before = wasm.numDataIds();
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.clone(a);
    expect(wasm.numDataIds() - before).toBe(1); // one buffer, two tensors
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.shape).toEqual([2, 3]);
    b.dispose();
    expect(wasm.numDataIds()).toBe(before);
  });

  it('keeps variables independent of the tensors they were made from', () => {
    const init = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(init);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(init.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([init, v]);
  });
});
