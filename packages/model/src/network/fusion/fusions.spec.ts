import * as tf from '@tensorflow/tfjs';
import { randomInputs, saveAndReload, TINY_CONFIG, trainWithFlatMemory } from '../../testing';
import { selectBackend } from '../../backend';
import { ConfigError } from '../../errors';
import { predictNamed, predictOutputs } from '../../evaluation/predict';
import { fusionTrainingOptions } from '../../training/train';
import { buildModel, disposeModel } from '../build-model';
import { validateConfig } from '../config';
import { fusionLayer } from '../expert-fusion';
import { OUTPUT_LAYERS, outputIndex, SINGLE_HEAD } from './fusion-strategy';
import { FUSIONS, fusionOf, fusionStrategy, outputSpec } from './fusions';

// Tiny trainings take seconds, but more on a loaded 2-core CI machine than jest's 5 s default.
jest.setTimeout(120_000);

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

const weightsOf = (m: tf.LayersModel): Float32Array[] => m.getWeights().map((w) => w.dataSync() as Float32Array);

describe('fusionStrategy()', () => {
  it('finds every registered strategy by its name, in name order', () => {
    expect(FUSIONS).toEqual(expect.arrayContaining(['concat', 'robust']));
    expect([...FUSIONS]).toEqual([...FUSIONS].sort());
    for (const name of FUSIONS) expect(fusionStrategy(name).name).toBe(name);
  });

  it('throws a ConfigError naming the registered fusions otherwise', () => {
    const run = () => fusionStrategy('late');
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(`Unsupported fusion "late": expected one of ${FUSIONS.join(', ')}`);
    expect(() => buildModel({ ...TINY_CONFIG, fusion: 'late' as never })).toThrow(ConfigError);
  });

  it('gives the training options of a strategy, calibration to target rows when it has experts', () => {
    const target = randomInputs(3, 4);
    for (const name of FUSIONS) {
      const s = fusionStrategy(name);
      const options = fusionTrainingOptions(validateConfig({ fusion: name }), target);
      expect(options.modalityDropout).toEqual(s.training.modalityDropout);
      expect(options.calibrate !== undefined).toBe(s.experts);
      expect(fusionTrainingOptions(validateConfig({ fusion: name, modality: 'image' }), target)).toEqual({});
    }
  });
});

describe('outputIndex() and outputSpec()', () => {
  it('find outputs by name, and say which a model lacks', () => {
    const robust = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    expect(outputIndex(robust, 'prediction')).toBe(0);
    expect(outputIndex(robust, 'audio')).toBe(robust.outputNames.indexOf('audio_head'));
    const image = buildModel({ ...TINY_CONFIG, modality: 'image', fusion: 'robust' });
    expect(() => outputIndex(image, 'audio')).toThrow('has no `audio` output (layer `audio_head`); its outputs are probabilities');
    expect(fusionOf(image)).toBeNull();
    expect(outputSpec(image)).toEqual(SINGLE_HEAD);
    [robust, image].forEach(disposeModel);
  });

  it('read a model saved before strategies were recorded from its output layers', () => {
    const robust = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    const concat = buildModel({ ...TINY_CONFIG, fusion: 'concat' });
    for (const m of [robust, concat]) m.setUserDefinedMetadata({});
    expect(fusionOf(robust)).toBeNull();
    expect(outputSpec(robust)).toEqual({ outputs: ['prediction', 'fused', 'image', 'audio'], losses: ['fused', 'image', 'audio'], experts: true });
    expect(outputSpec(concat)).toEqual(SINGLE_HEAD);
    [robust, concat].forEach(disposeModel);
  });
});

describe.each(FUSIONS)('the %s fusion strategy', (name) => {
  const strategy = fusionStrategy(name);
  const inputs = randomInputs(6, 3);

  it('builds the outputs it declares, by name, records itself, and is seeded', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: name });
    expect(model.outputNames).toEqual(strategy.outputs.map((o) => OUTPUT_LAYERS[o]));
    expect(model.outputs.map((o) => o.shape)).toEqual(strategy.outputs.map(() => [null, 10]));
    expect(strategy.outputs).toContain('prediction');
    for (const l of strategy.losses) expect(strategy.outputs).toContain(l);
    expect(fusionLayer(model) !== null).toBe(strategy.experts);
    expect(fusionOf(model)).toBe(strategy);
    const named = await predictNamed(model, inputs);
    expect(Object.keys(named).sort()).toEqual([...strategy.outputs].sort());
    const p = named.prediction as Float32Array;
    for (let r = 0; r < inputs.n; r++) expect(p.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    const same = buildModel({ ...TINY_CONFIG, fusion: name });
    const other = buildModel({ ...TINY_CONFIG, fusion: name, seed: 8 });
    weightsOf(same).forEach((w, i) => expect(w).toEqual(weightsOf(model)[i]));
    expect(weightsOf(other)).not.toEqual(weightsOf(model));
    [model, same, other].forEach(disposeModel);
  });

  it('saves and loads with identical predictions and its strategy', async () => {
    const config = validateConfig({ ...TINY_CONFIG, fusion: name });
    const model = buildModel(config);
    const before = await predictOutputs(model, inputs);
    const { model: loaded } = await saveAndReload(model, config);
    expect(fusionOf(loaded)?.name).toBe(name);
    expect((await predictOutputs(loaded, inputs)).map((o) => Array.from(o))).toEqual(before.map((o) => Array.from(o)));
    disposeModel(loaded);
  });

  it('lowers its loss over a few epochs with its training options, keeping tensor memory flat', async () => {
    const data = { train: randomInputs(32, 1, { learnable: true }), val: randomInputs(16, 2, { learnable: true }) };
    const config = validateConfig({ ...TINY_CONFIG, fusion: name });
    const model = buildModel(config);
    const result = await trainWithFlatMemory(model, data, { epochs: 4, batchSize: 8, progress: 'silent', earlyStopping: false, ...fusionTrainingOptions(config) });
    const h = result.history;
    expect(h[3].loss).toBeLessThan(h[0].loss);
    expect(result.calibration !== undefined).toBe(strategy.experts);
    disposeModel(model);
  });
});
