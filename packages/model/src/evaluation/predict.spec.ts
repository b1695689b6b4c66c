import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES } from '@digitfuse/data';
import { randomInputs, TINY_CONFIG } from '../testing';
import { selectBackend } from '../backend';
import { buildModel, disposeModel } from '../network/build-model';
import { computeEmbeddings } from '../network/embeddings';
import { inputTensors, rowRange } from '../network/feed';
import { predictOutputs, predictProba } from './predict';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('predictOutputs()', () => {
  it('runs each chunk of `batchSize` rows through the network in one call, not in tfjs default batches of 32', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'concat' });
    const inputs = randomInputs(150, 3);
    const batchOf = jest.spyOn(model, 'predict');
    try {
      const probs = await predictProba(model, inputs, 100);
      expect(probs).toHaveLength(150 * NUM_CLASSES);
      // Chunks of 100 and 50 rows, each predicted as one batch of its own size.
      expect(batchOf.mock.calls.map(([, opts]) => opts?.batchSize)).toEqual([100, 100]);
      expect(batchOf.mock.calls.map(([xs]) => (xs as tf.Tensor[])[0].shape[0])).toEqual([100, 50]);
      // The same probabilities as one whole-set call of tfjs's own.
      const xs = inputTensors(model, inputs, rowRange(0, inputs.n));
      const whole = tf.tidy(() => (model.predict(xs, { batchSize: 150 }) as tf.Tensor).dataSync());
      tf.dispose(xs);
      expect(Array.from(probs).map((p, i) => Math.abs(p - whole[i])).reduce((a, b) => Math.max(a, b))).toBeLessThan(1e-5);
    } finally {
      batchOf.mockRestore();
      disposeModel(model);
    }
  });

  it('gives every row its probabilities whatever the batch size', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    const inputs = randomInputs(37, 5);
    try {
      const [a, b] = [await predictOutputs(model, inputs, 256), await predictOutputs(model, inputs, 8)];
      expect(a).toHaveLength(model.outputs.length);
      for (const [k, out] of a.entries()) {
        expect(out).toHaveLength(37 * NUM_CLASSES);
        for (let i = 0; i < out.length; i++) expect(b[k][i]).toBeCloseTo(out[i], 5);
      }
    } finally {
      disposeModel(model);
    }
  });
});

describe('computeEmbeddings()', () => {
  it('reads the embeddings without synchronous reads, which a GPU backend in Node cannot do', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'concat' });
    const dataSync = jest.spyOn(tf.Tensor.prototype, 'dataSync').mockImplementation(() => {
      throw new Error('synchronous read');
    });
    try {
      const emb = await computeEmbeddings(model, randomInputs(5, 3), 2);
      expect(emb.fused?.values).toHaveLength(5 * (emb.fused?.dim ?? 0));
      expect(dataSync).not.toHaveBeenCalled();
    } finally {
      dataSync.mockRestore();
      disposeModel(model);
    }
  });

  it('predicts each chunk in one call as well', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'concat' });
    const spy = jest.spyOn(tf.LayersModel.prototype, 'predict');
    try {
      const emb = await computeEmbeddings(model, randomInputs(70, 2), 64);
      expect(Object.keys(emb).length).toBeGreaterThan(0);
      expect(spy.mock.calls.map(([, opts]) => opts?.batchSize)).toEqual([64, 64]);
    } finally {
      spy.mockRestore();
      disposeModel(model);
    }
  });
});
