import * as tf from '@tensorflow/tfjs';
import { initBackends, kernel, relativeError, runOn, seededArray } from '../test-support';

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
];

function describeCase(c: Case): string {
  return `x ${c.x.join('x')} filter ${c.filter.join('x')} stride ${c.strides.join(',')} pad ${JSON.stringify(c.pad)}`;
}

beforeAll(initBackends);

describe('Conv2DBackpropFilter (wasm project kernel)', () => {
  it.each(CASES.map((c) => [describeCase(c), c] as const))('matches cpu: %s', async (_name, c) => {
    const out = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
    const xs = seededArray(c.x.reduce((p, d) => p * d), 1);
    const dys = seededArray(out.reduce((p, d) => p * d), 2);
    const run = () =>
      kernel('Conv2DBackpropFilter', { x: tf.tensor4d(xs, c.x), dy: tf.tensor4d(dys, out) }, {
        strides: c.strides,
        pad: c.pad,
        dataFormat: 'NHWC',
        filterShape: c.filter,
      });
    const wasm = await runOn('wasm', run);
    const cpu = await runOn('cpu', run);
    expect(wasm.shapes).toEqual([c.filter]);
    expect(relativeError(wasm.values[0], cpu.values[0])).toBeLessThan(1e-4);
  });
});

describe('Conv2DBackpropInput (wasm project kernel)', () => {
  it.each(CASES.map((c) => [describeCase(c), c] as const))('matches cpu: %s', async (_name, c) => {
    const out = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
    const ws = seededArray(c.filter.reduce((p, d) => p * d), 3);
    const dys = seededArray(out.reduce((p, d) => p * d), 4);
    const run = () =>
      kernel('Conv2DBackpropInput', { dy: tf.tensor4d(dys, out), filter: tf.tensor4d(ws, c.filter) }, {
        strides: c.strides,
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape: c.x,
      });
    const wasm = await runOn('wasm', run);
    const cpu = await runOn('cpu', run);
    expect(wasm.shapes).toEqual([c.x]);
    expect(relativeError(wasm.values[0], cpu.values[0])).toBeLessThan(1e-4);
  });
});
