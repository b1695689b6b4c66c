import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, UsageError } from '@digitfuse/core';
import { runScript, runScriptUnprivileged, useFullDisk, WORKSPACE } from '@digitfuse/core/testing';
import { makeTempDir, npyBytes, writeCompetitionFixture } from '../testing';
import { main as demoMain } from './demo';
import { main as preprocessMain } from './preprocess';

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
    expect(await runCli(() => preprocessMain(['--data', data, '--out', join(tmp.dir, 'cache')]))).toBe(1);
    expect(err.filter((l) => l.startsWith('error:'))).toEqual([
      'error: Expected `x_train_sp.npy` to be an .npy file (starting with \\x93NUMPY), found "nope"\n',
    ]);
  });

  const labels12 = (f: (i: number) => string) => `row_id,label\n${Array.from({ length: 12 }, (_, i) => `${i},${f(i)}`).join('\n')}\n`;
  it.each([
    ['a missing file', { 'x_train_wr.npy': null }, /^Expected `x_train_wr.npy` in `[^`]+`, found no such file$/],
    ['a file that is not npy', { 'x_test_sp.npy': 'text' }, /to be an .npy file/],
    ['truncated data', { 'x_train_sp.npy': npyBytes(new Float32Array(12 * 507), [12, 507], { truncate: 8 }) }, /the file is truncated/],
    ['a wrong column count', { 'x_train_sp.npy': npyBytes(new Float32Array(12 * 506), [12, 506]) }, /to have 507 columns, found 506 \(shape \[12,506\]\)/],
    ['a wrong rank', { 'x_train_wr.npy': npyBytes(new Float32Array(12), [12]) }, /to be a 2-D array/],
    ['differing row counts', { 'y_train.csv': 'row_id,label\n0,1\n' }, /to have 12 label rows/],
    ['a missing label column', { 'y_train.csv': 'row_id,digit\n0,1\n' }, /to have a `label` column/],
    ['a non-integer label', { 'y_train.csv': labels12((i) => (i === 4 ? '2.5' : '1')) }, /found "2.5" on line 6/],
    ['an out-of-range label', { 'y_train.csv': labels12((i) => (i === 4 ? '12' : '1')) }, /found 12 on line 6/],
    ['a duplicate row_id', { 'y_train.csv': labels12(() => '1').replace('\n5,1', '\n4,1') }, /found row_id 4 on line 6 and again on line 7/],
    ['a row with 3 fields', { 'y_train.csv': labels12((i) => (i === 4 ? '3,9' : '1')) }, /^Expected `y_train.csv` line 6 to have 2 fields \(row_id,label\) like its header, found 3: `4,3,9`$/],
    ['a header naming label twice', { 'y_train.csv': labels12((i) => `1,${i % 10}`).replace('row_id,label', 'row_id,label,label') }, /^Expected `y_train.csv` line 1 to be the header `row_id,label` \(or `label`\), found `label` twice/],
    ['a NaN', { 'x_train_sp.npy': npyBytes(new Float32Array(12 * 507).fill(NaN), [12, 507]) }, /found NaN at row 0, column 0/],
  ])('prints one line and exits 1 for %s', async (_case, files, message) => {
    const data = join(tmp.dir, 'bad');
    writeCompetitionFixture(data, { nTrain: 12, nTest: 3, files });
    expect(await runCli(() => preprocessMain(['--data', data, '--out', join(tmp.dir, 'cache')]))).toBe(1);
    const lines = err.join('\n').split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).toHaveLength(1);
    expect(lines[0].slice('error: '.length)).toMatch(message);
  });

  describe('on a full disk', () => {
    const disk = useFullDisk(64);
    it('names the cache file it could not write, as a real process, and leaves no half-written file', () => {
      const root = disk();
      if (!root) return;
      const data = join(tmp.dir, 'comp');
      writeCompetitionFixture(data, { nTrain: 200, nTest: 20 });
      const run = runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(root, 'cache')]);
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toEqual([
        `error: Cannot write \`${join(root, 'cache', 'prepared.bin')}\`: no space left on the device (ENOSPC); the file was left as it was`,
      ]);
      expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
      expect(readdirSync(join(root, 'cache'))).toEqual([]);
    }, 60000);
  });

  it('exits non-zero with one line and no stack trace as a real process', () => {
    const tsx = join(__dirname, '..', '..', '..', '..', 'node_modules', '.bin', 'tsx');
    const run = spawnSync(tsx, [join(__dirname, 'preprocess.ts'), '--data', join(tmp.dir, 'absent')], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: Expected \`--data ${join(tmp.dir, 'absent')}\` to be a folder with the competition's files, found no such folder`]);
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  }, 30000);

  it.each([
    ['preprocess', 'packages/data/src/cli/preprocess.ts'],
    ['figures', 'packages/data/src/cli/figures.ts'],
  ])('%s says in one line that --data must be a folder when it is a file, as a real process', (_command, script) => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 12, nTest: 3 });
    const file = join(data, 'y_train.csv');
    const run = runScript(script, ['--data', file, '--out', join(tmp.dir, 'out')]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      `error: Expected \`--data ${file}\` to be a folder with the competition's files, found a file`,
    ]);
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(readdirSync(tmp.dir)).toEqual(['data']);
  }, 30000);

  it('says a data file is one it may not read, or in a folder it may not enter, as a real process run by a user other than root', () => {
    chmodSync(tmp.dir, 0o777); // mkdtemp's folder: only root could enter it, or write the cache there
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 12, nTest: 3 });
    chmodSync(join(data, 'y_train.csv'), 0);
    const unreadable = runScriptUnprivileged('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache')]);
    const outcome = (r: typeof unreadable) => ({ status: r.status, errors: r.stderr.split('\n').filter((l) => l.startsWith('error:')), stack: /\bat .*\.ts:\d+/.test(r.stderr) });
    expect(outcome(unreadable)).toEqual({
      status: 1,
      errors: [`error: Expected \`y_train.csv\` in \`${data}\`, found a file it may not read (permission denied, EACCES)`],
      stack: false,
    });
    chmodSync(join(data, 'y_train.csv'), 0o644);
    chmodSync(data, 0o600);
    const closed = runScriptUnprivileged('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache')]);
    // A --data folder inside the closed one: it said `Cannot read the data folder ...: EACCES: permission denied, stat '...'`, naming no flag.
    const inner = join(data, 'inner');
    const within = runScriptUnprivileged('packages/data/src/cli/preprocess.ts', ['--data', inner, '--out', join(tmp.dir, 'cache')]);
    chmodSync(data, 0o755);
    expect(outcome(closed)).toEqual({
      status: 1,
      errors: [`error: Expected \`x_train_wr.npy\` in \`${data}\`, found no access to the folder \`${data}\` on its path (permission denied, EACCES)`],
      stack: false,
    });
    expect(outcome(within)).toEqual({
      status: 1,
      errors: [`error: Expected \`--data ${inner}\` to be a folder with the competition's files, found no access to the folder \`${data}\` on its path (permission denied, EACCES)`],
      stack: false,
    });
    expect(readdirSync(tmp.dir)).toEqual(['data']);
  }, 60000);

  // Root may write anywhere: the workspace's own cache folder is closed only to another user.
  (process.getuid?.() === 0 ? it : it.skip)(
    'prepares the data without the default cache when its folder cannot be written, saying so before the work (a user other than root; it refused after the work)',
    () => {
      chmodSync(tmp.dir, 0o755);
      const data = join(tmp.dir, 'data');
      writeCompetitionFixture(data, { nTrain: 12, nTest: 3 });
      const run = runScriptUnprivileged('packages/data/src/cli/preprocess.ts', ['--data', data]);
      expect(run.status).toBe(0);
      const lines = run.stderr.split('\n');
      const warning = lines.findIndex((l) => l.startsWith('warning: not caching the prepared data in `'));
      expect(lines[warning]).toMatch(/^warning: not caching the prepared data in `.+[/]\.cache[/]prepared[/]data-[0-9a-f]{10}`: .+ \(E[A-Z]+\)$/);
      expect(warning).toBeLessThan(lines.indexOf(`reading ${data}`));
      expect(run.stdout).toMatch(/^cache: {7}.+prepared\.bin \(not written: .+ \(E[A-Z]+\)\)$/m);
      expect(run.stdout).toMatch(/^rows: {8}12 train, 3 test$/m);
    },
    60000,
  );

  it('refuses a --val-fraction that leaves no training rows (exit 2, one line), warns of one that leaves no validation rows, as a real process', () => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 30, nTest: 3 });
    const preprocess = (...args: string[]) => runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache'), '--split', 'stratified', ...args]);
    const none = preprocess('--val-fraction', '0.999');
    expect({ status: none.status, errors: none.stderr.split('\n').filter((l) => l.startsWith('error:')), stack: /\bat .*\.ts:\d+/.test(none.stderr) }).toEqual({
      status: 2,
      errors: ['error: Expected --val-fraction to leave some of the 30 training rows to train on, found 0.999, which puts all 30 into validation and leaves 0 to train on'],
      stack: false,
    });
    expect(readdirSync(tmp.dir)).toEqual(['data']);
    const noVal = preprocess('--val-fraction', '0.001', '--json');
    expect(noVal.status).toBe(0);
    expect(noVal.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: --val-fraction 0.001 of 30 training rows leaves 0 for validation (rounded): a model trained on this split has no early stopping and no validation metrics',
    ]);
    expect(JSON.parse(noVal.stdout)).toMatchObject({ split: { nTrain: 30, nVal: 0 } });
  }, 60000);

  it('refuses test audio on another scale than the training audio (x255) in one line, and goes on with a warning with --allow-shift, as a real process', () => {
    const data = join(tmp.dir, 'data');
    const fixture = writeCompetitionFixture(data, { nTrain: 40, nTest: 25 });
    writeFileSync(join(data, 'x_train_sp.npy'), npyBytes(fixture.trainAudio.map((v) => v * 255), [40, 507]));
    const preprocess = (...args: string[]) => runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache'), ...args]);
    const refused = preprocess();
    const finding = /Expected `x_test_sp.npy` on the scale of `x_train_sp.npy` \(values from [\d.e-]+ to [\d.]+\), found values from [\d.e-]+ to [\d.]+, which the training statistics standardise to mean \|z\| [\d.]+ \(new voices: below 0.5\), spread 0.004x the training spread \(scaled differently\?\)/.source;
    expect({ status: refused.status, errors: refused.stderr.split('\n').filter((l) => l.startsWith('error:')), stack: /\bat .*\.ts:\d+/.test(refused.stderr) }).toEqual({
      status: 1,
      errors: [expect.stringMatching(new RegExp(`^error: ${finding}; check the files, or --allow-shift to go on anyway$`))],
      stack: false,
    });
    const allowed = preprocess('--allow-shift');
    expect(allowed.status).toBe(0);
    expect(allowed.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([expect.stringMatching(new RegExp(`^warning: ${finding}$`))]);
  }, 60000);

  it('says in one line that a cache with a flipped byte is rebuilt (with --json too), exit 0, as a real process', () => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 30, nTest: 5 });
    const cache = join(tmp.dir, 'cache');
    const file = join(cache, 'prepared.bin');
    const preprocess = (...args: string[]) => runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', cache, ...args]);
    expect(preprocess().status).toBe(0);
    const flip = () => {
      const bytes = readFileSync(file);
      bytes[bytes.length - 100] ^= 1;
      writeFileSync(file, bytes);
    };
    const warning = `warning: the cache \`${file}\` fails its checksum (damaged on disk?); rebuilding it`;
    for (const args of [[], ['--json']]) {
      flip();
      const run = preprocess(...args);
      expect({ status: run.status, warnings: run.stderr.split('\n').filter((l) => l.startsWith('warning:')), stack: /\bat .*\.ts:\d+/.test(run.stderr) }).toEqual({ status: 0, warnings: [warning], stack: false });
      expect(args.length === 0 ? run.stdout : JSON.parse(run.stdout).fromCache).toEqual(args.length === 0 ? expect.stringContaining(`cache:       ${file} (written)`) : false);
    }
    expect(preprocess().stdout).toContain(`cache:       ${file} (reused)`);
  }, 60000);

  it('refuses an --out holding a prepared.bin of the user\'s own, before reading the data, keeping it, as a real process', () => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 12, nTest: 3 });
    const out = join(tmp.dir, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'prepared.bin'), 'my own file');
    const run = runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', out]);
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: `error: Expected \`${join(out, 'prepared.bin')}\` to be absent or a preprocessed-data cache this tool wrote (to replace), found a file that is no cache of this tool; nothing was written (move it away, or choose another cache folder)\n`,
    });
    expect(readFileSync(join(out, 'prepared.bin'), 'utf8')).toBe('my own file');
  }, 30000);

  it('refuses a y_train.csv row with 3 fields as a real process, writing no cache', () => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 6, nTest: 2, files: { 'y_train.csv': 'row_id,label\n0,1\n1,2\n2,3\n3,4\n4,3,9\n5,6\n' } });
    const run = runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache')]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      'error: Expected `y_train.csv` line 6 to have 2 fields (row_id,label) like its header, found 3: `4,3,9`',
    ]);
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(readdirSync(tmp.dir)).toEqual(['data']);
  }, 30000);

  it('refuses unknown flags and bad values', async () => {
    await expect(preprocessMain(['--bogus'])).rejects.toThrow(UsageError);
    await expect(preprocessMain(['--bogus'])).rejects.toThrow('Unknown argument: --bogus (see --help)');
    await expect(preprocessMain(['--data', tmp.dir, '--val-fraction', '1.5'])).rejects.toThrow('Expected --val-fraction between 0 and 1, found 1.5');
    await expect(preprocessMain(['--split', 'random'])).rejects.toThrow(/^Expected --split to be one of .*, found `random`/);
    await expect(preprocessMain(['--data', tmp.dir, '--seed', '1.5'])).rejects.toThrow('Expected --seed to be an integer from 0 to 2147483647, found 1.5');
    await expect(preprocessMain(['--data', tmp.dir, '--seed', '-3'])).rejects.toThrow('Expected --seed to be an integer from 0 to 2147483647, found -3');
  });
});

