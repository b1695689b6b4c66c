import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../backend';
import { TINY_CONFIG, fakeStats, randomInputs } from '../testing';
import { predictProba } from '../evaluation/predict';
import { buildModel, disposeModel } from '../network/build-model';
import { validateConfig } from '../network/config';
import { train } from '../training/train';
import { loadModel, saveModel } from './model-files';

// Tiny trainings take seconds, but more on a loaded 2-core CI machine than jest's 5 s default.
jest.setTimeout(60_000);

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'digitfuse-backends-'));
});
afterAll(async () => {
  await tf.setBackend('cpu');
  await fs.rm(dir, { recursive: true, force: true });
});

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('model files across backends', () => {
  it('saves on cpu, loads and re-saves on wasm, and keeps every weight bit-exact', async () => {
    await tf.setBackend('cpu');
    const config = validateConfig(TINY_CONFIG);
    const original = buildModel(config);
    const probe = randomInputs(6, 21, { labels: false });
    const pCpu = await predictProba(original, probe);
    const weights = original.getWeights().map((w) => w.dataSync().slice());
    await saveModel(path.join(dir, 'cpu'), original, { config, stats: fakeStats() });

    await selectBackend('wasm', () => undefined);
    const { model: onWasm } = await loadModel(path.join(dir, 'cpu'));
    const pWasm = await predictProba(onWasm, probe);
    expect(maxDiff(pWasm, pCpu)).toBeLessThan(1e-5);
    await saveModel(path.join(dir, 'wasm'), onWasm, { config, stats: fakeStats(), backend: 'wasm' });
    const { model: again } = await loadModel(path.join(dir, 'wasm'));
    expect(await predictProba(again, probe)).toEqual(pWasm);
    disposeModel(onWasm);
    disposeModel(again);

    await tf.setBackend('cpu');
    const { model: back, meta } = await loadModel(path.join(dir, 'wasm'));
    expect(meta.backend).toBe('wasm');
    back.getWeights().forEach((w, i) => expect(w.dataSync()).toEqual(weights[i]));
    expect(await predictProba(back, probe)).toEqual(pCpu);
    disposeModel(back);
    disposeModel(original);
  });

  it('trains reproducibly on wasm', async () => {
    await selectBackend('wasm', () => undefined);
    const data = { train: randomInputs(32, 1, { learnable: true }), val: randomInputs(16, 2, { learnable: true }) };
    const run = async () => {
      const model = buildModel(TINY_CONFIG);
      const r = await train(model, data, { epochs: 3, batchSize: 8, seed: 3, progress: 'silent' });
      const w = model.getWeights().map((t) => t.dataSync().slice());
      disposeModel(model);
      return { h: r.history.map((e) => [e.loss, e.acc, e.val_loss, e.val_acc]), w };
    };
    const a = await run();
    const b = await run();
    expect(b).toEqual(a);
    expect(a.h[2][0] as number).toBeLessThan(a.h[0][0] as number);
  });
});
