import { createRng, NUM_CLASSES } from '@digitfuse/data';
import { randomInputs, TINY_CONFIG, trainWithFlatMemory } from '../testing';
import { selectBackend } from '../backend';
import { buildModel, disposeModel } from '../network/build-model';
import { fusionLayer } from '../network/expert-fusion';
import { adaptAudioWeight, adaptFusion, adaptToTarget, adaptWeights, audioOnValidation, calibrateFusion, rowsFingerprint, chooseFusionWeights, confidentRows, fitTemperature, scoreProduct } from './calibrate';
import { train } from './train';
import { predictOutputs } from '../evaluation/predict';

const logOf = (p: Float32Array) => Float32Array.from(p, (v) => Math.log(Math.max(1e-7, v)));

jest.setTimeout(60_000);

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

/** Log-probabilities of an expert that puts `p` on the class `pick(i)` of row i and spreads the rest. */
function expert(labels: Int32Array, p: number, pick: (i: number) => number): Float32Array {
  const out = new Float32Array(labels.length * NUM_CLASSES).fill(Math.log((1 - p) / (NUM_CLASSES - 1)));
  labels.forEach((_, i) => (out[i * NUM_CLASSES + pick(i)] = Math.log(p)));
  return out;
}

const rng = createRng(3);
const labels = Int32Array.from({ length: 200 }, () => rng.int(NUM_CLASSES));
const right = (i: number) => labels[i];
const wrong = (i: number) => (labels[i] + 1) % NUM_CLASSES;

describe('scoreProduct()', () => {
  it('scores one expert alone and a product of experts', () => {
    const sure = expert(labels, 0.9, right);
    const one = scoreProduct([sure], [1], labels);
    expect(one.acc).toBe(1);
    expect(one.loss).toBeCloseTo(-Math.log(0.9), 6);
    // Two agreeing experts multiplied: more confident; a wrong one at weight 0 changes nothing.
    const both = scoreProduct([sure, sure, expert(labels, 0.99, wrong)], [1, 1, 0], labels);
    expect(both.acc).toBe(1);
    expect(both.loss).toBeLessThan(one.loss);
  });
});

describe('chooseFusionWeights()', () => {
  const image = expert(labels, 0.95, (i) => (i % 10 === 0 ? wrong(i) : right(i))); // 90% right
  const fused = expert(labels, 0.6, (i) => (i % 5 === 0 ? wrong(i) : right(i))); // 80% right
  it('leans on audio that stays right when shifted', () => {
    const audio = expert(labels, 0.9, right);
    const w = chooseFusionWeights([fused, image, audio], [fused, image, audio], labels, [0, 0.5, 1]);
    expect(w[2]).toBeGreaterThan(0);
    expect(scoreProduct([fused, image, audio], w, labels).acc).toBe(1);
  });

  it('keeps audio that is confidently wrong when shifted from pulling the product below the image head', () => {
    const audio = expert(labels, 0.9, right);
    const shiftedAudio = expert(labels, 0.99, (i) => (i % 2 === 0 ? wrong(i) : right(i)));
    const w = chooseFusionWeights([fused, image, audio], [fused, image, shiftedAudio], labels, [0, 0.25, 0.5, 1]);
    const imageAlone = scoreProduct([image], [1], labels).acc;
    expect(scoreProduct([fused, image, shiftedAudio], w, labels).acc).toBeGreaterThanOrEqual(imageAlone);
    // Calibrated on the clean view alone, audio would get more weight and fall below the image head when shifted.
    const naive = chooseFusionWeights([fused, image, audio], [fused, image, audio], labels, [0, 0.25, 0.5, 1]);
    expect(naive[2] / (naive[0] + naive[1])).toBeGreaterThan(w[2] / (w[0] + w[1]));
    expect(scoreProduct([fused, image, shiftedAudio], naive, labels).acc).toBeLessThan(imageAlone);
  });

  it('falls back to the most accurate weights on the shifted view when none keeps up with the image head', () => {
    const bad = expert(labels, 0.99, wrong);
    const shiftedImage = expert(labels, 0.99, right);
    // On the shifted view the image head is always right, but the product only when image dominates.
    const w = chooseFusionWeights([bad, bad, bad], [bad, shiftedImage, bad], labels, [0, 1]);
    expect(w).toEqual([0, 1, 0]);
  });

  it('rejects a grid without a positive weight or with a negative one, and views without three experts', () => {
    expect(() => chooseFusionWeights([fused, image, image], [fused, image, image], labels, [0])).toThrow('a weight above 0');
    expect(() => chooseFusionWeights([fused, image, image], [fused, image, image], labels, [-1, 1])).toThrow(
      'Expected the calibration grid to be finite weights >= 0, found [-1, 1]',
    );
    expect(() => chooseFusionWeights([image], [image], labels)).toThrow('Expected 3 experts (fused, image, audio) in the clean view, found 1');
  });
});

