import * as tf from '@tensorflow/tfjs';
import { TINY_CONFIG } from '../testing';
import { buildModel, disposeModel } from '../network/build-model';
import { BENCH_CONFIGS, benchmarkConfig, modelFlops } from './benchmark';

// Tiny trainings take seconds, but more on a loaded 2-core CI machine than jest's 5 s default.
jest.setTimeout(60_000);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('benchmarkConfig()', () => {
  it('reports positive throughputs and releases its tensors', async () => {
    const before = tf.memory().numTensors;
    const r = await benchmarkConfig(TINY_CONFIG, { steps: 2, warmupSteps: 1, batchSize: 4, predictBatch: 8, predictReps: 1 });
    expect(r.train_samples_per_s).toBeGreaterThan(0);
    expect(r.predict_samples_per_s).toBeGreaterThan(r.train_samples_per_s / 100);
    expect(r.train_samples_per_cpu_s).toBeGreaterThan(0);
    expect(r.predict_samples_per_cpu_s).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('counts the FLOPs of the convolution and dense layers, input gradients only past the first layer of each branch', () => {
    const model = buildModel({ ...BENCH_CONFIGS.small, seed: 0 });
    try {
      // image: 28x28 3x3 1->16, 14x14 3x3 16->32, 7x7 3x3 32->64; audio: 39 x3 13->16, 19 x3 16->32, 9 x3 32->64; dense 64*9+64*4 -> 128 -> 10
      const image = [28 * 28 * 9 * 16, 14 * 14 * 9 * 16 * 32, 7 * 7 * 9 * 32 * 64];
      const audio = [39 * 3 * 13 * 16, 19 * 3 * 16 * 32, 9 * 3 * 32 * 64];
      const dense = [(64 * 9 + 64 * 4) * 128, 128 * 10];
      const macs = [...image, ...audio, ...dense].reduce((p, d) => p + d, 0);
      const firsts = image[0] + audio[0];
      expect(modelFlops(model)).toEqual({ predict: 2 * macs, train: 2 * (3 * macs - firsts) });
    } finally {
      disposeModel(model);
    }
  });

  it('benchmarks the configs of torch_bench.py', () => {
    expect(BENCH_CONFIGS.small.imageFilters).toEqual([16, 32, 64]);
    expect(BENCH_CONFIGS.paper.audioFilters).toEqual([64, 64, 128]);
  });
});
