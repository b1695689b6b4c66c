import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors';
import { loadCompetition } from '../load-competition';
import { readNpy } from '../npy/read-npy';
import { readLabelsCsv } from '../csv/read-labels';
import { makeTempDir } from '../testing';
import { AUDIO_SIZE } from '../types';
import { loadAudioBank } from './audio-bank';
import { buildDemoDataset, ensureDemoDataset, readDemoManifest } from './build-demo';

const FILES = ['x_train_wr.npy', 'x_train_sp.npy', 'y_train.csv', 'x_test_wr.npy', 'x_test_sp.npy', 'y_test.csv'];
let tmp: ReturnType<typeof makeTempDir>;
beforeAll(() => (tmp = makeTempDir()));
afterAll(() => tmp.cleanup());

describe('buildDemoDataset()', () => {
  it('writes a valid competition folder with the competition scales', async () => {
    const dir = join(tmp.dir, 'a');
    const manifest = await buildDemoDataset(dir, { train: 60, test: 20, seed: 1 });
    expect(manifest).toMatchObject({ train: 60, test: 20, seed: 1 });
    const raw = await loadCompetition(dir, { requireTest: true });
    expect(raw.nTrain).toBe(60);
    expect(raw.nTest).toBe(20);
    const max = (a: Float32Array) => a.reduce((m, v) => Math.max(m, v), -Infinity);
    const min = (a: Float32Array) => a.reduce((m, v) => Math.min(m, v), Infinity);
    expect(max(raw.trainImages)).toBe(255);
    expect(min(raw.trainImages)).toBe(0);
    expect(min(raw.trainAudio)).toBe(0);
    expect(max(raw.trainAudio)).toBe(1);
    expect(min(raw.testAudio!)).toBeGreaterThanOrEqual(0);
    expect(max(raw.testAudio!)).toBeLessThanOrEqual(1);
    expect(readLabelsCsv(join(dir, 'y_test.csv')).labels.length).toBe(20);
  });

  it("pairs each image with a clip of the same digit from the matching split", async () => {
    const dir = join(tmp.dir, 'b');
    const m = await buildDemoDataset(dir, { train: 40, test: 15, seed: 4 });
    const bank = loadAudioBank();
    const scaled = (c: number, j: number) => Math.min(1, Math.max(0, (bank.features[c * AUDIO_SIZE + j] - m.audioMin) / (m.audioMax - m.audioMin)));
    for (const [audioFile, labelFile, split] of [['x_train_sp.npy', 'y_train.csv', 'train'], ['x_test_sp.npy', 'y_test.csv', 'test']] as const) {
      const audio = readNpy(join(dir, audioFile)).data;
      const labels = readLabelsCsv(join(dir, labelFile)).labels;
      labels.forEach((label, row) => {
        const match = bank.digit.findIndex(
          (d, c) => d === label && bank.split[c] === split && [0, 100, 300, 506].every((j) => Math.abs(scaled(c, j) - audio[row * AUDIO_SIZE + j]) < 1e-6),
        );
        expect(match).toBeGreaterThanOrEqual(0);
      });
    }
  });

  it('is byte-identical for the same seed and differs for another', async () => {
    await buildDemoDataset(join(tmp.dir, 's1'), { train: 30, test: 10, seed: 7 });
    await buildDemoDataset(join(tmp.dir, 's2'), { train: 30, test: 10, seed: 7 });
    await buildDemoDataset(join(tmp.dir, 's3'), { train: 30, test: 10, seed: 8 });
    for (const f of FILES) expect(readFileSync(join(tmp.dir, 's1', f)).equals(readFileSync(join(tmp.dir, 's2', f)))).toBe(true);
    expect(readFileSync(join(tmp.dir, 's1', 'x_train_wr.npy')).equals(readFileSync(join(tmp.dir, 's3', 'x_train_wr.npy')))).toBe(false);
  });

  it('writes no test files for 0 test rows: a training-only folder the loader accepts', async () => {
    const dir = join(tmp.dir, 'no-test');
    expect(await buildDemoDataset(dir, { train: 12, test: 0, seed: 1 })).toMatchObject({ train: 12, test: 0 });
    expect(readdirSync(dir).sort()).toEqual(['demo.json', 'x_train_sp.npy', 'x_train_wr.npy', 'y_train.csv']);
    const raw = await loadCompetition(dir);
    expect([raw.nTrain, raw.nTest, raw.testImages]).toEqual([12, 0, null]);
  });

  it('refuses sizes MNIST cannot supply', async () => {
    await expect(buildDemoDataset(join(tmp.dir, 'x'), { train: 60001 })).rejects.toThrow('demo train rows must be an integer in 1..60000, got 60001');
  });
});

