import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { FileWriteError, UsageError } from '@digitfuse/core';
import { join } from 'node:path';
import { readBinaryCache, writeBinaryCache } from './cache/binary-cache';
import { loadCompetition } from './load-competition';
import { checkPreparedCache, emptyValidationWarning, prepareData, PREPARED_CACHE_FILE, testAudioScale } from './prepare-data';
import { fitPreprocessStats } from './preprocess';
import { labelsCsv, makeTempDir, npyBytes, writeCompetitionFixture } from './testing';
import { AUDIO_SIZE, IMAGE_SIZE } from './types';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.cleanup());

const setup = (options: Parameters<typeof writeCompetitionFixture>[1] = {}) => {
  const fixture = writeCompetitionFixture(join(tmp.dir, 'data'), { nTrain: 60, nTest: 8, audioRepeat: 3, ...options });
  return { fixture, cacheDir: join(tmp.dir, 'cache') };
};

describe('prepareData()', () => {
  it('splits, fits statistics on the training split only and preprocesses every row', async () => {
    const { fixture, cacheDir } = setup();
    const p = await prepareData({ dataDir: fixture.dir, cacheDir });
    expect(p.train.n).toBe(60);
    expect(p.test?.n).toBe(8);
    expect(p.test?.labels).toBeNull();
    expect(p.split.train.length + p.split.val.length).toBe(60);
    const raw = await loadCompetition(fixture.dir);
    const expected = fitPreprocessStats(raw.trainImages, raw.trainAudio, p.split.train);
    expect(p.stats.audioMean).toEqual(expected.audioMean);
    expect(p.stats.audioStd).toEqual(expected.audioStd);
    expect(p.train.images[IMAGE_SIZE * 2 + 400]).toBeCloseTo(fixture.trainImages[IMAGE_SIZE * 2 + 400] / 255, 6);
    const j = 7;
    expect(p.test!.audio[AUDIO_SIZE + j]).toBeCloseTo((fixture.testAudio[AUDIO_SIZE + j] - expected.audioMean[j]) / expected.audioStd[j], 4);
  });

  it('reports counts, ranges and duplicates; grouped splits share no audio', async () => {
    const { fixture, cacheDir } = setup();
    const s = (await prepareData({ dataDir: fixture.dir, cacheDir })).summary;
    expect(s.nTrain).toBe(60);
    expect(s.classCounts.reduce((a, b) => a + b, 0)).toBe(60);
    expect(s.classCounts[3]).toBe(Array.from(fixture.trainLabels).filter((l) => l === 3).length);
    expect(s.distinctAudioRows).toBe(20); // 6 rows per label, in runs of 3
    expect(s.duplicateAudioRows).toBe(40);
    expect(s.split.valRowsWithAudioInTrain).toBe(0);
    expect(s.ranges.trainAudio.min).toBeGreaterThanOrEqual(0);
    expect(s.ranges.trainImages.max).toBeLessThanOrEqual(255);
    expect(s.imageScale).toBe(255);
    expect(s.fromCache).toBe(false);
    expect(s.cachePath).toBe(join(cacheDir, PREPARED_CACHE_FILE));
    const strat = await prepareData({ dataDir: fixture.dir, cacheDir, splitMode: 'stratified' });
    expect(strat.summary.split.valRowsWithAudioInTrain).toBeGreaterThan(0);
  });

  it('reuses the cache when nothing changed, with identical arrays', async () => {
    const { fixture, cacheDir } = setup();
    const first = await prepareData({ dataDir: fixture.dir, cacheDir });
    const second = await prepareData({ dataDir: fixture.dir, cacheDir });
    expect(second.summary.fromCache).toBe(true);
    expect(second.train.images).toEqual(first.train.images);
    expect(second.train.audio).toEqual(first.train.audio);
    expect(second.train.labels).toEqual(first.train.labels);
    expect(second.test!.audio).toEqual(first.test!.audio);
    expect(second.split.val).toEqual(first.split.val);
    expect(second.audioGroups).toEqual(first.audioGroups);
    expect(second.stats.audioStd).toEqual(first.stats.audioStd);
    expect(second.summary.duplicateAudioRows).toBe(first.summary.duplicateAudioRows);
  });

  it('rebuilds when options change', async () => {
    const { fixture, cacheDir } = setup();
    await prepareData({ dataDir: fixture.dir, cacheDir, seed: 1 });
    const other = await prepareData({ dataDir: fixture.dir, cacheDir, seed: 2 });
    expect(other.summary.fromCache).toBe(false);
    expect((await prepareData({ dataDir: fixture.dir, cacheDir, seed: 2 })).summary.fromCache).toBe(true);
    expect((await prepareData({ dataDir: fixture.dir, cacheDir, seed: 2, valFraction: 0.3 })).summary.fromCache).toBe(false);
  });

  it('rebuilds when a file changes, even with the same size and mtime', async () => {
    const { fixture, cacheDir } = setup();
    await prepareData({ dataDir: fixture.dir, cacheDir });
    const csv = join(fixture.dir, 'y_train.csv');
    const { atime, mtime } = statSync(csv);
    const relabelled = Array.from(fixture.trainLabels, (l) => (l + 1) % 10);
    writeFileSync(csv, labelsCsv(relabelled));
    utimesSync(csv, atime, mtime);
    const p = await prepareData({ dataDir: fixture.dir, cacheDir });
    expect(p.summary.fromCache).toBe(false);
    expect(Array.from(p.train.labels!)).toEqual(relabelled);
  });

  it('rebuilds when the middle of a larger file changes with the same size and mtime', async () => {
    const { fixture, cacheDir } = setup({ nTrain: 200 });
    await prepareData({ dataDir: fixture.dir, cacheDir });
    const npy = join(fixture.dir, 'x_train_wr.npy');
    const { atime, mtime, size } = statSync(npy);
    expect(size).toBeGreaterThan(3 * (1 << 16)); // beyond the ends the old key hashed
    const bytes = readFileSync(npy);
    const middle = Math.floor(size / 2) & ~3;
    bytes.writeFloatLE(bytes.readFloatLE(middle) === 7 ? 8 : 7, middle);
    writeFileSync(npy, bytes);
    utimesSync(npy, atime, mtime);
    expect((await prepareData({ dataDir: fixture.dir, cacheDir })).summary.fromCache).toBe(false);
  });

  it('names a directory where a file should be (no stack trace from the cache key)', async () => {
    const { fixture, cacheDir } = setup();
    rmSync(join(fixture.dir, 'x_train_wr.npy'));
    mkdirSync(join(fixture.dir, 'x_train_wr.npy'));
    await expect(prepareData({ dataDir: fixture.dir, cacheDir })).rejects.toThrow(`Expected \`x_train_wr.npy\` in \`${fixture.dir}\`, found a folder`);
  });

  it('rebuilds a damaged cache and when asked to', async () => {
    const { fixture, cacheDir } = setup();
    await prepareData({ dataDir: fixture.dir, cacheDir });
    const file = join(cacheDir, PREPARED_CACHE_FILE);
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    // The right key but arrays of the wrong length: rebuilt, not trusted.
    const cached = readBinaryCache<object>(file).cache!;
    writeBinaryCache(file, cached.meta, { ...cached.arrays, trainAudio: new Float32Array(10) });
    expect((await prepareData({ dataDir: fixture.dir, cacheDir, log })).summary.fromCache).toBe(false);
    expect(lines).toContain(`warning: the cache \`${file}\` does not hold the arrays its header describes; rebuilding it`);
    expect((await prepareData({ dataDir: fixture.dir, cacheDir })).summary.fromCache).toBe(true);
    // Cut short after its header (a disk that filled up under an older writer): still this tool's cache, rebuilt.
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, 44 + bytes.readUInt32LE(8) + 100));
    lines.length = 0;
    expect((await prepareData({ dataDir: fixture.dir, cacheDir, log })).summary.fromCache).toBe(false);
    expect(lines.filter((line) => line.startsWith('warning:'))).toEqual([
      `warning: the cache \`${file}\` is cut short or overlong (${44 + bytes.readUInt32LE(8) + 100} bytes, its header says ${bytes.length}); rebuilding it`,
    ]);
    expect((await prepareData({ dataDir: fixture.dir, cacheDir, rebuild: true })).summary.fromCache).toBe(false);
  });

  it('says so and rebuilds a cache with one flipped byte in its arrays, its numbers as they were', async () => {
    const { fixture, cacheDir } = setup();
    const first = await prepareData({ dataDir: fixture.dir, cacheDir });
    const file = join(cacheDir, PREPARED_CACHE_FILE);
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    // A byte in the middle of the training images: still a well-formed cache of the right length.
    const at = Math.floor(good.length / 2);
    bad[at] ^= 0x40;
    writeFileSync(file, bad);
    const lines: string[] = [];
    const again = await prepareData({ dataDir: fixture.dir, cacheDir, log: (line) => lines.push(line) });
    expect(again.summary.fromCache).toBe(false);
    expect(lines.filter((line) => line.startsWith('warning:'))).toEqual([`warning: the cache \`${file}\` fails its checksum (damaged on disk?); rebuilding it`]);
    expect(again.train.images).toEqual(first.train.images);
    expect(readFileSync(file).equals(good)).toBe(true);
    expect((await prepareData({ dataDir: fixture.dir, cacheDir })).summary.fromCache).toBe(true);
  });

  it('says so and rebuilds a cache of the older layout, which has no checksum', async () => {
    const { fixture, cacheDir } = setup();
    await prepareData({ dataDir: fixture.dir, cacheDir });
    const file = join(cacheDir, PREPARED_CACHE_FILE);
    // The same header (key and all) in the layout before the checksum: `DFCACHE1`, length, JSON at byte 12.
    const good = readFileSync(file);
    const json = good.subarray(44, 44 + good.readUInt32LE(8));
    const old = Buffer.alloc(12 + json.length);
    old.write('DFCACHE1', 0, 'latin1');
    old.writeUInt32LE(json.length, 8);
    json.copy(old, 12);
    writeFileSync(file, old);
    checkPreparedCache(cacheDir); // an older cache of this tool's: replaced, not refused
    const lines: string[] = [];
    expect((await prepareData({ dataDir: fixture.dir, cacheDir, log: (line) => lines.push(line) })).summary.fromCache).toBe(false);
    expect(lines.filter((line) => line.startsWith('warning:'))).toEqual([`warning: the cache \`${file}\` has no checksum (an older version wrote it); rebuilding it`]);
    expect((await prepareData({ dataDir: fixture.dir, cacheDir })).summary.fromCache).toBe(true);
  });

  it('refuses, before reading the data, to replace a prepared.bin this tool did not write (or a folder of that name), keeping it', async () => {
    const { fixture, cacheDir } = setup();
    mkdirSync(cacheDir);
    const file = join(cacheDir, PREPARED_CACHE_FILE);
    for (const [mine, found] of [
      ['my own notes', 'a file that is no cache of this tool'],
      ['DFCACHE1\u0004\u0000\u0000\u0000{}', 'a file that is no cache of this tool'],
    ]) {
      writeFileSync(file, mine);
      const refused = prepareData({ dataDir: fixture.dir, cacheDir });
      await expect(refused).rejects.toThrow(FileWriteError);
      await expect(prepareData({ dataDir: fixture.dir, cacheDir })).rejects.toThrow(
        `Expected \`${file}\` to be absent or a preprocessed-data cache this tool wrote (to replace), found ${found}; nothing was written (move it away, or choose another cache folder)`,
      );
      expect(readFileSync(file, 'utf8')).toBe(mine);
    }
    rmSync(file);
    mkdirSync(file);
    await expect(prepareData({ dataDir: fixture.dir, cacheDir })).rejects.toThrow(`Expected \`${file}\` to be absent or a preprocessed-data cache this tool wrote (to replace), found a folder`);
    expect(() => checkPreparedCache(join(tmp.dir, 'absent'))).not.toThrow();
  });

  it('refuses a --val-fraction that leaves no row to train on, before fitting anything, in one usage error', async () => {
    const { fixture, cacheDir } = setup();
    const refused = prepareData({ dataDir: fixture.dir, cacheDir, valFraction: 0.999, splitMode: 'stratified' });
    await expect(refused).rejects.toThrow(UsageError);
    await expect(prepareData({ dataDir: fixture.dir, cacheDir, valFraction: 0.999, splitMode: 'stratified' })).rejects.toThrow(
      'Expected --val-fraction to leave some of the 60 training rows to train on, found 0.999, which puts all 60 into validation and leaves 0 to train on',
    );
    // Whole groups of 3 identical audio rows: a fraction that leaves rows on paper can still move them all.
    await expect(prepareData({ dataDir: fixture.dir, cacheDir, valFraction: 0.99 })).rejects.toThrow(
      'found 0.99, which puts all 60 into validation and leaves 0 to train on (the grouped split moves whole groups of identical audio)',
    );
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('says in one warning line when the split leaves no validation rows', async () => {
    const { fixture, cacheDir } = setup();
    const p = await prepareData({ dataDir: fixture.dir, cacheDir, valFraction: 0.001, splitMode: 'stratified' });
    expect(p.split.val.length).toBe(0);
    expect(emptyValidationWarning(p, 'no early stopping')).toBe('warning: --val-fraction 0.001 of 60 training rows leaves 0 for validation (rounded): no early stopping');
    expect(emptyValidationWarning(await prepareData({ dataDir: fixture.dir, cacheDir }), 'no early stopping')).toBeNull();
  });

  it('finds test audio on another scale than the training audio (training audio x255, test audio in [0,1]), as predict judges the test rows', async () => {
    const { fixture, cacheDir } = setup({ nTest: 30 });
    writeFileSync(join(fixture.dir, 'x_train_sp.npy'), npyBytes(fixture.trainAudio.map((v) => v * 255), [60, AUDIO_SIZE]));
    const p = await prepareData({ dataDir: fixture.dir, cacheDir });
    expect(testAudioScale(p)).toEqual({
      level: 'refuse',
      finding: expect.stringMatching(
        /^Expected `x_test_sp.npy` on the scale of `x_train_sp.npy` \(values from [\d.e-]+ to 25\d\.\d+\), found values from [\d.e-]+ to 0\.9\d+, which the training statistics standardise to mean \|z\| 1\.\d+ \(new voices: below 0\.5\), spread 0\.004x the training spread \(scaled differently\?\)$/,
      ),
    });
    // From the cache too.
    expect(testAudioScale(await prepareData({ dataDir: fixture.dir, cacheDir }))?.level).toBe('refuse');
    // The same audio on both sides, however scaled, a moderate shift, and a test set too small to judge.
    writeFileSync(join(fixture.dir, 'x_test_sp.npy'), npyBytes(fixture.testAudio.map((v) => v * 255), [30, AUDIO_SIZE]));
    expect(testAudioScale(await prepareData({ dataDir: fixture.dir, cacheDir }))).toBeNull();
    writeFileSync(join(fixture.dir, 'x_test_sp.npy'), npyBytes(fixture.testAudio.map((v) => v * 255 + 50), [30, AUDIO_SIZE]));
    expect(testAudioScale(await prepareData({ dataDir: fixture.dir, cacheDir }))).toEqual({
      level: 'warn',
      finding: expect.stringMatching(/^`x_test_sp.npy` differs from the training audio: mean \|z\| 0\.\d+ \(new voices: below 0\.5\), spread [\d.]+x the training spread$/),
    });
    const small = setup({ nTest: 5 });
    writeFileSync(join(small.fixture.dir, 'x_train_sp.npy'), npyBytes(small.fixture.trainAudio.map((v) => v * 255), [60, AUDIO_SIZE]));
    expect(testAudioScale(await prepareData({ dataDir: small.fixture.dir, cacheDir: small.cacheDir }))).toBeNull();
  });

  it('works without test files and notices when they appear', async () => {
    const { fixture, cacheDir } = setup({ nTest: 0 });
    const p = await prepareData({ dataDir: fixture.dir, cacheDir });
    expect(p.test).toBeNull();
    expect((await prepareData({ dataDir: fixture.dir, cacheDir })).test).toBeNull();
    writeCompetitionFixture(fixture.dir, { nTrain: 60, nTest: 5, audioRepeat: 3 });
    const withTest = await prepareData({ dataDir: fixture.dir, cacheDir });
    expect(withTest.summary.fromCache).toBe(false);
    expect(withTest.test?.n).toBe(5);
  });

  it('refuses test images on a different scale from the training images', async () => {
    const { fixture, cacheDir } = setup({ nTest: 2, files: { 'x_test_wr.npy': npyBytes(new Float32Array(2 * IMAGE_SIZE).fill(0.5), [2, IMAGE_SIZE]) } });
    await expect(prepareData({ dataDir: fixture.dir, cacheDir })).rejects.toThrow(
      'Expected `x_test_wr.npy` in 0..255 like `x_train_wr.npy`, found values only up to 0.5 (scaled to [0,1]?)',
    );
  });

  it('refuses images outside both scales, naming the file', async () => {
    const images = new Float32Array(60 * IMAGE_SIZE);
    images[5] = 1000;
    const { fixture, cacheDir } = setup({ files: { 'x_train_wr.npy': npyBytes(images, [60, IMAGE_SIZE]) } });
    await expect(prepareData({ dataDir: fixture.dir, cacheDir })).rejects.toThrow('Expected `x_train_wr.npy` values in 0..255 or [0,1], found values from 0 to 1000');
  });

  it('refuses bad data with a DataError before touching the cache', async () => {
    const { fixture, cacheDir } = setup({ files: { 'y_train.csv': 'row_id,label\n0,1\n' } });
    await expect(prepareData({ dataDir: fixture.dir, cacheDir })).rejects.toThrow('Expected `y_train.csv` to have 60 label rows');
  });
});
