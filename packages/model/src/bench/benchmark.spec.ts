import * as tf from '@tensorflow/tfjs';
import { TINY_CONFIG } from '../testing';
import { BENCH_CONFIGS, benchmarkConfig } from './benchmark';

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
    expect(tf.memory().numTensors).toBe(before);
  });

  it('benchmarks the configs of torch_bench.py', () => {
    expect(BENCH_CONFIGS.small.imageFilters).toEqual([16, 32, 64]);
    expect(BENCH_CONFIGS.paper.audioFilters).toEqual([64, 64, 128]);
  });
});