describe('figures as a real process', () => {
  const figures = (out: string) => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 12, nTest: 3 });
    const run = runScript('packages/data/src/cli/figures.ts', ['--data', data, '--out', out]);
    return { status: run.status, errors: run.stderr.split('\n').filter((l) => l.startsWith('error:')), stack: /\bat .*\.ts:\d+/.test(run.stderr) };
  };

  it('refuses an --out that is a file, or lies under one, in one line, changing nothing', () => {
    const file = join(tmp.dir, 'afile.txt');
    writeFileSync(file, 'hello');
    expect(figures(file)).toEqual({ status: 1, errors: [`error: Expected \`--out ${file}\` to be a folder for the figures, found a file there; nothing was written`], stack: false });
    const under = join(file, 'sub', 'figs');
    expect(figures(under)).toEqual({ status: 1, errors: [`error: Expected \`--out ${under}\` to be a folder for the figures, found a file at \`${file}\`; nothing was written`], stack: false });
    expect(readFileSync(file, 'utf8')).toBe('hello');
  }, 60000);

  it('refuses in one line naming --out, before any work: a folder named as a figure (found only as it wrote, after drawing both), a symbolic-link loop', () => {
    const blocked = join(tmp.dir, 'blocked');
    mkdirSync(join(blocked, 'mfcc-per-digit.png'), { recursive: true });
    expect(figures(blocked)).toEqual({
      status: 1,
      errors: [
        `error: Expected \`--out ${blocked}\` to be a folder for the figures, found a folder at \`${join(blocked, 'mfcc-per-digit.png')}\`, the name of a file it writes; nothing was written`,
      ],
      stack: false,
    });
    expect(readdirSync(blocked)).toEqual(['mfcc-per-digit.png']);
    const loop = join(tmp.dir, 'loop');
    symlinkSync('loop', loop);
    expect(figures(loop)).toEqual({
      status: 1,
      errors: [`error: Expected \`--out ${loop}\` to be a folder for the figures, found too many symbolic links (a loop?) in its path (ELOOP); nothing was written`],
      stack: false,
    });
  }, 60000);
});

