import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileWriteError } from '@digitfuse/core';
import { useFullDisk } from '@digitfuse/core/testing';
import { TINY_CONFIG, fakeStats, randomInputs } from '../testing';
import { selectBackend } from '../backend';
import { ModelFileError } from '../errors';
import { predictProba } from '../evaluation/predict';
import { buildModel } from '../network/build-model';
import { validateConfig } from '../network/config';
import { train } from '../training/train';
import { loadModel, readMeta, saveModel } from './model-files';

// Tiny trainings take seconds, but more on a loaded 2-core CI machine than jest's 5 s default.
jest.setTimeout(60_000);

let dir: string;
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'digitfuse-model-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('saveModel() / loadModel()', () => {
  it('round-trips weights, config, stats and history; the loaded model predicts exactly the same', async () => {
    const config = validateConfig({ ...TINY_CONFIG, modality: 'both' });
    const model = buildModel(config);
    const data = { train: randomInputs(32, 1, { learnable: true }) };
    const result = await train(model, data, { epochs: 1, batchSize: 16, progress: 'silent' });
    const stats = fakeStats();
    const out = path.join(dir, 'm1');
    await saveModel(out, model, { config, stats, history: result.history, bestEpoch: 0, backend: tf.getBackend() });
    expect((await fs.readdir(out)).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);

    const { model: loaded, meta } = await loadModel(out);
    const probe = randomInputs(7, 4, { labels: false });
    expect(await predictProba(loaded, probe)).toEqual(await predictProba(model, probe));
    expect(meta.config).toEqual(config);
    expect(meta.stats?.audioMean).toEqual(stats.audioMean);
    expect(meta.stats?.audioStd).toEqual(stats.audioStd);
    expect(meta.history).toEqual(result.history);
    expect(meta.backend).toBe('wasm');
    // The loaded model is compiled and can keep training.
    await train(loaded, data, { epochs: 1, batchSize: 16, progress: 'silent' });
    model.dispose();
    loaded.dispose();
  });

  it('overwrites an existing model directory', async () => {
    const out = path.join(dir, 'm2');
    const a = buildModel({ ...TINY_CONFIG, seed: 1 });
    const b = buildModel({ ...TINY_CONFIG, seed: 2 });
    await saveModel(out, a, { config: validateConfig({ ...TINY_CONFIG, seed: 1 }), stats: null });
    await saveModel(out, b, { config: validateConfig({ ...TINY_CONFIG, seed: 2 }), stats: null });
    const { model, meta } = await loadModel(out);
    expect(meta.config.seed).toBe(2);
    expect(model.getWeights()[0].dataSync()).toEqual(b.getWeights()[0].dataSync());
    expect((await fs.readdir(out)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('moves a complete save in, keeps other entries of the folder, and removes what a killed save left', async () => {
    const out = path.join(dir, 'm3');
    await fs.mkdir(path.join(out, 'member-1'), { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    await fs.mkdir(path.join(dir, `.m3.saving-${gone}`));
    await saveModel(out, buildModel(TINY_CONFIG), { config: validateConfig(TINY_CONFIG), stats: null });
    expect((await fs.readdir(out)).sort()).toEqual(['member-1', 'meta.json', 'model.json', 'weights.bin']);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('.m3'))).toEqual([]);
  });

  it('names the model folder in one typed error when a file is in the way of it, and leaves the file as it was', async () => {
    const file = path.join(dir, 'afile.txt');
    await fs.writeFile(file, 'keep me');
    const under = path.join(file, 'm');
    const save = saveModel(under, buildModel(TINY_CONFIG), { config: validateConfig(TINY_CONFIG), stats: null });
    await expect(save).rejects.toThrow(FileWriteError);
    await expect(saveModel(under, buildModel(TINY_CONFIG), { config: validateConfig(TINY_CONFIG), stats: null })).rejects.toThrow(
      `Cannot write the model to \`${under}\`: a file is in the way of one of its folders (ENOTDIR); it was left as it was`,
    );
    expect(await fs.readFile(file, 'utf8')).toBe('keep me');
  });

  describe('on a full disk', () => {
    const disk = useFullDisk(64);
    it('names the model file, keeps the earlier model whole and leaves no new folder', async () => {
      const root = disk();
      if (!root) return;
      const small = validateConfig({ ...TINY_CONFIG, seed: 1 });
      await saveModel(path.join(root, 'kept'), buildModel(small), { config: small, stats: null });
      const before = await fs.readFile(path.join(root, 'kept', 'weights.bin'));
      const big = validateConfig({ ...TINY_CONFIG, units: 512, seed: 2 });
      const fresh = path.join(root, 'trial-0007');
      await expect(saveModel(fresh, buildModel(big), { config: big, stats: null })).rejects.toThrow(
        `Cannot write \`${path.join(fresh, 'weights.bin')}\`: no space left on the device (ENOSPC)`,
      );
      await expect(saveModel(path.join(root, 'kept'), buildModel(big), { config: big, stats: null })).rejects.toThrow(FileWriteError);
      expect((await fs.readdir(root)).sort()).toEqual(['kept']);
      expect(await fs.readFile(path.join(root, 'kept', 'weights.bin'))).toEqual(before);
      expect((await loadModel(path.join(root, 'kept'))).meta.config.seed).toBe(1);
    });
  });

  it('names the missing or malformed file', async () => {
    const missing = path.join(dir, 'nope');
    await expect(loadModel(missing)).rejects.toThrow(ModelFileError);
    await expect(loadModel(missing)).rejects.toThrow(`Expected \`${path.join(missing, 'meta.json')}\` to be the model's metadata (JSON), found no such file`);
    const bad = path.join(dir, 'bad');
    await fs.mkdir(bad);
    await fs.writeFile(path.join(bad, 'meta.json'), JSON.stringify({ config: { dropout: 2 } }));
    await expect(loadModel(bad)).rejects.toThrow('Bad config in');
    await fs.writeFile(path.join(bad, 'meta.json'), JSON.stringify({ config: {}, stats: { imageScale: 255, audioMean: [1], audioStd: [1] } }));
    await expect(loadModel(bad)).rejects.toThrow(`Expected \`${path.join(bad, 'meta.json')} (stats)\` field \`audioStd\` to be 507 finite numbers`);
    await fs.writeFile(path.join(bad, 'meta.json'), JSON.stringify({ config: {} }));
    await expect(loadModel(bad)).rejects.toThrow(`Expected \`${path.join(bad, 'model.json')}\` to be the model's topology (JSON), found no such file`);
    await fs.writeFile(path.join(bad, 'meta.json'), 'null');
    await expect(loadModel(bad)).rejects.toThrow(`Expected \`${path.join(bad, 'meta.json')}\` to be the model's metadata (a JSON object), found null`);
  });
});

describe('meta.json epochs', () => {
  const config = validateConfig(TINY_CONFIG);
  const logs = (epoch: number) => ({ epoch, loss: 2 - epoch / 10, acc: 0.1 + epoch / 10, val_loss: 2.1, val_acc: 0.1, seconds: 1, samples_per_s: 100 });
  const readJson = async (file: string) => JSON.parse(await fs.readFile(file, 'utf8')) as { version: number; bestEpoch: number; history: { epoch: number }[] };

  it('writes them counted from 1, as the log lines show them (version 2), and reads them back as code counts them (from 0)', async () => {
    const out = path.join(dir, 'epochs-v2');
    // Three epochs, early stopping kept the second: the log said `best epoch 2/3`.
    await saveModel(out, buildModel(config), { config, stats: null, history: [logs(0), logs(1), logs(2)], bestEpoch: 1 });
    const raw = await readJson(path.join(out, 'meta.json'));
    expect({ version: raw.version, bestEpoch: raw.bestEpoch, epochs: raw.history.map((h) => h.epoch) }).toEqual({ version: 2, bestEpoch: 2, epochs: [1, 2, 3] });
    const meta = await readMeta(out);
    expect({ bestEpoch: meta.bestEpoch, history: meta.history }).toEqual({ bestEpoch: 1, history: [logs(0), logs(1), logs(2)] });
  });

  it('reads a meta.json an older digitfuse wrote (version 1 or none, epochs counted from 0) as it did', async () => {
    const out = path.join(dir, 'epochs-v1');
    await saveModel(out, buildModel(config), { config, stats: null });
    const file = path.join(out, 'meta.json');
    const old = { ...(await readJson(file)), version: 1, bestEpoch: 1, history: [logs(0), logs(1), logs(2)] };
    for (const written of [old, { ...old, version: undefined }]) {
      await fs.writeFile(file, JSON.stringify(written, null, 2));
      const meta = await readMeta(out);
      expect({ bestEpoch: meta.bestEpoch, history: meta.history }).toEqual({ bestEpoch: 1, history: [logs(0), logs(1), logs(2)] });
      const { model } = await loadModel(out);
      model.dispose();
    }
    // A version it does not know is refused, not read with the wrong count.
    await fs.writeFile(file, JSON.stringify({ ...old, version: 3 }));
    await expect(readMeta(out)).rejects.toThrow(new ModelFileError(`Expected \`version\` in \`${file}\` to be 1 or 2, found 3 (a model saved by a newer digitfuse?)`, file));
  });
});

describe('loadModel() on tampered model files', () => {
  let good: string;
  beforeAll(async () => {
    const config = validateConfig({ ...TINY_CONFIG, modality: 'image' });
    good = path.join(dir, 'tamper-source');
    await saveModel(good, buildModel(config), { config, stats: fakeStats() });
  });

  /** A copy of the good model whose model.json went through `edit`. */
  async function tampered(name: string, edit: (json: tf.io.ModelJSON) => unknown): Promise<string> {
    const out = path.join(dir, name);
    await fs.cp(good, out, { recursive: true });
    const file = path.join(out, 'model.json');
    const edited = edit(JSON.parse(await fs.readFile(file, 'utf8')) as tf.io.ModelJSON);
    await fs.writeFile(file, typeof edited === 'string' ? edited : JSON.stringify(edited));
    return out;
  }

  it('reads a meta.json and a model.json that begin with a UTF-8 byte-order mark (as Windows editors save them)', async () => {
    const out = path.join(dir, 'bom');
    await fs.cp(good, out, { recursive: true });
    for (const name of ['meta.json', 'model.json']) {
      const file = path.join(out, name);
      await fs.writeFile(file, `\uFEFF${await fs.readFile(file, 'utf8')}`);
      expect((await fs.readFile(file)).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    }
    const { model, meta } = await loadModel(out);
    const { model: original } = await loadModel(good);
    expect(meta.config.modality).toBe('image');
    expect(meta.stats?.imageScale).toBe(255);
    const probe = randomInputs(3, 5, { labels: false });
    expect(await predictProba(model, probe)).toEqual(await predictProba(original, probe));
    model.dispose();
    original.dispose();
  });

  it.each(['meta.json', 'model.json', 'weights.bin'])('names a %s that cannot be read (a folder in its place: EISDIR) in one line, saying what stands there', async (name) => {
    const out = path.join(dir, `unreadable-${name}`);
    await fs.cp(good, out, { recursive: true });
    await fs.rm(path.join(out, name));
    await fs.mkdir(path.join(out, name));
    const file = path.join(out, name);
    const expected = {
      'meta.json': `Expected \`${file}\` to be the model's metadata (JSON), found a folder`,
      'model.json': `Expected \`${file}\` to be the model's topology (JSON), found a folder`,
      'weights.bin': `Expected the weights file \`${file}\` named in \`${path.join(out, 'model.json')}\` to be a file it can read, found a folder`,
    }[name];
    const load = loadModel(out);
    await expect(load).rejects.toThrow(ModelFileError);
    await expect(loadModel(out)).rejects.toThrow(new ModelFileError(expected!, file));
  });

  it('keeps every weights path inside the model folder', async () => {
    await fs.mkdir(path.join(dir, 'outside'), { recursive: true });
    await fs.copyFile(path.join(good, 'weights.bin'), path.join(dir, 'outside', 'w.bin'));
    for (const p of ['../outside/w.bin', '../../../../../etc/passwd', '/etc/passwd']) {
      const m = await tampered('escape', (j) => ({ ...j, weightsManifest: [{ ...j.weightsManifest[0], paths: [p] }] }));
      await expect(loadModel(m)).rejects.toThrow(new ModelFileError(`Expected the weights paths in \`${path.join(m, 'model.json')}\` to stay inside the model folder, found \`${p}\``, ''));
    }
  });

  it('checks the sizes the shapes promise against the files before allocating', async () => {
    const huge = await tampered('huge', (j) => {
      const weights = j.weightsManifest[0].weights.map((w, i) => (i === 0 ? { ...w, shape: [1e6, 1e6] } : w));
      return { ...j, weightsManifest: [{ ...j.weightsManifest[0], weights }] };
    });
    await expect(loadModel(huge)).rejects.toThrow(/^Expected \d+(\.\d+)?(e\+\d+)? bytes of weights \(the shapes in `.*model\.json`\), found \d+ in `weights\.bin`$/);
    const badShape = await tampered('bad-shape', (j) => {
      const weights = j.weightsManifest[0].weights.map((w, i) => (i === 0 ? { ...w, shape: [-3, 2] } : w));
      return { ...j, weightsManifest: [{ ...j.weightsManifest[0], weights }] };
    });
    await expect(loadModel(badShape)).rejects.toThrow(/to have a shape of whole numbers >= 0, found \[-3,2\]/);
  });

  it('names model.json when it is not JSON or not a model tfjs can build', async () => {
    const garbage = await tampered('garbage', () => 'not json {');
    await expect(loadModel(garbage)).rejects.toThrow(ModelFileError);
    await expect(loadModel(garbage)).rejects.toThrow(/^Expected `.*garbage\/model\.json` to be the model's topology \(JSON\), found text that is not JSON \(/);
    const strange = await tampered('strange', (j) => ({ ...j, modelTopology: { class_name: 'Nonsense', config: {} } }));
    await expect(loadModel(strange)).rejects.toThrow(/^Cannot build the model in `.*strange\/model\.json`: /);
  });
});
