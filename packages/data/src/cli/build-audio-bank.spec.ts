import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScript } from '@digitfuse/core/testing';
import { makeTempDir, npyBytes } from '../testing';

// A separate process through tsx: seconds, more on a loaded 2-core machine.
jest.setTimeout(120_000);

const HEADER = 'clip,file,digit,speaker,index,split';
const ROWS = ['0,0_george_0.wav,0,george,0,test', '1,1_jackson_7.wav,1,jackson,7,train', '2,2_theo_3.wav,2,theo,3,train'];

describe('digitfuse audio-bank (the binary)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (tmp = makeTempDir('audio-bank-')));
  afterEach(() => tmp.cleanup());

  /** An FSDD folder with mfcc.npy [3,507] and, unless null, `clips` as clips.csv; runs the command on it. */
  const run = (clips: string | null) => {
    const fsdd = join(tmp.dir, 'fsdd');
    mkdirSync(fsdd);
    writeFileSync(join(fsdd, 'mfcc.npy'), npyBytes(new Float32Array(3 * 507).map((_, i) => i % 13), [3, 507]));
    if (clips !== null) writeFileSync(join(fsdd, 'clips.csv'), clips);
    return { fsdd, ...runScript('packages/data/src/cli/build-audio-bank.ts', ['--fsdd', fsdd, '--out', join(tmp.dir, 'out')]) };
  };
  const lines = (...rows: string[]) => `${rows.join('\n')}\n`;

  it('writes the bank from a well-formed folder (a byte-order mark and blank lines are fine)', () => {
    const r = run(`\ufeff${lines(HEADER, ROWS[0], '', ROWS[1], ROWS[2])}`);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^wrote 3 clips \(1521 bytes\)/);
    expect(existsSync(join(tmp.dir, 'out', 'fsdd-mfcc.json'))).toBe(true);
  });

  it('refuses a folder without clips.csv in one line, like a missing mfcc.npy (it was ENOENT with a stack trace)', () => {
    const r = run(null);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 1, stdout: '', stderr: `error: Expected \`${join(r.fsdd, 'clips.csv')}\` to be a CSV file, found no such file\n` });
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
  ])('refuses clips.csv with %s in one line naming the file (and line), exit 1', (_case, clips, message) => {
    const r = run(clips);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 1, stdout: '', stderr: `error: ${message}\n` });
    expect(existsSync(join(tmp.dir, 'out'))).toBe(false);
  });
});
