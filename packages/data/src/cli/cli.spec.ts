import { join } from 'node:path';
import { DataError } from '../errors';
import { makeTempDir, writeCompetitionFixture } from '../testing';
import { main as demoMain } from './demo';
import { main as preprocessMain } from './preprocess';
import { runCli, UsageError } from './run-cli';

let tmp: ReturnType<typeof makeTempDir>;
let out: string[];
let err: string[];
beforeEach(() => {
  tmp = makeTempDir();
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
  process.exitCode = undefined;
  tmp.cleanup();
});

describe('runCli()', () => {
  it('turns a DataError into one line and exit code 1', async () => {
    await runCli('data:x', async () => {
      throw new DataError('Expected `y_train.csv` to have a `label` column, found columns: a,b');
    });
    expect(err).toEqual(['data:x: Expected `y_train.csv` to have a `label` column, found columns: a,b\n']);
    expect(process.exitCode).toBe(1);
  });

  it('lets programming errors through', async () => {
    await expect(runCli('data:x', async () => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
  });
});

describe('preprocess main()', () => {
  it('prints the summary for a data folder', async () => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 30, nTest: 5, audioRepeat: 2 });
    await preprocessMain(['--data', data, '--out', join(tmp.dir, 'cache'), '--split', 'stratified']);
    const text = out.join('\n');
    expect(text).toContain('rows:        30 train, 5 test');
    expect(text).toContain('10 of 30 training audio rows repeat an earlier row (20 distinct)');
    expect(text).toContain(`cache:       ${join(tmp.dir, 'cache', 'prepared.bin')} (written)`);
  });

  it('reports bad data as one DataError line through runCli', async () => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { files: { 'x_train_sp.npy': 'nope' } });
    await runCli('data:preprocess', () => preprocessMain(['--data', data, '--out', join(tmp.dir, 'cache')]));
    expect(err.filter((l) => l.startsWith('data:preprocess:'))).toEqual([
      'data:preprocess: Expected `x_train_sp.npy` to be an .npy file (starting with \\x93NUMPY), found "nope"\n',
    ]);
    expect(process.exitCode).toBe(1);
  });

  it('refuses unknown flags and bad values', async () => {
    await expect(preprocessMain(['--bogus'])).rejects.toThrow(UsageError);
    await expect(preprocessMain(['--bogus'])).rejects.toThrow('Unknown argument: bogus (see --help)');
    await expect(preprocessMain(['--data', tmp.dir, '--val-fraction', '1.5'])).rejects.toThrow('Expected --val-fraction between 0 and 1, got 1.5');
    await expect(preprocessMain(['--split', 'random'])).rejects.toThrow(/Invalid values/);
  });
});

describe('demo main()', () => {
  it('builds into --out and then reports it up to date', async () => {
    const dir = join(tmp.dir, 'demo');
    await demoMain(['--train', '12', '--test', '3', '--out', dir]);
    await demoMain(['--train', '12', '--test', '3', '--out', dir]);
    expect(out).toEqual([`built demo dataset: ${dir} (12 train, 3 test, seed 1)`, `demo dataset up to date: ${dir} (12 train, 3 test, seed 1)`]);
  });

  it('refuses sizes out of range', async () => {
    await expect(demoMain(['--train', '0'])).rejects.toThrow('Expected --train to be a positive integer, got 0');
    await expect(demoMain(['--test', '10001'])).rejects.toThrow('Expected --test to be at most 10000 (MNIST test images), got 10001');
  });
});