describe('figures with images outside 0..255 (spawned)', () => {
  it.each([
    ['negative pixels (drawn as a blank grid)', -5, 'error: Expected `x_train_wr.npy` values in 0..255 or [0,1], found values from -5 to 254'],
    ['pixels above 255 (drawn as black squares)', 300, 'error: Expected `x_train_wr.npy` values in 0..255 or [0,1], found values from 0 to 300'],
  ])('%s: one line as preprocess says it, exit 1, no figure written', (_case, value, line) => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 30, nTest: 5 });
    const images = new Float32Array(30 * 784).map((_, i) => (i % 784) % 255);
    images[3 * 784 + 100] = value;
    writeFileSync(join(data, 'x_train_wr.npy'), npyBytes(images, [30, 784]));
    const figures = runScript('packages/data/src/cli/figures.ts', ['--data', data, '--out', join(tmp.dir, 'figs')]);
    const preprocess = runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache')]);
    for (const run of [figures, preprocess]) {
      expect({ status: run.status, errors: run.stderr.split('\n').filter((l) => l.startsWith('error:')), stack: /\n\s+at /.test(run.stderr) }).toEqual({ status: 1, errors: [line], stack: false });
    }
    expect(existsSync(join(tmp.dir, 'figs'))).toBe(false);
  });
});

