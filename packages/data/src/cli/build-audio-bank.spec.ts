import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScript, runScriptUnprivileged } from '@digitfuse/core/testing';
import { makeTempDir, npyBytes } from '../testing';

// A separate process through tsx: seconds, more on a loaded 2-core machine.
jest.setTimeout(120_000);

const HEADER = 'clip,file,digit,speaker,index,split';
const ROWS = ['0,0_george_0.wav,0,george,0,test', '1,1_jackson_7.wav,1,jackson,7,train', '2,2_theo_3.wav,2,theo,3,train'];

describe('digitfuse audio-bank (the binary)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (tmp = makeTempDir('audio-bank-')));
  afterEach(() => tmp.cleanup());

  /**
   * An FSDD folder with `mfcc` as mfcc.npy (default [3,507] of finite values; null: none) and, unless
   * null, `clips` as clips.csv; runs the command on it, writing to `out` (default a new folder).
   */
  const run = (clips: string | Uint8Array | null, mfcc: Float32Array | null = new Float32Array(3 * 507).map((_, i) => i % 13), out = join(tmp.dir, 'out')) => {
    const fsdd = join(tmp.dir, 'fsdd');
    mkdirSync(fsdd);
    if (mfcc !== null) writeFileSync(join(fsdd, 'mfcc.npy'), npyBytes(mfcc, [3, 507]));
    if (clips !== null) writeFileSync(join(fsdd, 'clips.csv'), clips);
    return { fsdd, ...runScript('packages/data/src/cli/build-audio-bank.ts', ['--fsdd', fsdd, '--out', out]) };
  };
  const lines = (...rows: string[]) => `${rows.join('\n')}\n`;

  it('writes the bank from a well-formed folder (a byte-order mark and blank lines are fine)', () => {
    const r = run(`\ufeff${lines(HEADER, ROWS[0], '', ROWS[1], ROWS[2])}`);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^wrote 3 clips \(1521 bytes\)/);
    expect(existsSync(join(tmp.dir, 'out', 'fsdd-mfcc.json'))).toBe(true);
  });

  it('refuses a folder without clips.csv or mfcc.npy in one line naming --fsdd (it was ENOENT with a stack trace, then a bare "File not found")', () => {
    const r = run(null);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: Expected \`--fsdd ${r.fsdd}\` to hold clips.csv (one line per clip), found no such file\n`,
    });
    rmSync(r.fsdd, { recursive: true });
    const noMfcc = run(lines(HEADER, ...ROWS), null);
    expect({ status: noMfcc.status, stderr: noMfcc.stderr }).toEqual({
      status: 1,
      stderr: `error: Expected \`--fsdd ${noMfcc.fsdd}\` to hold mfcc.npy (the clips' MFCC features [N,507]), found no such file\n`,
    });
  });

  it('says an --fsdd folder behind a folder it may not enter is that, not "no such folder", as a user other than root', () => {
    chmodSync(tmp.dir, 0o755);
    const shut = join(tmp.dir, 'shut');
    mkdirSync(join(shut, 'fsdd'), { recursive: true });
    chmodSync(shut, 0o700);
    const r = runScriptUnprivileged('packages/data/src/cli/build-audio-bank.ts', ['--fsdd', join(shut, 'fsdd'), '--out', join(tmp.dir, 'out')]);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: Expected \`--fsdd ${join(shut, 'fsdd')}\` to be the FSDD folder (mfcc.npy, clips.csv), found no access to the folder \`${shut}\` on its path (permission denied, EACCES)\n`,
    });
    expect(existsSync(join(tmp.dir, 'out'))).toBe(false);
  });

  it.each([
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('refuses %p in mfcc.npy in one line naming the file and the first bad row and column, writing nothing', (value, found) => {
    const mfcc = new Float32Array(3 * 507).map((_, i) => i % 13);
    mfcc[507 + 20] = value;
    mfcc[2 * 507] = value;
    const r = run(lines(HEADER, ...ROWS), mfcc);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `error: Expected \`mfcc.npy\` to hold finite numbers, found ${found} at row 1, column 20\n` });
    expect(existsSync(join(tmp.dir, 'out'))).toBe(false);
  });

  it('refuses an --out that is a file, saying so, before reading anything (it named a fsdd-mfcc.u8 under the file, EEXIST)', () => {
    const file = join(tmp.dir, 'afile');
    writeFileSync(file, 'keep');
    const r = run(lines(HEADER, ...ROWS), undefined, file);
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 1,
      stderr: `error: Expected \`--out ${file}\` to be a folder for fsdd-mfcc.u8 and fsdd-mfcc.json, found a file there; nothing was written\n`,
    });
    expect(readFileSync(file, 'utf8')).toBe('keep');
  });

  it('writes fsdd-mfcc.u8 and fsdd-mfcc.json together: one that cannot be written leaves the other as it was (a new .u8 beside an old .json is a broken bank)', () => {
    const out = join(tmp.dir, 'out');
    mkdirSync(join(out, 'fsdd-mfcc.json'), { recursive: true }); // in the way of the second file
    writeFileSync(join(out, 'fsdd-mfcc.u8'), 'the bank as it was');
    const r = run(lines(HEADER, ...ROWS), undefined, out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: [^\n]*fsdd-mfcc\.json[^\n]*\n$/);
    expect(readFileSync(join(out, 'fsdd-mfcc.u8'), 'utf8')).toBe('the bank as it was');
    expect(readdirSync(out).sort()).toEqual(['fsdd-mfcc.json', 'fsdd-mfcc.u8']);
  });

  it.each([
    ['missing columns', lines('clip,file,digit,speaker', ...ROWS), 'Expected `clips.csv` to have the columns clip,digit,speaker,index,split, found clip,file,digit,speaker on line 1 (no index, split)'],
    ['a short row', lines(HEADER, ROWS[0], '1,1_jackson_7.wav,1', ROWS[2]), 'Expected `clips.csv` to have 6 fields per row like its header, found 3 on line 3'],
    ['a clip out of order', lines(HEADER, ROWS[0], ROWS[2], ROWS[1]), 'Expected `clips.csv` clip 1 (one row per mfcc.npy row, in order), found "2" on line 3'],
    ['a digit that is not 0..9', lines(HEADER, ROWS[0], ROWS[1], '2,2_theo_3.wav,two,theo,3,train'), 'Expected `clips.csv` digit to be an integer 0..9, found "two" on line 4'],
    ['a digit after a blank line', lines(HEADER, ROWS[0], '', ROWS[1], '2,2_theo_3.wav,12,theo,3,train'), 'Expected `clips.csv` digit to be an integer 0..9, found "12" on line 5'],
    ['an empty speaker', lines(HEADER, ROWS[0], '1,1_jackson_7.wav,1,,7,train', ROWS[2]), 'Expected `clips.csv` speaker to be a name, found "" on line 3'],
    ['an index that is not an integer', lines(HEADER, '0,0_george_0.wav,0,george,-1,test', ROWS[1], ROWS[2]), 'Expected `clips.csv` index to be a non-negative integer, found "-1" on line 2'],
    ['an unknown split', lines(HEADER, ROWS[0], ROWS[1], '2,2_theo_3.wav,2,theo,3,val'), 'Expected `clips.csv` split to be \'train\' or \'test\', found "val" on line 4'],
    ['fewer clips than mfcc.npy', lines(HEADER, ROWS[0], ROWS[1]), 'Expected `clips.csv` to list 3 clips like mfcc.npy, found 2'],
    ['an empty file', '', 'Expected `clips.csv` to have a header line with clip,digit,speaker,index,split, found an empty file'],
    ['UTF-16 text', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines(HEADER, ...ROWS), 'utf16le')]), 'Expected `clips.csv` to be a UTF-8 CSV file with clip,digit,speaker,index,split, found a UTF-16 file (save it as UTF-8)'],
  ])('refuses clips.csv with %s in one line naming the file (and line), exit 1', (_case, clips, message) => {
    const r = run(clips);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 1, stdout: '', stderr: `error: ${message}\n` });
    expect(existsSync(join(tmp.dir, 'out'))).toBe(false);
  });
});
