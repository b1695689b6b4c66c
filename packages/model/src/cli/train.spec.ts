import * as tf from '@tensorflow/tfjs';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNpy } from '@digitfuse/data';
import { randomInputs } from '../testing';
import { loadModel } from '../io/model-files';
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
    const metrics = await main([...flags, ...tiny]);
    const onDisk = JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8')) as TrainMetrics;
    expect(onDisk.config).toEqual(metrics.config);
    expect(metrics.config.imageFilters).toEqual([2, 2, 2]);
    expect(metrics.backend).toBe('wasm');
    expect(metrics.history).toHaveLength(2);
    expect(metrics.data.nTrain + metrics.data.nVal).toBe(30);
    expect(metrics.validation?.confusion.flat().reduce((a, b) => a + b, 0)).toBe(metrics.data.nVal);
    expect(metrics.test?.n).toBe(10); // y_test.csv is there, so the test rows are scored too
    expect(metrics.test?.confusion.flat().reduce((a, b) => a + b, 0)).toBe(10);
    const { model, meta } = await loadModel(out);
    expect(meta.config).toEqual(metrics.config);
    expect(meta.stats?.imageScale).toBe(255);
    expect(model.countParams()).toBeGreaterThan(0);
    model.dispose();
    expect(tf.getBackend()).toBe('wasm');
  });

  it.each([
    [['--batch-size', '0'], 'Expected --batch-size to be an integer from 1 to 65536, got 0'],
    [['--epochs', '2.5'], 'Expected --epochs to be an integer from 1 to 10000, got 2.5'],
    [['--seed', '1.5'], 'Expected --seed to be an integer from 0 to 2147483647, got 1.5'],
    [['--patience', '-1'], 'Expected --patience to be a non-negative integer, got -1'],
    [['--val-fraction', '1'], 'Expected --val-fraction to be at least 0 and below 1, got 1'],
  ])('refuses %j before reading the data, with a usage error naming the flag', async (flags, message) => {
    await expect(main(['--data', path.join(dir, 'absent'), '--out', path.join(dir, 'never'), ...flags])).rejects.toThrow(message);
    expect(existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it('rejects a bad config flag with a ConfigError naming it', async () => {
    await expect(main(['--data', dir, '--out', path.join(dir, 'x'), '--dropout', '1.5'])).rejects.toThrow('Expected `dropout` in [0, 1), got 1.5');
    await expect(main(['--data', dir, '--out', path.join(dir, 'x'), '--image-filters', '4,a'])).rejects.toThrow(
      "Expected --image-filters to be comma-separated integers like 48,128,64, got '4,a'",
    );
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