describe('figures: --images and a second run', () => {
  it('refuses more --images than the grid can show in one line, exit 2, writing nothing', () => {
    const out = join(tmp.dir, 'figs');
    const run = runScript('packages/data/src/cli/figures.ts', ['--data', join(tmp.dir, 'absent'), '--out', out, '--images', '1001']);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 2, stderr: 'error: Expected --images to be an integer from 1 to 1000, found 1001\n' });
    expect(existsSync(out)).toBe(false);
  }, 30000);

  it('says which figures a second run replaced', () => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 12, nTest: 3 });
    const out = join(tmp.dir, 'figs');
    const first = runScript('packages/data/src/cli/figures.ts', ['--data', data, '--out', out]);
    expect(first.stdout).toBe(`wrote ${join(out, 'digits-grid.png')}\nwrote ${join(out, 'mfcc-per-digit.png')}\n`);
    const second = runScript('packages/data/src/cli/figures.ts', ['--data', data, '--out', out]);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(`replaced ${join(out, 'digits-grid.png')}\nreplaced ${join(out, 'mfcc-per-digit.png')}\n`);
  }, 60000);
});

describe('demo main()', () => {
  it('builds into --out and then reports it up to date', async () => {
    const dir = join(tmp.dir, 'demo');
    await demoMain(['--train', '12', '--test', '3', '--out', dir]);
    await demoMain(['--train', '12', '--test', '3', '--out', dir]);
    expect(out).toEqual([`built demo dataset: ${dir} (12 train, 3 test, seed 1)`, `demo dataset up to date: ${dir} (12 train, 3 test, seed 1)`]);
  });

  /** `digitfuse demo ...` as a separate process (run by `runner`): exit status, the `error:` lines, whether a stack trace shows. */
  const demoAs = (runner: typeof runScript, args: string[]) => {
    const run = runner('packages/data/src/cli/demo.ts', args);
    return { status: run.status, errors: run.stderr.split('\n').filter((l) => l.startsWith('error:')), stack: /\bat .*\.ts:\d+/.test(run.stderr), stdout: run.stdout };
  };
  const demo = (args: string[]) => demoAs(runScript, args);

  it('refuses an --out that is a file, or a folder of other files, and changes nothing there (even with --force)', () => {
    const file = join(tmp.dir, 'afile.txt');
    writeFileSync(file, 'hello\n');
    expect(demo(['--train', '20', '--test', '5', '--out', file])).toMatchObject({
      status: 1,
      errors: [`error: Expected the demo folder \`${file}\` to be absent, an empty folder or a demo dataset, found a file; nothing was changed (choose another folder)`],
      stack: false,
    });
    expect(readFileSync(file, 'utf8')).toBe('hello\n');

    const folder = join(tmp.dir, 'folder');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'notes.txt'), 'notes');
    writeFileSync(join(folder, 'sub', 'important.txt'), 'important');
    expect(demo(['--train', '20', '--test', '5', '--out', folder, '--force'])).toMatchObject({
      status: 1,
      errors: [`error: Expected the demo folder \`${folder}\` to be absent, an empty folder or a demo dataset, found a folder with other files (notes.txt, sub); nothing was changed (choose another folder)`],
      stack: false,
    });
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('notes');
    expect(readFileSync(join(folder, 'sub', 'important.txt'), 'utf8')).toBe('important');
    expect(readdirSync(tmp.dir).sort()).toEqual(['afile.txt', 'folder']);
  }, 60000);

  it('says a demo.json that is no demo manifest is that (it said `a folder with no demo.json (demo.json, ...)`), changing nothing', () => {
    const dir = join(tmp.dir, 'demo');
    expect(demo(['--train', '20', '--test', '5', '--out', dir])).toMatchObject({ status: 0, errors: [] });
    writeFileSync(join(dir, 'demo.json'), 'null');
    expect(demo(['--train', '20', '--test', '5', '--out', dir])).toMatchObject({
      status: 1,
      errors: [
        `error: Expected the demo folder \`${dir}\` to be absent, an empty folder or a demo dataset, found a folder with a demo.json that is no demo dataset's manifest (demo.json, x_test_sp.npy, x_test_wr.npy, ...); nothing was changed (choose another folder)`,
      ],
      stack: false,
    });
    expect(readFileSync(join(dir, 'demo.json'), 'utf8')).toBe('null');
  }, 60000);

  it('builds into the folder an --out symbolic link leads to (an empty one, one not made yet), keeping the link; it built, then failed to move it in', () => {
    mkdirSync(join(tmp.dir, 'empty-target'));
    symlinkSync(join(tmp.dir, 'empty-target'), join(tmp.dir, 'to-empty'));
    symlinkSync(join('later', 'demo'), join(tmp.dir, 'to-later'));
    for (const [link, target] of [['to-empty', 'empty-target'], ['to-later', join('later', 'demo')]]) {
      expect(demo(['--train', '20', '--test', '5', '--out', join(tmp.dir, link)])).toMatchObject({ status: 0, errors: [], stack: false });
      expect(readdirSync(join(tmp.dir, target))).toContain('demo.json');
      expect(readdirSync(join(tmp.dir, link))).toContain('y_train.csv');
    }
    expect(readdirSync(tmp.dir).sort()).toEqual(['empty-target', 'later', 'to-empty', 'to-later']);
  }, 60000);

  it('says on stderr what it builds where before the seconds a build takes (it was silent until done), and nothing when the dataset is up to date', () => {
    const dir = join(tmp.dir, 'demo');
    const first = runScript('packages/data/src/cli/demo.ts', ['--train', '20', '--test', '5', '--out', dir]);
    expect({ status: first.status, stderr: first.stderr, stdout: first.stdout }).toEqual({
      status: 0,
      stderr: `building the demo dataset (20 train, 5 test, seed 1) in ${dir}\n`,
      stdout: `built demo dataset: ${dir} (20 train, 5 test, seed 1)\n`,
    });
    const again = runScript('packages/data/src/cli/demo.ts', ['--train', '20', '--test', '5', '--out', dir]);
    expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
  }, 60000);

  it('removes the half-written folder a build stopped midway (Ctrl-C, a kill) left beside --out, keeping a running build\'s', () => {
    const dir = join(tmp.dir, 'demo');
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // ended and reaped: no process has this id now
    const leftover = (pid: number, kind: string) => {
      const at = join(tmp.dir, `demo.${pid}.1796392900892.${kind}`);
      mkdirSync(at);
      writeFileSync(join(at, 'x_train_wr.npy'), Buffer.alloc(4096)); // a file cut off where the build was stopped
      return at;
    };
    leftover(dead, 'tmp');
    leftover(dead, 'old');
    leftover(process.pid, 'tmp'); // a build still under way
    writeFileSync(join(tmp.dir, 'demo.notes.tmp'), 'mine'); // no build's
    expect(demo(['--train', '20', '--test', '5', '--out', dir])).toMatchObject({ status: 0, errors: [] });
    expect(readdirSync(tmp.dir).sort()).toEqual(['demo', `demo.${process.pid}.1796392900892.tmp`, 'demo.notes.tmp']);
    // Also when the dataset is already up to date (the build stopped was a --force rebuild).
    leftover(dead, 'tmp');
    expect(demo(['--train', '20', '--test', '5', '--out', dir])).toMatchObject({ status: 0, stdout: `demo dataset up to date: ${dir} (20 train, 5 test, seed 1)\n` });
    expect(readdirSync(tmp.dir).sort()).toEqual(['demo', `demo.${process.pid}.1796392900892.tmp`, 'demo.notes.tmp']);
  }, 60000);

  it('refuses to replace a demo dataset of other sizes unless --force', () => {
    const dir = join(tmp.dir, 'demo');
    expect(demo(['--train', '20', '--test', '5', '--out', dir]).status).toBe(0);
    const before = readFileSync(join(dir, 'x_train_wr.npy'));
    expect(demo(['--train', '30', '--test', '5', '--out', dir])).toMatchObject({
      status: 1,
      errors: [`error: Expected the demo folder \`${dir}\` to hold the demo dataset with 30 train, 5 test, seed 1, found one with 20 train, 5 test, seed 1; nothing was changed (--force replaces it)`],
      stack: false,
    });
    expect(readFileSync(join(dir, 'x_train_wr.npy')).equals(before)).toBe(true);
    expect(demo(['--train', '30', '--test', '5', '--out', dir, '--force'])).toMatchObject({ status: 0, stdout: `built demo dataset: ${dir} (30 train, 5 test, seed 1)\n` });
    expect(JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8'))).toMatchObject({ train: 30, test: 5 });
  }, 60000);

  it('writes no test files for --test 0, and preprocess takes the folder as training-only', () => {
    const dir = join(tmp.dir, 'no-test');
    expect(demo(['--train', '20', '--test', '0', '--out', dir]).status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['demo.json', 'x_train_sp.npy', 'x_train_wr.npy', 'y_train.csv']);
    const run = runScript('packages/data/src/cli/preprocess.ts', ['--data', dir, '--out', join(tmp.dir, 'cache')]);
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('rows:        20 train, 0 test');
  }, 60000);

  it('names the user\'s --out, not its temporary folder, when it may not write there, before building anything', () => {
    chmodSync(tmp.dir, 0o755); // mkdtemp's folder: only root could enter it
    const closed = join(tmp.dir, 'closed');
    mkdirSync(closed, { mode: 0o755 });
    expect(demoAs(runScriptUnprivileged, ['--train', '20', '--test', '5', '--out', join(closed, 'd')])).toMatchObject({
      status: 1,
      errors: [`error: Cannot write the demo dataset to \`${join(closed, 'd')}\`: permission denied (EACCES); nothing was written`],
      stack: false,
    });
    expect(readdirSync(closed)).toEqual([]);
    // A folder it may not look into (or one behind such a folder): it printed Node's `EACCES: permission denied, scandir` (or `stat`) with a stack trace.
    const shut = join(tmp.dir, 'shut');
    mkdirSync(join(shut, 'inner'), { recursive: true });
    chmodSync(shut, 0o700);
    for (const out of [shut, join(shut, 'inner')]) {
      expect(demoAs(runScriptUnprivileged, ['--train', '20', '--test', '5', '--out', out])).toMatchObject({
        status: 1,
        errors: [`error: Cannot write the demo dataset to \`${out}\`: permission denied (EACCES); nothing was written`],
        stack: false,
      });
    }
    expect(readdirSync(shut)).toEqual(['inner']);
  }, 60000);

  describe('on a full disk', () => {
    const disk = useFullDisk(64);
    it('names the file under the user\'s --out that could not be written, and leaves nothing behind', () => {
      const root = disk();
      if (!root) return;
      const dir = join(root, 'demo');
      expect(demo(['--train', '200', '--test', '20', '--out', dir])).toMatchObject({
        status: 1,
        errors: [`error: Cannot write \`${join(dir, 'x_train_wr.npy')}\`: no space left on the device (ENOSPC); the file was left as it was`],
        stack: false,
      });
      expect(readdirSync(root)).toEqual([]);
    }, 60000);
  });

  it('refuses a --seed above 2147483647, as the other commands do', () => {
    for (const seed of ['2147483648', '1e300']) {
      expect(demo(['--train', '20', '--test', '5', '--seed', seed, '--out', join(tmp.dir, 'never')])).toMatchObject({
        status: 2,
        errors: [`error: Expected --seed to be an integer from 0 to 2147483647${seed.includes('e') ? ' written in digits' : ''}, found ${seed}`],
        stack: false,
      });
    }
    expect(existsSync(join(tmp.dir, 'never'))).toBe(false);
  }, 60000);

  it('refuses sizes out of range', async () => {
    await expect(demoMain(['--train', '0'])).rejects.toThrow('Expected --train to be a positive integer, found 0');
    await expect(demoMain(['--test', '10001'])).rejects.toThrow('Expected --test to be at most 10000 (MNIST test images), found 10001');
  });
});