describe('temperature and target adaptation', () => {
  it('fits a lower temperature multiplier to a less reliable expert', () => {
    const all = Int32Array.from(labels, (_, i) => i);
    const reliable = fitTemperature(expert(labels, 0.9, right), all, labels);
    const shaky = fitTemperature(expert(labels, 0.9, (i) => (i % 2 ? right(i) : wrong(i))), all, labels);
    expect(reliable).toBeGreaterThan(shaky);
    expect(shaky).toBeGreaterThanOrEqual(0);
  });

  it('finds the rows where the image head is confident', () => {
    const sure = expert(labels, 0.995, right);
    const unsure = expert(labels, 0.5, right);
    const mixed = Float32Array.from(sure, (v, j) => (Math.floor(j / NUM_CLASSES) % 4 === 0 ? unsure[j] : v));
    expect(Array.from(confidentRows(mixed)).every((i) => i % 4 !== 0)).toBe(true);
    expect(confidentRows(mixed).length).toBe(150);
  });

  const fused = expert(labels, 0.9, right);
  const image = expert(labels, 0.995, (i) => (i % 20 === 0 ? wrong(i) : right(i)));
  const audio = expert(labels, 0.9, (i) => (i % 10 === 0 ? wrong(i) : right(i)));
  it('keeps the audio weight on target rows like the validation rows', () => {
    const a = adaptAudioWeight([fused, image, audio], labels, [fused, image, audio]);
    expect(a.audioScale).toBe(1);
    expect(a.confident).toBe(200);
    expect(a.audioAgreement).toBeCloseTo(a.audioValAccuracy, 1);
  });

  it('shrinks the audio weight when the target audio disagrees with confident images (an unseen speaker)', () => {
    const strangeAudio = expert(labels, 0.9, (i) => (i % 2 === 0 ? wrong(i) : right(i)));
    const a = adaptAudioWeight([fused, image, audio], labels, [fused, image, strangeAudio]);
    expect(a.audioAgreement).toBeLessThan(0.6);
    expect(a.audioScale).toBeLessThan(0.7);
    // The same, from what a saved model keeps of its validation rows.
    expect(adaptToTarget(audioOnValidation(audio, labels), [fused, image, strangeAudio])).toEqual(a);
  });

  it('adaptWeights() scales every audio-listening expert, hands the fused share to the image head, and never raises audio', () => {
    expect(adaptWeights([1, 0.5, 1], 1)).toEqual([1, 0.5, 1]);
    expect(adaptWeights([1, 0.5, 1], 0.5)).toEqual([0.5, 1, 0.5]);
    expect(adaptWeights([1, 0.5, 1], 0)).toEqual([0, 1.5, 0]);
    // A scale above 1 (a test voice that fits better than validation) must not give audio more say.
    expect(adaptWeights([1, 0.5, 1], 1.7)).toEqual([1, 0.5, 1]);
    expect(() => adaptWeights([1, 0.5, 1], NaN)).toThrow(RangeError);
  });
});