describe('ensureDemoDataset()', () => {
  it('builds once and then reuses the folder', async () => {
    const dir = join(tmp.dir, 'e');
    const lines: string[] = [];
    const options = { train: 20, test: 5, seed: 3, dir, log: (l: string) => void lines.push(l) };
    expect(await ensureDemoDataset(options)).toBe(dir);
    expect(lines).toEqual([`building the demo dataset (20 train, 5 test, seed 3) in ${dir}`]);
    expect(readDemoManifest(dir, options)).not.toBeNull();
    const before = statSync(join(dir, 'x_train_wr.npy')).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    expect(await ensureDemoDataset(options)).toBe(dir);
    expect(statSync(join(dir, 'x_train_wr.npy')).mtimeMs).toBe(before);
    expect(lines).toHaveLength(1);
    expect(readDemoManifest(dir, { ...options, seed: 4 })).toBeNull();
  });

  it('rebuilds a demo folder that lost a file, and one of an earlier builder', async () => {
    const dir = join(tmp.dir, 'partial');
    const options = { train: 10, test: 2, seed: 1, dir };
    await ensureDemoDataset(options);
    unlinkSync(join(dir, 'x_test_sp.npy'));
    expect(readDemoManifest(dir, options)).toBeNull();
    await ensureDemoDataset(options);
    expect((await loadCompetition(dir)).nTest).toBe(2);
    const manifest = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8'));
    writeFileSync(join(dir, 'demo.json'), JSON.stringify({ ...manifest, version: 0 }));
    await ensureDemoDataset(options);
    expect(JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')).version).toBe(manifest.version);
  });

  it('never replaces what it did not write: a file, files without demo.json, other files beside a demo', async () => {
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'hello');
    await expect(ensureDemoDataset({ train: 10, test: 2, dir: file, force: true })).rejects.toThrow(
      `Expected the demo folder \`${file}\` to be absent, an empty folder or a demo dataset, found a file; nothing was changed`,
    );
    expect(readFileSync(file, 'utf8')).toBe('hello');

    const competition = join(tmp.dir, 'competition');
    mkdirSync(competition);
    writeFileSync(join(competition, 'x_train_wr.npy'), 'the user\'s own data');
    await expect(ensureDemoDataset({ train: 10, test: 2, dir: competition, force: true })).rejects.toThrow(DataError);
    await expect(ensureDemoDataset({ train: 10, test: 2, dir: competition })).rejects.toThrow('found a folder with no demo.json (x_train_wr.npy)');
    expect(readdirSync(competition)).toEqual(['x_train_wr.npy']);

    const demo = join(tmp.dir, 'demo-and-notes');
    await ensureDemoDataset({ train: 10, test: 2, dir: demo });
    writeFileSync(join(demo, 'notes.txt'), 'mine');
    await expect(ensureDemoDataset({ train: 12, test: 2, dir: demo, force: true })).rejects.toThrow('found a folder with other files (notes.txt)');
    expect(readFileSync(join(demo, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readDemoManifest(demo, { train: 10, test: 2 })).not.toBeNull();
    expect(readdirSync(tmp.dir).filter((name) => /\.(tmp|old)$/.test(name))).toEqual([]);
  });

  it('replaces a demo dataset of other options only with force, the old one staying until the new one is complete', async () => {
    const dir = join(tmp.dir, 'sizes');
    await ensureDemoDataset({ train: 10, test: 2, dir });
    await expect(ensureDemoDataset({ train: 12, test: 0, dir })).rejects.toThrow(
      `Expected the demo folder \`${dir}\` to hold the demo dataset with 12 train, 0 test, seed 1, found one with 10 train, 2 test, seed 1; nothing was changed (--force replaces it)`,
    );
    expect(readDemoManifest(dir, { train: 10, test: 2 })).not.toBeNull();
    await ensureDemoDataset({ train: 12, test: 0, dir, force: true });
    expect(readDemoManifest(dir, { train: 12, test: 0 })).not.toBeNull();
    expect(readdirSync(dir).sort()).toEqual(['demo.json', 'x_train_sp.npy', 'x_train_wr.npy', 'y_train.csv']);
    expect(readdirSync(tmp.dir).filter((name) => /\.(tmp|old)$/.test(name))).toEqual([]);
  });

  it('builds into an empty folder', async () => {
    const dir = join(tmp.dir, 'empty');
    mkdirSync(dir);
    await ensureDemoDataset({ train: 10, test: 2, dir });
    expect(readDemoManifest(dir, { train: 10, test: 2 })).not.toBeNull();
  });
});
