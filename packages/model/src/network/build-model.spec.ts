import * as tf from '@tensorflow/tfjs';
import { TINY_CONFIG, randomInputs } from '../testing';
import { ConfigError } from '../errors';
import { buildModel } from './build-model';
import { computeEmbeddings, embeddingModel } from './embeddings';
import { inputTensors, rowRange } from './feed';

// Tiny trainings take seconds, but more on a loaded 2-core CI machine than jest's 5 s default.
jest.setTimeout(60_000);

/** Parameters of the two-branch CNN, counted by hand from the architecture. */
function expectedParams(img: number[], aud: number[], k: number, units: number, modality = 'both'): number {
  let total = 0;
  let features = 0;
  if (modality !== 'audio') {
    let cin = 1;
    let side = 28;
    for (const f of img) {
      total += (k * k * cin + 1) * f;
      cin = f;
      side = Math.floor(side / 2);
    }
    features += side * side * cin;
  }
  if (modality !== 'image') {
    let cin = 13;
    let len = 39;
    for (const f of aud) {
      total += (k * cin + 1) * f;
      cin = f;
      len = Math.floor(len / 2);
    }
    features += len * cin;
  }
  return total + (features + 1) * units + (units + 1) * 10;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('buildModel()', () => {
  it('builds the paper model with the expected inputs, output and parameter count', () => {
    const model = buildModel();
    expect(model.inputs.map((i) => i.shape)).toEqual([
      [null, 28, 28, 1],
      [null, 39, 13],
    ]);
    expect(model.outputs[0].shape).toEqual([null, 10]);
    // image 3*3*64 = 576 and audio 4*128 = 512 features
    expect(model.getLayer('image_embedding').outputShape).toEqual([null, 576]);
    expect(model.getLayer('audio_embedding').outputShape).toEqual([null, 512]);
    expect(model.countParams()).toBe(expectedParams([48, 128, 64], [64, 64, 128], 3, 128));
    model.dispose();
  });

  it.each(['image', 'audio'] as const)('builds the single-branch %s variant', (modality) => {
    const model = buildModel({ ...TINY_CONFIG, modality });
    expect(model.inputNames).toEqual([modality]);
    expect(model.countParams()).toBe(expectedParams([2, 3, 4], [2, 3, 4], 3, 8, modality));
    model.dispose();
  });

  it('predicts probabilities that sum to 1 and is seeded', () => {
    const a = buildModel({ ...TINY_CONFIG, kernelSize: 5 });
    const b = buildModel({ ...TINY_CONFIG, kernelSize: 5 });
    const c = buildModel({ ...TINY_CONFIG, kernelSize: 5, seed: 8 });
    expect(a.countParams()).toBe(expectedParams([2, 3, 4], [2, 3, 4], 5, 8));
    const xs = inputTensors(a, randomInputs(3), rowRange(0, 3));
    const [pa, pb, pc] = [a, b, c].map((m) => (m.predict(xs) as tf.Tensor).arraySync() as number[][]);
    for (const row of pa) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(pb).toEqual(pa);
    expect(pc).not.toEqual(pa);
    tf.dispose(xs);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('throws ConfigError on a bad config', () => {
    expect(() => buildModel({ dropout: 1.5 })).toThrow(new ConfigError('Expected `dropout` in [0, 1), found 1.5', 'dropout'));
  });
});

describe('embeddingModel()', () => {
  it('outputs the image, audio and fused embeddings', async () => {
    const model = buildModel(TINY_CONFIG);
    const emb = embeddingModel(model);
    expect(emb.outputs.map((o) => o.shape)).toEqual([
      [null, 3 * 3 * 4],
      [null, 4 * 4],
      [null, 8],
    ]);
    const e = await computeEmbeddings(model, randomInputs(5), 2);
    expect(e.image?.values.length).toBe(5 * 36);
    expect(e.audio?.dim).toBe(16);
    expect(e.fused?.values.length).toBe(5 * 8);
    expect(Array.from(e.fused?.values ?? []).every((v) => v >= 0)).toBe(true); // ReLU
    const audioOnly = await computeEmbeddings(buildModel({ ...TINY_CONFIG, modality: 'audio' }), randomInputs(2));
    expect(Object.keys(audioOnly)).toEqual(['audio', 'fused']);
  });
});