describe('calibrateFusion() and train() on a robust model', () => {
  const data = { train: randomInputs(48, 1, { learnable: true }), val: randomInputs(24, 2, { learnable: true }) };

  it('train() calibrates after training, sets the weights it reports, and is reproducible', async () => {
    const run = async () => {
      const model = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
      const result = await train(model, data, { epochs: 2, batchSize: 8, seed: 4, progress: 'silent', modalityDropout: true });
      const set = fusionLayer(model)?.getFusionWeights();
      disposeModel(model);
      return { result, set };
    };
    const a = await run();
    const c = a.result.calibration;
    expect(c).toBeDefined();
    expect(a.set).toEqual(c?.weights);
    expect(c?.n).toBe(24);
    for (const view of [c?.clean, c?.shifted]) {
      for (const k of ['fused', 'image', 'audio', 'product'] as const) {
        expect(view?.[k].acc).toBeGreaterThanOrEqual(0);
        expect(view?.[k].acc).toBeLessThanOrEqual(1);
        expect(Number.isFinite(view?.[k].loss)).toBe(true);
      }
    }
    const b = await run();
    expect(b.result.calibration).toEqual(c);
    expect(b.result.history).toEqual(a.result.history.map((h) => ({ ...h, seconds: expect.any(Number), samples_per_s: expect.any(Number) })));
  });

  it('keeps tensor memory flat; loss and val_loss are the sum of the heads\' losses, val_acc the output\'s accuracy', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    const result = await trainWithFlatMemory(model, data, { epochs: 3, batchSize: 8, progress: 'silent', modalityDropout: true, earlyStopping: false, calibrate: false });
    const [out, ...heads] = await predictOutputs(model, data.val);
    const labels = data.val.labels as Int32Array;
    const last = result.history[2];
    expect(last.val_loss).toBeCloseTo(heads.reduce((s, p) => s + scoreProduct([logOf(p)], [1], labels).loss, 0), 3);
    expect(last.val_acc).toBeCloseTo(scoreProduct([logOf(out)], [1], labels).acc, 6);
    // Three heads' cross-entropies start near 3 x ln 10.
    expect(result.history[0].loss).toBeGreaterThan(1.5 * Math.log(10));
    disposeModel(model);
  });

  it('keeps the weights with calibrate: false or without validation data', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    const none = await train(model, { train: data.train }, { epochs: 1, batchSize: 8, progress: 'silent' });
    expect(none.calibration).toBeUndefined();
    const off = await train(model, data, { epochs: 1, batchSize: 8, progress: 'silent', calibrate: false });
    expect(off.calibration).toBeUndefined();
    expect(fusionLayer(model)?.getFusionWeights()).toEqual({ fused: 1, image: 0, audio: 0 });
    disposeModel(model);
  });

  it('adapts to target rows when given them, and reports how', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    await train(model, data, { epochs: 2, batchSize: 8, progress: 'silent', calibrate: false });
    const target = { ...randomInputs(30, 9, { learnable: true }), labels: null };
    const c = await calibrateFusion(model, data.val, { target });
    expect(c.target?.n).toBe(30);
    expect(c.target?.audioScale).toBeGreaterThanOrEqual(0);
    expect(c.target?.audioScale).toBeLessThanOrEqual(1);
    expect(fusionLayer(model)?.getFusionWeights()).toEqual(c.weights);
    disposeModel(model);
  });

  it('adaptFusion() adapts a calibrated model to other rows as calibrating with them would have, and leaves it as it is on its own target rows', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    await train(model, data, { epochs: 2, batchSize: 8, progress: 'silent', calibrate: false });
    const own = { ...randomInputs(30, 9, { learnable: true }), labels: null };
    const other = { ...randomInputs(40, 11, { learnable: true }), labels: null };
    const c = await calibrateFusion(model, data.val, { target: own });
    expect(c.target?.rows).toBe(rowsFingerprint(own));
    expect(c.validation).toEqual({ weights: expect.any(Object), temperatureVal: expect.any(Number), audioValAccuracy: c.target?.audioValAccuracy });
    // Its own target rows: nothing to adapt again.
    expect(await adaptFusion(model, c, own)).toBeNull();
    expect(fusionLayer(model)?.getFusionWeights()).toEqual(c.weights);
    // Other rows: the weights and findings of a calibration with those rows as its target.
    const adapted = await adaptFusion(model, c, other);
    const weightsAfter = fusionLayer(model)?.getFusionWeights();
    const direct = await calibrateFusion(model, data.val, { target: other });
    expect(adapted).toEqual({ weights: direct.weights, target: direct.target });
    expect(weightsAfter).toEqual(direct.weights);
    expect(adapted?.target.rows).not.toBe(c.target?.rows);
    // A calibration saved before it recorded what adapting takes, or a model without experts: kept as they are.
    fusionLayer(model)?.setFusionWeights(c.weights);
    expect(await adaptFusion(model, { ...c, validation: undefined }, other)).toBeNull();
    expect(fusionLayer(model)?.getFusionWeights()).toEqual(c.weights);
    disposeModel(model);
    const plain = buildModel(TINY_CONFIG);
    expect(await adaptFusion(plain, c, other)).toBeNull();
    disposeModel(plain);
  });

  it('refuses a model without a product of experts', async () => {
    const model = buildModel(TINY_CONFIG);
    await expect(calibrateFusion(model, data.val)).rejects.toThrow("has no product-of-experts layer to calibrate (build it with fusion: 'robust')");
    disposeModel(model);
  });
});
