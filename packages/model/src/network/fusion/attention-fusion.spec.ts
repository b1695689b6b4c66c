import * as tf from '@tensorflow/tfjs';
import { createRng } from '@digitfuse/data';
import { randomInputs, saveAndReload, TINY_CONFIG, trainWithFlatMemory } from '../../testing';
import { selectBackend } from '../../backend';
import { predictOutputs } from '../../evaluation/predict';
import { fusionTrainingOptions, train } from '../../training/train';
import { buildModel, disposeModel } from '../build-model';
import { validateConfig } from '../config';
import { fusionLayer } from '../expert-fusion';
import { ATTENTION_FUSION, ATTENTION_HEADS, CrossModalAttention } from './attention-fusion';
import { fusionOf, fusionStrategy } from './fusions';
import { ROBUST_FUSION } from './robust-fusion';

jest.setTimeout(120_000);

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

const weightsOf = (m: tf.LayersModel, layer: string): Float32Array[] => m.getLayer(layer).getWeights().map((w) => w.dataSync() as Float32Array);

/** Multi-head attention of one query over a sequence, row by row in plain JS. */
function attentionByHand(q: number[], k: number[][], v: number[][], heads: number): number[] {
  const dh = q.length / heads;
  const out: number[] = [];
  for (let h = 0; h < heads; h++) {
    const cols = (row: number[]) => row.slice(h * dh, (h + 1) * dh);
    const scores = k.map((kt) => cols(kt).reduce((s, x, i) => s + x * cols(q)[i], 0) / Math.sqrt(dh));
    const m = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - m));
    const z = e.reduce((a, b) => a + b, 0);
    for (let i = 0; i < dh; i++) out.push(v.reduce((s, vt, t) => s + (e[t] / z) * cols(vt)[i], 0));
  }
  return out;
}

describe('CrossModalAttention', () => {
  it('computes multi-head scaled dot-product attention of the query over the frames', () => {
    const rng = createRng(5);
    const [batch, frames, d] = [3, 7, 8];
    const rand = (n: number) => Array.from({ length: n }, () => rng.next() * 2 - 1);
    const q = tf.tensor2d(rand(batch * d), [batch, d]);
    const k = tf.tensor3d(rand(batch * frames * d), [batch, frames, d]);
    const v = tf.tensor3d(rand(batch * frames * d), [batch, frames, d]);
    const layer = new CrossModalAttention({ numHeads: 4 });
    const out = layer.apply([q, k, v]) as tf.Tensor;
    expect(out.shape).toEqual([batch, d]);
    const [qa, ka, va, oa] = [q.arraySync(), k.arraySync(), v.arraySync(), out.arraySync()] as [number[][], number[][][], number[][][], number[][]];
    for (let b = 0; b < batch; b++) expect(oa[b]).toEqual(attentionByHand(qa[b], ka[b], va[b], 4).map((x) => expect.closeTo(x, 5)));
    tf.dispose([q, k, v, out]);
  });

  it('refuses a width that the heads do not divide', () => {
    const layer = new CrossModalAttention({ numHeads: 3 });
    expect(() => layer.apply([tf.input({ shape: [8] }), tf.input({ shape: [5, 8] }), tf.input({ shape: [5, 8] })])).toThrow('width 8 is not a multiple of 3 heads');
  });
});

describe('the attention fusion strategy', () => {
  const data = { train: randomInputs(48, 1, { learnable: true }), val: randomInputs(24, 2, { learnable: true }) };

  it('is registered, and is robust fusion with an attention head as the fused expert', () => {
    expect(fusionStrategy('attention')).toBe(ATTENTION_FUSION);
    for (const key of ['outputs', 'losses', 'experts', 'training'] as const) expect(ATTENTION_FUSION[key]).toEqual(ROBUST_FUSION[key]);
  });

  it('attends from the image embedding over the audio frames, with the parameters counted by hand', () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'attention' });
    // TINY: image 3x3x4 = 36 features; audio frames 39 -> 19 -> 9 of 4 channels, pooled to 4x4 = 16 features; 8 units.
    const [img, frames, channels, units, k] = [36, 9, 4, 8, 3];
    expect(model.getLayer('cross_attention').outputShape).toEqual([null, units]);
    expect(model.getLayer('attention_key').outputShape).toEqual([null, frames, units]);
    const convs = (k * k * 1 + 1) * 2 + (k * k * 2 + 1) * 3 + (k * k * 3 + 1) * 4 + (k * 13 + 1) * 2 + (k * 2 + 1) * 3 + (k * 3 + 1) * 4;
    const attention = (img + 1) * units + 2 * (channels + 1) * units + (units + 1) * units;
    // The fused head (dense + softmax), the image head (the image-only model's: dense + softmax), the audio head (softmax).
    const heads = (img + units + 1) * units + (units + 1) * 10 + (img + 1) * units + (units + 1) * 10 + (16 + 1) * 10;
    expect(model.countParams()).toBe(convs + attention + heads + 3); // + the product's three weights
    expect(ATTENTION_HEADS).toBe(4);
    disposeModel(model);
  });

  it('trains its attention by gradient descent (loss goes down), calibrates its experts and keeps memory flat', async () => {
    const config = validateConfig({ ...TINY_CONFIG, fusion: 'attention' });
    const model = buildModel(config);
    const before = ['attention_query', 'attention_key', 'attention_value', 'attention_output'].map((l) => weightsOf(model, l)[0]);
    const r = await trainWithFlatMemory(model, data, { epochs: 4, batchSize: 8, seed: 3, progress: 'silent', earlyStopping: false, ...fusionTrainingOptions(config) });
    expect(r.history[3].loss).toBeLessThan(r.history[0].loss);
    ['attention_query', 'attention_key', 'attention_value', 'attention_output'].forEach((l, i) => expect(weightsOf(model, l)[0]).not.toEqual(before[i]));
    expect(r.calibration).toBeDefined();
    expect(fusionLayer(model)?.getFusionWeights()).toEqual(r.calibration?.weights);
    disposeModel(model);
  });

  it('saves and loads with identical predictions, calibrated weights included', async () => {
    const config = validateConfig({ ...TINY_CONFIG, fusion: 'attention' });
    const model = buildModel(config);
    await train(model, data, { epochs: 1, batchSize: 8, progress: 'silent', ...fusionTrainingOptions(config) });
    const weights = fusionLayer(model)?.getFusionWeights();
    const before = await predictOutputs(model, data.val);
    const { model: loaded } = await saveAndReload(model, config);
    expect(fusionOf(loaded)).toBe(ATTENTION_FUSION);
    expect(loaded.getLayer('cross_attention')).toBeInstanceOf(CrossModalAttention);
    expect(fusionLayer(loaded)?.getFusionWeights()).toEqual(weights);
    expect((await predictOutputs(loaded, data.val)).map((o) => Array.from(o))).toEqual(before.map((o) => Array.from(o)));
    disposeModel(loaded);
  });
});