describe('the default folders of figures, demo and preprocess (spawned from another folder)', () => {
  it('are in the workspace whatever the current folder, and --help says so (not a path that reads as relative to it)', () => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 30, nTest: 5 });
    const elsewhere = join(tmp.dir, 'elsewhere');
    mkdirSync(elsewhere);
    const run = runScript('packages/data/src/cli/preprocess.ts', ['--data', data], process.env, elsewhere);
    expect(run.status).toBe(0);
    const cache = new RegExp(`\\ncache: +(${WORKSPACE}/\\.cache/prepared/data-[0-9a-f]+)/prepared\\.bin `).exec(run.stdout)?.[1];
    expect(cache).toBeDefined();
    rmSync(cache!, { recursive: true, force: true });
    expect(readdirSync(elsewhere)).toEqual([]);
    const helpOf = (script: string) => runScript(`packages/data/src/cli/${script}.ts`, ['--help'], process.env, elsewhere).stdout.replace(/\s+/g, ' ');
    expect(helpOf('preprocess')).toContain('(default: <workspace>/.cache/prepared/<data name>-<hash>)');
    expect(helpOf('demo')).toContain('default: <workspace>/.cache/demo/<train>-<test>-<seed>)');
    expect(helpOf('figures')).toContain('[default: <workspace>/runs/data-figures]');
  });
});

