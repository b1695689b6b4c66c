import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { randomInputs, TINY_CONFIG } from '../../testing';
import { BENCH_CONFIGS } from '../../bench/benchmark';
import { predictOutputs } from '../../evaluation/predict';
import { fusionTrainingOptions, train } from '../../training/train';
import { buildModel, disposeModel } from '../build-model';
import { validateConfig, type ModelConfig } from '../config';

// Training on the pure-JS cpu backend (the same on every machine) takes a few seconds.
jest.setTimeout(120_000);

/** First 16 hex digits of the SHA-256 of the arrays' bytes: equal only when they are bit-identical. */
function checksum(arrays: readonly Float32Array[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 16);
}
const weightsChecksum = (m: tf.LayersModel): string => checksum(m.getWeights().map((w) => w.dataSync() as Float32Array));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Recorded with the code before fusion strategies existed (commit d359586, `fusion: 'concat' | 'robust'`
// in build-model.ts): the same seed must still give bit-identical models and training. Robust fusion's
// rows were recorded again when its image head got the image-only model's dense + dropout layers
// (2026-12-05, packages/model/ROBUSTNESS.md), the one change of its model since.
const CONFIGS: Record<string, Partial<ModelConfig>> = { tiny: TINY_CONFIG, small: { ...BENCH_CONFIGS.small, seed: 42 }, paper: {} };
const INITIAL = [
  ['tiny', 'concat', 844, 'c72ac41c676d3bb0'],
  ['tiny', 'robust', 1403, 'd79acd221e3ff753'],
  ['small', 'concat', 139626, '84532024c5957f49'],
  ['small', 'robust', 217345, 'd92869c3d8c99f34'],
  ['paper', 'concat', 309994, '30d9f97079d92f4b'],
  ['paper', 'robust', 390273, '0a97c5396c454d73'],
] as const;
// Per fusion after two epochs: the weights' and the predictions' checksums, [loss, val_loss, acc, val_acc] per epoch, the calibrated weights.
const TRAINED = [
  ['concat', '3bb6226e1f9ba5f4', '6b378f955a48cdfa', [[2.413130442301432, 2.4110735576147544, 0.125, 0.041666666666666664], [2.220902442932129, 2.310914376355728, 0.14583333333333334, 0.08333333333333333]], undefined],
  ['robust', '929e46204b31769f', '7fdc8a576fab6ef1', [[7.067806879679362, 6.9851303211439415, 0.1875, 0.16666666666666666], [6.609327952067058, 6.832245080208871, 0.3125, 0.20833333333333334]], { fused: 0.25, image: 1.5, audio: 0 }],
] as const;

describe('buildModel() with concat and robust fusion, as before fusion strategies', () => {
  it.each(INITIAL)('%s config, %s fusion: %d parameters, initial weights %s', (config, fusion, params, sum) => {
    const model = buildModel({ ...CONFIGS[config], fusion });
    expect(model.countParams()).toBe(params);
    expect(weightsChecksum(model)).toBe(sum);
    disposeModel(model);
  });
});

describe('train() with concat and robust fusion, as before fusion strategies', () => {
  const data = { train: randomInputs(48, 1, { learnable: true }), val: randomInputs(24, 2, { learnable: true }) };
  const target = randomInputs(30, 9, { learnable: true });

  it.each(TRAINED)('%s: bit-identical weights, history, calibration and predictions', async (fusion, weights, predictions, history, calibration) => {
    const config = validateConfig({ ...TINY_CONFIG, fusion });
    const model = buildModel(config);
    const r = await train(model, data, { epochs: 2, batchSize: 8, seed: 4, progress: 'silent', ...fusionTrainingOptions(config, target) });
    expect(weightsChecksum(model)).toBe(weights);
    expect(r.history.map((h) => [h.loss, h.val_loss, h.acc, h.val_acc])).toEqual(history);
    expect(r.calibration?.weights).toEqual(calibration);
    expect(checksum(await predictOutputs(model, data.val))).toBe(predictions);
    disposeModel(model);
  });
});
