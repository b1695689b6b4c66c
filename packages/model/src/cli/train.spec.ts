import * as tf from '@tensorflow/tfjs';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runScript } from '@digitfuse/core/testing';
import { writeNpy } from '@digitfuse/data';
import { randomInputs } from '../testing';
import { loadModel, readMeta } from '../io/model-files';
import { UsageError } from '@digitfuse/core';
import { main, type TrainMetrics } from './train';

// Tiny trainings take seconds, but more on a loaded 2-core CI machine than jest's 5 s default.
jest.setTimeout(60_000);

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'digitfuse-train-cli-'));
  // A tiny competition folder: images 0..255, audio in [0,1], labels CSV.
  const n = 30;
  const rows = randomInputs(n, 11, { learnable: true });
  writeNpy(path.join(dir, 'x_train_wr.npy'), rows.images.map((v) => Math.round(v * 255)), [n, 784]);
  writeNpy(path.join(dir, 'x_train_sp.npy'), rows.audio.map((v) => 1 / (1 + Math.exp(-v))), [n, 507]);
  const labels = Array.from(rows.labels ?? [], (l, i) => `${i},${l}`);
  await fs.writeFile(path.join(dir, 'y_train.csv'), `row_id,label\n${labels.join('\n')}\n`);
  const test = randomInputs(10, 12, { learnable: true });
  writeNpy(path.join(dir, 'x_test_wr.npy'), test.images.map((v) => Math.round(v * 255)), [10, 784]);
  writeNpy(path.join(dir, 'x_test_sp.npy'), test.audio.map((v) => 1 / (1 + Math.exp(-v))), [10, 507]);
  await fs.writeFile(path.join(dir, 'y_test.csv'), `row_id,label\n${Array.from(test.labels ?? [], (l, i) => `${i},${l}`).join('\n')}\n`);
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterAll(async () => {
  jest.restoreAllMocks();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('model:train main()', () => {
  it('trains, saves the model and writes metrics.json', async () => {
    const out = path.join(dir, 'model');
    const flags = ['--data', dir, '--cache-dir', path.join(dir, 'cache'), '--out', out, '--backend', 'wasm', '--epochs', '2'];
    const tiny = ['--image-filters', '2,2,2', '--audio-filters', '2,2,2', '--units', '4', '--batch-size', '8', '--val-fraction', '0.3', '--progress', 'silent'];
    const log = jest.spyOn(console, 'log');
    log.mockClear();
    const metrics = await main([...flags, ...tiny]);
    const onDisk = JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8')) as TrainMetrics;
    // Epochs counted from 1 in metrics.json and meta.json, as the line says them (`best epoch 2/2`).
    const best = Number(/best epoch (\d+)\/2;/.exec(String(log.mock.calls[0][0]))?.[1]);
    const rawMeta = JSON.parse(await fs.readFile(path.join(out, 'meta.json'), 'utf8')) as TrainMetrics;
    expect([onDisk.bestEpoch, rawMeta.bestEpoch, onDisk.history.map((h) => h.epoch), rawMeta.history.map((h) => h.epoch)]).toEqual([best, best, [1, 2], [1, 2]]);
    expect(best).toBeGreaterThanOrEqual(1);
    expect(onDisk.config).toEqual(metrics.config);
    expect(metrics.config.imageFilters).toEqual([2, 2, 2]);
    expect(metrics.backend).toMatch(/^wasm \(/); // as the `backend:` line names it (see the spawned spec)
    expect(metrics.history).toHaveLength(2);
    expect(metrics.data.nTrain + metrics.data.nVal).toBe(30);
    expect(metrics.validation?.confusion.flat().reduce((a, b) => a + b, 0)).toBe(metrics.data.nVal);
    expect(metrics.test?.n).toBe(10); // y_test.csv is there, so the test rows are scored too
    expect(metrics.test?.confusion.flat().reduce((a, b) => a + b, 0)).toBe(10);
    const { model, meta } = await loadModel(out);
    expect(meta.config).toEqual(metrics.config);
    // How it was trained, beside the config: its rows, most epochs, batch size and shuffling seed (the default 42).
    expect(meta.training).toEqual({ rows: metrics.data.nTrain, validationRows: metrics.data.nVal, epochs: 2, batchSize: 8, seed: 42 });
    expect(meta.stats?.imageScale).toBe(255);
    expect(model.countParams()).toBeGreaterThan(0);
    model.dispose();
    expect(tf.getBackend()).toBe('wasm');
  });

  it.each([
    [['--batch-size', '0'], 'Expected --batch-size to be an integer from 1 to 65536, found 0'],
    [['--epochs', '2.5'], 'Expected --epochs to be an integer from 1 to 1000, found 2.5'],
    [['--seed', '1.5'], 'Expected --seed to be an integer from 0 to 2147483647, found 1.5'],
    [['--patience', '-1'], 'Expected --patience to be a non-negative integer, found -1'],
    [['--val-fraction', '1'], 'Expected --val-fraction to be above 0 and below 1, found 1'],
    [['--val-fraction', '0'], 'Expected --val-fraction to be above 0 and below 1, found 0'],
  ])('refuses %j before reading the data, with a usage error naming the flag', async (flags, message) => {
    await expect(main(['--data', path.join(dir, 'absent'), '--out', path.join(dir, 'never'), ...flags])).rejects.toThrow(message);
    expect(existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it('rejects a bad config flag with a usage error naming the flag as typed', async () => {
    await expect(main(['--data', dir, '--out', path.join(dir, 'x'), '--dropout', '1.5'])).rejects.toThrow(UsageError);
    await expect(main(['--data', dir, '--out', path.join(dir, 'x'), '--dropout', '1.5'])).rejects.toThrow('Expected --dropout in [0, 1), found 1.5');
    await expect(main(['--data', dir, '--out', path.join(dir, 'x'), '--image-filters', '4,a'])).rejects.toThrow(
      "Expected --image-filters to be comma-separated integers like 48,128,64, found '4,a'",
    );
  });

  it("takes the model config in a file's `config` field (a run's search/best.json, a model's meta.json), flags still over it", async () => {
    // A run's best.json was refused: "Unknown model config field `number`".
    const best = path.join(dir, 'best.json');
    const config = { imageFilters: [2, 3, 2], audioFilters: [2, 2, 3], kernelSize: 3, units: 5, dropout: 0.1, learningRate: 0.002, modality: 'both', fusion: 'concat', seed: 9 };
    await fs.writeFile(best, JSON.stringify({ number: 4, value: 0.97, params: { img_filters_1: 2, units: 5 }, config }));
    const out = path.join(dir, 'from-best');
    const metrics = await main(['--data', dir, '--out', out, '--config', best, '--units', '6', '--epochs', '1', '--batch-size', '8', '--backend', 'wasm', '--progress', 'silent']);
    expect(metrics.config).toEqual({ ...config, units: 6 });
    // The model the file's config came from trains again from its meta.json.
    const again = await main(['--data', dir, '--out', path.join(dir, 'from-meta'), '--config', path.join(out, 'meta.json'), '--epochs', '1', '--batch-size', '8', '--backend', 'wasm', '--progress', 'silent']);
    expect(again.config).toEqual(metrics.config);
  });

  it('names the --config file when a value in it is bad (a file problem, not a flag)', async () => {
    const config = path.join(dir, 'bad-config.json');
    await fs.writeFile(config, JSON.stringify({ kernelSize: 0 }));
    const run = main(['--data', dir, '--out', path.join(dir, 'x'), '--config', config]);
    await expect(run).rejects.toThrow(`Bad model config \`${config}\`: Expected \`kernelSize\` to be an integer in [1, 9], found 0`);
    await fs.writeFile(config, 'null');
    await expect(main(['--data', dir, '--out', path.join(dir, 'x'), '--config', config])).rejects.toThrow(
      `Expected model config \`${config}\` to hold a JSON object of config fields, found null`,
    );
    const absent = path.join(dir, 'absent.json');
    await expect(main(['--data', dir, '--out', path.join(dir, 'x'), '--config', absent])).rejects.toThrow(`Expected \`--config ${absent}\` to be a JSON file of model config fields, found no such file`);
    await expect(main(['--data', dir, '--out', path.join(dir, 'x'), '--config', dir])).rejects.toThrow(`Expected \`--config ${dir}\` to be a JSON file of model config fields, found a folder`);
    await fs.writeFile(config, '{bad');
    await expect(main(['--data', dir, '--out', path.join(dir, 'x'), '--config', config])).rejects.toThrow(`Expected \`--config ${config}\` to be a JSON file of model config fields, found text that is not JSON`);
  });

  it('refuses an --out that is a file before training, leaving the file as it was', async () => {
    const file = path.join(dir, 'not-a-folder');
    await fs.writeFile(file, 'keep me');
    const log = jest.spyOn(process.stderr, 'write');
    log.mockClear();
    await expect(main(['--data', dir, '--out', file, '--epochs', '1'])).rejects.toThrow(`Expected \`--out ${file}\` to be a folder for the model, found a file there`);
    expect(log.mock.calls.map((c) => String(c[0])).join('')).not.toContain('backend:');
    expect(await fs.readFile(file, 'utf8')).toBe('keep me');
  });
});

describe('digitfuse train (spawned, as a user runs it)', () => {
  const train = (args: string[]) => runScript('packages/model/src/cli/train.ts', args);
  const tiny = ['--image-filters', '2,2,2', '--audio-filters', '2,2,2', '--batch-size', '8', '--epochs', '1', '--backend', 'wasm', '--progress', 'silent'];
  const flags = (out: string) => ['--data', dir, '--cache-dir', path.join(dir, 'cache'), '--out', out];
  const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'));

  it.each([
    [['--val-fraction', '0'], 'error: Expected --val-fraction to be above 0 and below 1, found 0'],
    // The one limit of every command's --epochs (MAX_EPOCHS), in the same words as `full --epochs 1001`.
    [['--epochs', '1001'], 'error: Expected --epochs to be an integer from 1 to 1000, found 1001'],
    [['--kernel-size', '0'], 'error: Expected --kernel-size to be an integer in [1, 9], found 0'],
    [['--units', '0'], 'error: Expected --units to be an integer in [1, 4096], found 0'],
    [['--dropout', '1.5'], 'error: Expected --dropout in [0, 1), found 1.5'],
    [['--learning-rate', '0'], 'error: Expected --learning-rate in (0, 1], found 0'],
    [['--image-filters', '0,0,0'], 'error: Expected entry 1 of --image-filters to be an integer in [1, 1024], found 0'],
    [['--audio-filters', '8,2.5'], 'error: Expected entry 2 of --audio-filters to be an integer in [1, 1024], found 2.5'],
    [['--image-filters', 'a,b,c'], "error: Expected --image-filters to be comma-separated integers like 48,128,64, found 'a,b,c'"],
    [['--modality', 'image', '--fusion', 'robust'], 'error: Expected no `--fusion` or `--audio-filters` with `--modality image` (an image-only model has no audio branch), found `--fusion robust`'],
    [['--modality', 'image', '--audio-filters', '8,8,8', '--fusion', 'concat'], 'error: Expected no `--fusion` or `--audio-filters` with `--modality image` (an image-only model has no audio branch), found `--fusion concat` and `--audio-filters 8,8,8`'],
    [['--modality', 'audio', '--augment', '--image-filters', '4,4,4'], 'error: Expected no `--fusion`, `--image-filters` or `--augment` with `--modality audio` (an audio-only model has no image branch), found `--image-filters 4,4,4` and `--augment`'],
  ])('refuses %j with exit 2 and one line naming the flag, before reading the data', (bad, line) => {
    const out = path.join(dir, 'never');
    const r = train(['--data', path.join(dir, 'absent'), '--out', out, ...bad]);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 2, stderr: line });
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a --cache-dir that is --out or inside it with exit 2, before any work (it trained, then could not move the model in)', async () => {
    const out = path.join(dir, 'overlap');
    for (const cache of [out, path.join(out, 'cache'), `${out}/./`]) {
      const r = train(['--data', dir, '--out', out, '--cache-dir', cache, ...tiny]);
      const where = path.resolve(cache) === out ? 'the same folder' : 'a folder inside it (cache)';
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 2,
        stderr: `error: Expected \`--cache-dir ${cache}\` to be outside \`--out ${out}\` (the model folder holds only the model's files), found ${where}; nothing was written\n`,
      });
    }
    expect(existsSync(out)).toBe(false);
    // Through a symbolic link to it too.
    await fs.mkdir(out);
    await fs.symlink(out, path.join(dir, 'overlap-link'));
    const linked = train(['--data', dir, '--out', out, '--cache-dir', path.join(dir, 'overlap-link'), ...tiny]);
    expect(linked.status).toBe(2);
    expect(await fs.readdir(out)).toEqual([]);
  });

  it('refuses a --val-fraction that leaves no training rows with exit 2 before training; warns of one that leaves no validation rows', async () => {
    const out = path.join(dir, 'all-val');
    const none = train([...flags(out), ...tiny, '--val-fraction', '0.999', '--split', 'stratified']);
    expect({ status: none.status, errors: errorLines(none.stderr) }).toEqual({
      status: 2,
      errors: ['error: Expected --val-fraction to leave some of the 30 training rows to train on, found 0.999, which puts all 30 into validation and leaves 0 to train on'],
    });
    expect(none.stderr).not.toContain('training on');
    expect(existsSync(out)).toBe(false);
    const noVal = train([...flags(path.join(dir, 'no-val')), ...tiny, '--val-fraction', '0.01', '--split', 'stratified']);
    expect(noVal.status).toBe(0);
    expect(noVal.stderr).toContain(
      "\nwarning: --val-fraction 0.01 of 30 training rows leaves 0 for validation (rounded): training runs all --epochs without early stopping, keeps the last epoch's weights and writes no validation metrics\n",
    );
    const metrics = JSON.parse(await fs.readFile(path.join(dir, 'no-val', 'metrics.json'), 'utf8')) as TrainMetrics;
    expect({ nVal: metrics.data.nVal, validation: metrics.validation }).toEqual({ nVal: 0, validation: null });
  });

  it('refuses test audio on another scale than the training audio (x255) before training, in one line naming --allow-shift', async () => {
    const loud = path.join(dir, 'loud-data');
    await fs.mkdir(loud);
    const n = 30;
    const rows = randomInputs(n, 21, { learnable: true });
    writeNpy(path.join(loud, 'x_train_wr.npy'), rows.images.map((v) => Math.round(v * 255)), [n, 784]);
    writeNpy(path.join(loud, 'x_train_sp.npy'), rows.audio.map((v) => 255 / (1 + Math.exp(-v))), [n, 507]);
    await fs.writeFile(path.join(loud, 'y_train.csv'), `row_id,label\n${Array.from(rows.labels ?? [], (l, i) => `${i},${l}`).join('\n')}\n`);
    const test = randomInputs(25, 22, { learnable: true });
    writeNpy(path.join(loud, 'x_test_wr.npy'), test.images.map((v) => Math.round(v * 255)), [25, 784]);
    writeNpy(path.join(loud, 'x_test_sp.npy'), test.audio.map((v) => 1 / (1 + Math.exp(-v))), [25, 507]);
    const out = path.join(dir, 'loud-model');
    const r = train(['--data', loud, '--cache-dir', path.join(dir, 'loud-cache'), '--out', out, ...tiny]);
    expect({ status: r.status, errors: errorLines(r.stderr) }).toEqual({
      status: 1,
      errors: [expect.stringMatching(/^error: Expected `x_test_sp.npy` on the scale of `x_train_sp.npy` \(values from .*\(scaled differently\?\); check the files, or --allow-shift to go on anyway$/)],
    });
    expect(r.stderr).not.toContain('training on');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an --out under a file in one line naming --out, before any work, leaving the file as it was', async () => {
    const file = path.join(dir, 'afile.txt');
    await fs.writeFile(file, 'keep me');
    const r = train([...flags(path.join(file, 'm')), ...tiny]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`error: Cannot write the model to \`--out ${path.join(file, 'm')}\`: a file is in the way of one of its folders (ENOTDIR); nothing was written`);
    expect(await fs.readFile(file, 'utf8')).toBe('keep me');
  });

  (existsSync('/proc/self') && process.getuid?.() === 0 ? it : it.skip)(
    'refuses an --out under /proc in one line naming --out, before reading the data (root may write there by access(), but every mkdir fails: it failed after the whole training)',
    () => {
      const out = '/proc/digitfuse-no-such-model';
      const r = train([...flags(out), ...tiny]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: `error: Cannot write the model to \`--out ${out}\`: no way to make anything in \`/proc\` (ENOENT); nothing was written\n`,
      });
    },
  );

  it("writes the backend to metrics.json as its `backend:` line names it (not just `wasm`), as a run's run.json does", async () => {
    const out = path.join(dir, 'described');
    const r = train([...flags(out), ...tiny]);
    expect(r.status).toBe(0);
    const described = /^backend: (.*) — /m.exec(r.stderr)?.[1];
    expect(described).toMatch(/^wasm \((no )?SIMD, \d+ threads?\)/);
    const metrics = JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8')) as TrainMetrics;
    expect(metrics.backend).toBe(described);
  });

  it('trains into an empty folder; refuses to replace that model without --force; replaces it whole with --force', async () => {
    const out = path.join(dir, 'again');
    await fs.mkdir(out);
    expect(train([...flags(out), ...tiny, '--units', '4']).status).toBe(0);
    const files = ['meta.json', 'metrics.json', 'model.json', 'weights.bin'];
    expect((await fs.readdir(out)).sort()).toEqual(files);
    const before = files.map((f) => readFileSync(path.join(out, f), 'base64'));

    const refused = train([...flags(out), ...tiny, '--units', '5']);
    expect(refused.status).toBe(1);
    expect(errorLines(refused.stderr)).toEqual([
      `error: Expected \`--out ${out}\` to be a new or empty folder, found the model of an earlier train there (${files.join(', ')}); add --force to replace it`,
    ]);
    expect(refused.stderr).not.toContain('training on');
    expect(files.map((f) => readFileSync(path.join(out, f), 'base64'))).toEqual(before);

    const forced = train([...flags(out), ...tiny, '--units', '5', '--force']);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(new RegExp(`; model saved to ${out} \\(replacing the earlier model there\\)\\n$`));
    expect((await fs.readdir(out)).sort()).toEqual(files);
    const metrics = JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8')) as TrainMetrics;
    expect(metrics.config.units).toBe(5);
    expect((await readMeta(out)).config.units).toBe(5);
    // Nothing left beside it: no staging folder, no earlier model moved aside.
    expect((await fs.readdir(dir)).filter((e) => e.startsWith('.again'))).toEqual([]);
  });

  it('trains into the folder an --out symbolic link leads to (an empty one, one not made yet), keeping the link; it trained, then failed to move the model in', async () => {
    const files = ['meta.json', 'metrics.json', 'model.json', 'weights.bin'];
    await fs.mkdir(path.join(dir, 'empty-target'));
    await fs.symlink(path.join(dir, 'empty-target'), path.join(dir, 'to-empty'));
    await fs.symlink(path.join('later', 'model'), path.join(dir, 'to-later'));
    for (const [link, target] of [['to-empty', 'empty-target'], ['to-later', path.join('later', 'model')]]) {
      const r = train([...flags(path.join(dir, link)), ...tiny]);
      expect({ status: r.status, errors: errorLines(r.stderr) }).toEqual({ status: 0, errors: [] });
      expect((await fs.lstat(path.join(dir, link))).isSymbolicLink()).toBe(true);
      expect((await fs.readdir(path.join(dir, target))).sort()).toEqual(files);
    }
  });

  it('refuses a folder of other files, with or without --force, and keeps them', async () => {
    const out = path.join(dir, 'notes');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'notes.txt'), 'mine');
    const plain = train([...flags(out), ...tiny]);
    expect({ status: plain.status, errors: errorLines(plain.stderr) }).toEqual({
      status: 1,
      errors: [`error: Expected \`--out ${out}\` to be a new or empty folder, found notes.txt there`],
    });
    const forced = train([...flags(out), ...tiny, '--force']);
    expect({ status: forced.status, errors: errorLines(forced.stderr) }).toEqual({
      status: 1,
      errors: [`error: Expected \`--out ${out}\` to be a new or empty folder, or one that only an earlier train wrote (what --force replaces), found notes.txt there`],
    });
    expect(await fs.readdir(out)).toEqual(['notes.txt']);
    expect(await fs.readFile(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