describe('preprocess with competition files under other names (spawned)', () => {
  it.each([
    [['x_train_wr.npy'], 'X_train_wr.npy', '`x_train_wr.npy` in `<data>`, found no such file, but `X_train_wr.npy` (file names are case-sensitive: rename it x_train_wr.npy)'],
    [['x_train_sp.npy'], 'x_train_sp.npy.gz', '`x_train_sp.npy` in `<data>`, found no such file, but `x_train_sp.npy.gz` (a compressed copy? decompress it to x_train_sp.npy)'],
    [['y_train.csv'], 'y_train.txt', '`y_train.csv` in `<data>`, found no such file, but `y_train.txt` (another format? save its data as y_train.csv)'],
    // Without the names it reads, the test files were taken for absent: a training-only run, no submission.
    [['x_test_wr.npy', 'x_test_sp.npy'], 'X_test_wr.npy', '`x_test_wr.npy` in `<data>` (or no test file at all), found `X_test_wr.npy` (file names are case-sensitive: rename it x_test_wr.npy)'],
  ])('%j renamed like %s: one line naming the file it found and what to do, exit 1, nothing written', (names, renamed, expected) => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 30, nTest: 5 });
    for (const name of names) renameSync(join(data, name), join(data, name === names[0] ? renamed : name.replace('x_', 'X_')));
    const run = runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache')]);
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: Expected ${expected.replace('<data>', data)}`]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(tmp.dir, 'cache'))).toBe(false);
  });
});

describe('preprocess with a y_train.csv saved without its header, or with an index column (spawned)', () => {
  it.each([
    ['no header line (numpy.savetxt)', (rows: string[]) => rows.slice(1), 'line 1 to be the header `row_id,label` (or `label`), found the data row `0,3` (no header line: add one)'],
    ['a pandas index column', (rows: string[]) => rows.map((r, i) => `${i === 0 ? '' : i - 1},${r}`), 'line 1 to be the header `row_id,label` (or `label`), found a column without a name (an index saved with the rows? save without it, e.g. to_csv(index=False)): `,row_id,label`'],
  ])('%s: one line saying so, exit 1, no cache written', (_case, edit, expected) => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 30, nTest: 5 });
    const rows = readFileSync(join(data, 'y_train.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(data, 'y_train.csv'), `${edit(rows).join('\n')}\n`);
    const run = runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache')]);
    expect({ status: run.status, errors: run.stderr.split('\n').filter((l) => l.startsWith('error:')), stack: /\n\s+at /.test(run.stderr) }).toEqual({
      status: 1,
      errors: [`error: Expected \`y_train.csv\` ${expected}`],
      stack: false,
    });
    expect(existsSync(join(tmp.dir, 'cache'))).toBe(false);
  });
});

