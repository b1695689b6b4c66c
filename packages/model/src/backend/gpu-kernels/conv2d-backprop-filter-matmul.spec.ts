import * as tf from '@tensorflow/tfjs';
import { buildModel, disposeModel } from '../../network/build-model';
import { validateConfig } from '../../network/config';
import { inputTensors, oneHot, rowRange } from '../../network/feed';
import { randomInputs } from '../../testing';
import { installedLayers, installLayers } from '../kernel-layers';
import { relativeError, runOn, seededArray } from '../test-support';
import { conv2dBackpropFilterMatMul, rowsPerChunk } from './conv2d-backprop-filter-matmul';
import { gpuKernelLayer, installGpuKernels } from './gpu-kernel-layer';

// The GPU layer is built from kernels every backend has, so the pure-JS cpu backend checks it here
// against its own stock filter gradient (the webgpu run is packages/model/scripts/gpu-check.sh).

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly pad: Pad;
}

const COVERED: Case[] = [
  { x: [5, 28, 28, 1], filter: [3, 3, 1, 8], pad: 'same' }, // the image branch's first convolution
  { x: [4, 14, 14, 8], filter: [3, 3, 8, 6], pad: 'same' },
  { x: [6, 1, 39, 13], filter: [1, 3, 13, 8], pad: 'same' }, // conv1d as conv2d (the audio branch)
  { x: [3, 8, 8, 4], filter: [3, 3, 4, 6], pad: 'valid' },
  { x: [2, 11, 9, 3], filter: [5, 5, 3, 2], pad: 'same' },
  { x: [2, 6, 6, 2], filter: [3, 3, 2, 2], pad: 1 },
  { x: [2, 6, 7, 2], filter: [3, 3, 2, 3], pad: [[0, 0], [2, 0], [0, 1], [0, 0]] },
  { x: [5, 6, 6, 6], filter: [1, 1, 6, 7], pad: 'valid' }, // neither padding nor taps to cut
  { x: [4, 6, 6, 3], filter: [2, 2, 3, 4], pad: 'same' }, // even filter: padding only after
];

function describeCase(c: Case): string {
  return `x ${c.x.join('x')} filter ${c.filter.join('x')} pad ${JSON.stringify(c.pad)}`;
}

function inputsFor(c: Case, strides: [number, number] = [1, 1]): { x: tf.Tensor4D; dy: tf.Tensor4D; attrs: tf.NamedAttrMap } {
  const x = tf.tensor4d(seededArray(c.x.reduce((a, b) => a * b), 1), c.x);
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, strides, 1, c.pad as 'same');
  const dyShape: [number, number, number, number] = [c.x[0], info.outHeight, info.outWidth, c.filter[3]];
  const dy = tf.tensor4d(seededArray(dyShape.reduce((a, b) => a * b), 2), dyShape);
  return { x, dy, attrs: { strides, pad: c.pad as tf.NamedAttrMap['pad'], dataFormat: 'NHWC', dimRoundingMode: undefined as unknown as string, filterShape: c.filter } };
}

/** The kernel by name on cpu (whatever layers are installed there). */
function filterGrad(c: Case): tf.Tensor {
  const { x, dy, attrs } = inputsFor(c);
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
}

/** The matrix-product kernel called directly (null: it left the case to the kernel beneath). */
function direct(c: Case, target: number, strides: [number, number] = [1, 1]): tf.Tensor | null {
  const { x, dy, attrs } = inputsFor(c, strides);
  const out = conv2dBackpropFilterMatMul('cpu', { inputs: { x, dy }, backend: tf.backend(), attrs }, target);
  return out == null ? null : tf.engine().makeTensorFromTensorInfo(out);
}

