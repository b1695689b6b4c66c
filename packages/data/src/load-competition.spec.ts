import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from './errors';
import { loadCompetition, loadTestLabels } from './load-competition';
import { labelsCsv, makeTempDir, npyBytes, writeCompetitionFixture, type CompetitionFixtureOptions } from './testing';

let tmp: ReturnType<typeof makeTempDir>;
let counter = 0;
beforeAll(() => (tmp = makeTempDir()));
afterAll(() => tmp.cleanup());

/** A fresh fixture folder with some files replaced. */
function fixture(options: CompetitionFixtureOptions = {}) {
  return writeCompetitionFixture(join(tmp.dir, `case-${counter++}`), { nTrain: 12, nTest: 4, ...options });
}

async function loadError(options: CompetitionFixtureOptions, requireTest = false): Promise<DataError> {
  const f = fixture(options);
  try {
    await loadCompetition(f.dir, { requireTest });
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected loadCompetition to fail');
}

describe('loadCompetition()', () => {
  it('loads a valid folder with the values as written', async () => {
    const f = fixture();
    const raw = await loadCompetition(f.dir);
    expect(raw.nTrain).toBe(12);
    expect(raw.nTest).toBe(4);
    expect(raw.trainImages).toEqual(f.trainImages);
    expect(raw.trainAudio).toEqual(f.trainAudio);
    expect(raw.trainLabels).toEqual(f.trainLabels);
    expect(raw.testAudio).toEqual(f.testAudio);
  });

  it('returns null test arrays when the test files are absent, unless they are required', async () => {
    const f = fixture({ nTest: 0 });
    const raw = await loadCompetition(f.dir);
    expect(raw.testImages).toBeNull();
    expect(raw.nTest).toBe(0);
    await expect(loadCompetition(f.dir, { requireTest: true })).rejects.toThrow(/^Expected `x_test_wr.npy` in `.*` \(test files are required\), found no such file$/);
  });

  it('refuses one test file without the other', async () => {
    const err = await loadError({ files: { 'x_test_sp.npy': null } });
    expect(err.message).toMatch(/^Expected `x_test_sp.npy` in `.*` \(`x_test_wr.npy` is there\), found no such file$/);
  });

  it.each(['x_train_wr.npy', 'x_train_sp.npy', 'y_train.csv'])('names a missing %s', async (name) => {
    const err = await loadError({ files: { [name]: null } });
    expect(err.message).toMatch(new RegExp(`^Expected \`${name}\` in .*, found no such file$`));
    expect(err.file).toContain(name);
  });

  it('says a data file is a broken symbolic link or a folder, not that there is no such file', async () => {
    const f = fixture({ files: { 'y_train.csv': null, 'x_test_wr.npy': null } });
    symlinkSync(join(f.dir, 'labels-moved.csv'), join(f.dir, 'y_train.csv'));
    await expect(loadCompetition(f.dir)).rejects.toThrow(
      `Expected \`y_train.csv\` in \`${f.dir}\`, found a broken symbolic link (to \`${join(f.dir, 'labels-moved.csv')}\`, which does not exist)`,
    );
    rmSync(join(f.dir, 'y_train.csv'));
    mkdirSync(join(f.dir, 'y_train.csv'));
    await expect(loadCompetition(f.dir)).rejects.toThrow(`Expected \`y_train.csv\` in \`${f.dir}\`, found a folder`);
    // A test file that is there but cannot be read is named as such, not taken as absent.
    rmSync(join(f.dir, 'y_train.csv'), { recursive: true });
    writeFileSync(join(f.dir, 'y_train.csv'), labelsCsv(f.trainLabels));
    symlinkSync(join(f.dir, 'gone.npy'), join(f.dir, 'x_test_wr.npy'));
    await expect(loadCompetition(f.dir)).rejects.toThrow(
      `Expected \`${join(f.dir, 'x_test_wr.npy')}\` to be an .npy file, found a broken symbolic link (to \`${join(f.dir, 'gone.npy')}\`, which does not exist)`,
    );
  });

  it('names a missing data folder', async () => {
    await expect(loadCompetition(join(tmp.dir, 'absent'))).rejects.toThrow(/^Expected `--data .*` to be a folder with the competition's files, found no such folder$/);
  });

  it('says the data folder is a file when it is one (not that a competition file is missing inside it)', async () => {
    const file = join(fixture().dir, 'y_train.csv');
    await expect(loadCompetition(file)).rejects.toThrow(DataError);
    await expect(loadCompetition(file)).rejects.toThrow(`Expected \`--data ${file}\` to be a folder with the competition's files, found a file`);
    await expect(loadCompetition(join(file, 'sub'))).rejects.toThrow(/^Expected `--data .*` to be a folder with the competition's files, found no such folder$/);
  });

  it('refuses a file that is not npy', async () => {
    const err = await loadError({ files: { 'x_train_sp.npy': 'hello' } });
    expect(err.message).toBe('Expected `x_train_sp.npy` to be an .npy file (starting with \\x93NUMPY), found "hello"');
  });

  it('refuses truncated data', async () => {
    const bytes = npyBytes(new Float32Array(12 * 784), [12, 784], { truncate: 100 });
    const err = await loadError({ files: { 'x_train_wr.npy': bytes } });
    expect(err.message).toBe('Expected `x_train_wr.npy` to hold 37632 bytes of float32 data for shape [12,784], found 37532 (the file is truncated)');
  });

  it('refuses a wrong column count with the shape', async () => {
    const err = await loadError({ files: { 'x_train_sp.npy': npyBytes(new Float32Array(12 * 506), [12, 506]) } });
    expect(err.message).toBe('Expected `x_train_sp.npy` to have 507 columns, found 506 (shape [12,506])');
  });

  it('refuses test files with no rows (they would give a header-only submission)', async () => {
    const err = await loadError({ files: { 'x_test_wr.npy': npyBytes(new Float32Array(0), [0, 784]), 'x_test_sp.npy': npyBytes(new Float32Array(0), [0, 507]) } });
    expect(err.message).toBe('Expected `x_test_wr.npy` to have at least 1 row, found 0 (shape [0,784])');
  });

  it('refuses a wrong rank and accepts the natural image and MFCC layouts', async () => {
    const err = await loadError({ files: { 'x_test_wr.npy': npyBytes(new Float32Array(4 * 784), [4 * 784]) } });
    expect(err.message).toBe('Expected `x_test_wr.npy` to be a 2-D array [N,784] (or [N,28,28] or [N,28,28,1]), found shape [3136]');
    const f = fixture({
      files: { 'x_train_wr.npy': npyBytes(new Float32Array(12 * 784), [12, 28, 28, 1]), 'x_train_sp.npy': npyBytes(new Float32Array(12 * 507), [12, 39, 13]) },
    });
    await expect(loadCompetition(f.dir)).resolves.toMatchObject({ nTrain: 12 });
  });

  it('refuses row counts that differ between the training files', async () => {
    const audio = await loadError({ files: { 'x_train_sp.npy': npyBytes(new Float32Array(11 * 507), [11, 507]) } });
    expect(audio.message).toBe('Expected `x_train_sp.npy` to have 12 rows like `x_train_wr.npy`, found 11 (shape [11,507])');
    const labels = await loadError({ files: { 'y_train.csv': labelsCsv([1, 2, 3]) } });
    expect(labels.message).toBe('Expected `y_train.csv` to have 12 label rows like `x_train_wr.npy`, found 3');
    const test = await loadError({ files: { 'x_test_sp.npy': npyBytes(new Float32Array(3 * 507), [3, 507]) } });
    expect(test.message).toBe('Expected `x_test_sp.npy` to have 4 rows like `x_test_wr.npy`, found 3 (shape [3,507])');
  });

  it('refuses bad labels with the file and line', async () => {
    expect((await loadError({ files: { 'y_train.csv': 'row_id,digit\n0,1\n' } })).message).toContain('to have a `label` column');
    const bad = labelsCsv(Array.from({ length: 12 }, (_, i) => (i === 5 ? 11 : 1)));
    expect((await loadError({ files: { 'y_train.csv': bad } })).message).toBe('Expected `y_train.csv` labels to be integers 0..9, found 11 on line 7');
    const dup = labelsCsv(new Array(12).fill(1)).replace('\n3,1\n', '\n2,1\n');
    expect((await loadError({ files: { 'y_train.csv': dup } })).message).toBe('Expected unique row_id values in `y_train.csv`, found row_id 2 on line 4 and again on line 5');
  });

  it('refuses NaN and infinite values with row and column', async () => {
    const audio = new Float32Array(12 * 507);
    audio[3 * 507 + 17] = NaN;
    expect((await loadError({ files: { 'x_train_sp.npy': npyBytes(audio, [12, 507]) } })).message).toBe(
      'Expected `x_train_sp.npy` to hold finite numbers, found NaN at row 3, column 17',
    );
    const images = new Float32Array(4 * 784);
    images[785] = -Infinity;
    expect((await loadError({ files: { 'x_test_wr.npy': npyBytes(images, [4, 784]) } })).message).toBe(
      'Expected `x_test_wr.npy` to hold finite numbers, found -Infinity at row 1, column 1',
    );
  });

  it('accepts uint8 images and float64 audio', async () => {
    const f = fixture({ files: { 'x_train_wr.npy': npyBytes(new Array(12 * 784).fill(255), [12, 784], { dtype: 'u1' }) } });
    const raw = await loadCompetition(f.dir);
    expect(raw.trainImages[100]).toBe(255);
  });
});

describe('loadTestLabels()', () => {
  it('reads y_test.csv when present', () => {
    const f = fixture({ files: { 'y_test.csv': 'row_id,label\n1,4\n0,2\n' } });
    expect(Array.from(loadTestLabels(f.dir)!)).toEqual([2, 4]);
    expect(loadTestLabels(fixture().dir)).toBeNull();
  });
});