describe('preprocess with an .npz or a gzip file saved as .npy (spawned)', () => {
  it.each([
    ['an .npz (zip) archive', Buffer.from('PK\x03\x04\x14\x00\x00\x00', 'latin1'), '"PK\\x03\\x04\\x14\\x00\\x00\\x00" (a zip archive: an .npz? save the one array with numpy.save)'],
    ['gzip-compressed npy', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x41, 0x42, 0x43, 0x44]), '"\\x1f\\x8b\\x08\\x00ABCD" (gzip-compressed: decompress it)'],
  ])('%s: one line saying what the file is and what to do', (_kind, bytes, found) => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 30, nTest: 5 });
    writeFileSync(join(data, 'x_train_sp.npy'), bytes);
    const run = runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache')]);
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: Expected \`x_train_sp.npy\` to be an .npy file (starting with \\x93NUMPY), found ${found}`]);
  });
});

describe('preprocess with a float64 number beyond float32 (spawned)', () => {
  it('says the -Infinity it reports may be a finite float64 the float32 reading overflowed (the file holds -1e300, no infinity)', () => {
    const data = join(tmp.dir, 'data');
    writeCompetitionFixture(data, { nTrain: 30, nTest: 5 });
    const audio = new Float64Array(30 * 507).fill(0.5);
    audio[4 * 507 + 7] = -1e300;
    writeFileSync(join(data, 'x_train_sp.npy'), npyBytes(audio, [30, 507], { dtype: 'f8' }));
    const run = runScript('packages/data/src/cli/preprocess.ts', ['--data', data, '--out', join(tmp.dir, 'cache')]);
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      "error: Expected `x_train_sp.npy` to hold finite numbers, found -Infinity (or a float64 number beyond float32's ±3.4e38, which reads as that) at row 4, column 7",
    ]);
  });
});