describe('the GPU kernel layer: Conv2DBackpropFilter as a batched matrix product', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => installLayers('cpu', []));

  it.each(COVERED)('matches the stock filter gradient: %#', async (c) => {
    const stock = await runOn('cpu', () => filterGrad(c));
    installGpuKernels('cpu');
    const layered = await runOn('cpu', () => filterGrad(c));
    expect(layered.shapes).toEqual([c.filter]);
    expect(relativeError(layered.values[0], stock.values[0])).toBeLessThan(1e-5);
  });

  it.each(COVERED)('computes it itself, in one chunk or several, leaking nothing: %#', async (c) => {
    const stock = await runOn('cpu', () => filterGrad(c));
    const positions = c.x[1] * c.x[2];
    // One chunk (the whole batch), one batch row a chunk, and the default split.
    for (const target of [positions * c.x[0], 1, 2048]) {
      const mine = await runOn('cpu', () => {
        const out = direct(c, target);
        if (out == null) throw new Error(`not covered: ${describeCase(c)}`);
        return out;
      });
      expect(relativeError(mine.values[0], stock.values[0])).toBeLessThan(1e-5);
    }
  });

  it('leaves strided convolutions and channels-first data to the kernel beneath', async () => {
    const c: Case = { x: [2, 9, 9, 2], filter: [3, 3, 2, 3], pad: 'same' };
    await runOn('cpu', () => {
      expect(direct(c, 2048, [2, 2])).toBeNull();
      const { x, dy, attrs } = inputsFor(c);
      expect(conv2dBackpropFilterMatMul('cpu', { inputs: { x, dy }, backend: tf.backend(), attrs: { ...attrs, dataFormat: 'NCHW' } })).toBeNull();
      return tf.scalar(0);
    });
    // Installed, a strided case still gives the stock result (through the kernel beneath).
    const strided = (): tf.Tensor => {
      const { x, dy, attrs } = inputsFor(c, [2, 2]);
      return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
    };
    const stock = await runOn('cpu', strided);
    installGpuKernels('cpu');
    expect((await runOn('cpu', strided)).values[0]).toEqual(stock.values[0]);
  });

  it('splits the batch into chunks of whole rows of about CHUNK_ROWS im2col rows', () => {
    expect(rowsPerChunk(256, 784)).toBe(2); // 28x28: 1,568 rows a chunk, 128 chunks
    expect(rowsPerChunk(256, 49)).toBe(32); // 7x7: 1,568 rows, 8 chunks
    expect(rowsPerChunk(256, 39)).toBe(32);
    expect(rowsPerChunk(131, 49)).toBe(1); // a prime last batch: one row a chunk
    expect(rowsPerChunk(4, 1, 2048)).toBe(4); // all of a small batch
    expect(rowsPerChunk(12, 100, 500)).toBe(4); // 5 wanted, 4 divides 12
    expect(rowsPerChunk(1, 784)).toBe(1);
  });

  it('gives the model the same gradients as the stock kernels (both branches, every weight)', async () => {
    const grads = async (): Promise<Float32Array[]> => {
      const model = buildModel(validateConfig({ fusion: 'concat', seed: 7, imageFilters: [4, 6, 8], audioFilters: [4, 6, 8], units: 16 }));
      try {
        const data = randomInputs(3, 9);
        const x = inputTensors(model, data, rowRange(0, 3));
        const y = tf.tensor2d(oneHot(data.labels as Int32Array, rowRange(0, 3)), [3, 10]);
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x.length === 1 ? x[0] : x) as tf.Tensor) as tf.Scalar, vars);
        const values = vars.map((v) => Float32Array.from(g[v.name].dataSync()));
        tf.dispose([value, ...Object.values(g), ...x, y]);
        return values;
      } finally {
        disposeModel(model);
      }
    };
    const stock = await grads();
    installGpuKernels('cpu');
    expect(installedLayers('cpu')).toEqual([gpuKernelLayer('cpu')]);
    const layered = await grads();
    expect(layered).toHaveLength(stock.length);
    layered.forEach((g, i) => expect(relativeError(g, stock[i])).toBeLessThan(1e-5));
  });
});
