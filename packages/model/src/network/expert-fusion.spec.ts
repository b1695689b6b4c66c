import * as tf from '@tensorflow/tfjs';
import { randomInputs, saveAndReload, TINY_CONFIG } from '../testing';
import { selectBackend } from '../backend';
import { predictOutputs, predictProba } from '../evaluation/predict';
import { buildModel, disposeModel } from './build-model';
import { validateConfig } from './config';
import { fusionLayer, INITIAL_FUSION_WEIGHTS } from './expert-fusion';
import { LAYER_NAMES } from './layer-names';

jest.setTimeout(60_000);

beforeAll(async () => {
  await selectBackend('cpu', () => undefined);
});

/** softmax(sum_k w_k log p_k) row by row, in plain JS. */
function product(heads: Float32Array[], w: number[]): Float32Array {
  const out = new Float32Array(heads[0].length);
  for (let r = 0; r < out.length / 10; r++) {
    const z = Array.from({ length: 10 }, (_, c) => heads.reduce((s, h, k) => s + w[k] * Math.log(Math.max(1e-7, h[r * 10 + c])), 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, c) => (out[r * 10 + c] = v / sum));
  }
  return out;
}

describe('robust fusion (ExpertFusion)', () => {
  const inputs = randomInputs(6, 3);

  it('outputs the product of experts, then the fused, image and audio heads; starts as the fused head alone', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    expect(model.outputNames).toHaveLength(4);
    expect(model.outputs.map((o) => o.shape)).toEqual([[null, 10], [null, 10], [null, 10], [null, 10]]);
    expect(model.layers.map((l) => l.name)).toEqual(expect.arrayContaining([LAYER_NAMES.fusedHead, LAYER_NAMES.imageHead, LAYER_NAMES.audioHead]));
    expect(fusionLayer(model)?.getFusionWeights()).toEqual(INITIAL_FUSION_WEIGHTS);
    const [fusedOut, fused, image, audio] = await predictOutputs(model, inputs);
    expect(Array.from(fusedOut)).toEqual(Array.from(fused).map((v) => expect.closeTo(v, 5)));
    expect(Array.from(await predictProba(model, inputs))).toEqual(Array.from(fusedOut));

    fusionLayer(model)?.setFusionWeights({ fused: 0.5, image: 1, audio: 0.25 });
    const [mixed] = await predictOutputs(model, inputs);
    const expected = product([fused, image, audio], [0.5, 1, 0.25]);
    expect(Array.from(mixed)).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 5)));
    disposeModel(model);
  });

  it('keeps calibrated weights through save and load', async () => {
    const config = validateConfig({ ...TINY_CONFIG, fusion: 'robust' });
    const model = buildModel(config);
    const weights = { fused: 0.25, image: 1.25, audio: 0.5 };
    fusionLayer(model)?.setFusionWeights(weights);
    const before = await predictProba(model, inputs);
    const { model: loaded, meta } = await saveAndReload(model, config);
    expect(meta.config.fusion).toBe('robust');
    expect(fusionLayer(loaded)?.getFusionWeights()).toEqual(weights);
    expect(Array.from(await predictProba(loaded, inputs))).toEqual(Array.from(before));
    disposeModel(loaded);
  });

  it('rejects a negative or non-finite weight, naming it', () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    const layer = fusionLayer(model);
    expect(() => layer?.setFusionWeights({ fused: 1, image: -1, audio: 0 })).toThrow('Expected fusion weight `image` to be a finite number >= 0, found -1');
    expect(() => layer?.setFusionWeights({ fused: 1, image: 0, audio: NaN })).toThrow('`audio`');
    disposeModel(model);
  });

  it('builds the paper model for concat fusion and single-branch models whatever the fusion', () => {
    const concat = buildModel(TINY_CONFIG);
    expect(concat.outputNames).toHaveLength(1);
    expect(fusionLayer(concat)).toBeNull();
    const image = buildModel({ ...TINY_CONFIG, modality: 'image', fusion: 'robust' });
    expect(image.outputNames).toHaveLength(1);
    expect(fusionLayer(image)).toBeNull();
    const tensors = tf.memory().numTensors;
    disposeModel(concat);
    disposeModel(image);
    expect(tf.memory().numTensors).toBeLessThan(tensors);
  });
});
