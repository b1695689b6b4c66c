import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors';
import { makeTempDir } from '../testing';
import { parseLabelsCsv, readLabelsCsv } from './read-labels';

const parse = (text: string) => parseLabelsCsv(text, 'y_train.csv');

describe('parseLabelsCsv()', () => {
  it('reads labels in row_id order', () => {
    const out = parse('row_id,label\n2,7\n0,3\n1,9\n');
    expect(Array.from(out.labels)).toEqual([3, 9, 7]);
    expect(Array.from(out.rowIds)).toEqual([0, 1, 2]);
  });

  it('tolerates a BOM, CRLF line ends, surrounding whitespace and blank lines', () => {
    const out = parse('\uFEFF  row_id , label \r\n\r\n 0 , 1 \r\n1,\t2\r\n\r\n   \n2,3\r\n\n');
    expect(Array.from(out.labels)).toEqual([1, 2, 3]);
  });

  it('uses file order when there is no row_id column', () => {
    expect(Array.from(parse('label\n4\n5\n').labels)).toEqual([4, 5]);
  });

  it('refuses a file without a label column, listing the columns found', () => {
    expect(() => parse('row_id,digit\n0,1\n')).toThrow(DataError);
    expect(() => parse('row_id,digit\n0,1\n')).toThrow('Expected `y_train.csv` to have a `label` column, found columns: row_id,digit');
    expect(() => parse('')).toThrow('found an empty file');
  });

  it('refuses a row whose field count differs from the header, naming the line and what it holds', () => {
    expect(() => parse('row_id,label\n0,1\n1,2\n2,3\n4,3,9\n')).toThrow(DataError);
    expect(() => parse('row_id,label\n0,1\n1,2\n2,3\n4,3,9\n')).toThrow('Expected `y_train.csv` line 5 to have 2 fields (row_id,label) like its header, found 3: `4,3,9`');
    expect(() => parse('row_id,label\n\n0,1\n1,2,\n')).toThrow('Expected `y_train.csv` line 4 to have 2 fields (row_id,label) like its header, found 3: `1,2,`');
    expect(() => parse('row_id,label\n0\n')).toThrow('line 2 to have 2 fields (row_id,label) like its header, found 1: `0`');
    expect(() => parse('label\n1\n2,3\n')).toThrow('Expected `y_train.csv` line 3 to have 1 field (label) like its header, found 2: `2,3`');
  });

  it('refuses a header with a column named twice or another column', () => {
    expect(() => parse('row_id,label,label\n0,1,1\n')).toThrow('Expected `y_train.csv` line 1 to be the header `row_id,label` (or `label`), found `label` twice: `row_id,label,label`');
    expect(() => parse('\n\nrow_id,row_id,label\n0,0,1\n')).toThrow('line 3 to be the header `row_id,label` (or `label`), found `row_id` twice');
    expect(() => parse('id,label\n1,2\n0,1\n')).toThrow('Expected `y_train.csv` line 1 to be the header `row_id,label` (or `label`), found the column `id`: `id,label`');
    expect(Array.from(parse('Label , ROW_ID\n1,1\n2,0\n').labels)).toEqual([2, 1]);
  });

  it('says a file saved without its header line (numpy.savetxt, to_csv(header=False)) is that, not "found columns: 0,3"', () => {
    expect(() => parse('0,3\n1,5\n')).toThrow('Expected `y_train.csv` line 1 to be the header `row_id,label` (or `label`), found the data row `0,3` (no header line: add one)');
    expect(() => parse('\n7\n2\n')).toThrow('Expected `y_train.csv` line 2 to be the header `row_id,label` (or `label`), found the data row `7` (no header line: add one)');
    expect(() => parse('0.0,3.0\n')).toThrow('found the data row `0.0,3.0` (no header line: add one)');
    expect(() => parse('row_id,digit\n0,1\n')).toThrow('Expected `y_train.csv` to have a `label` column, found columns: row_id,digit');
  });

  it('says an unnamed first column is one (pandas\' to_csv writes its index so), not "the column ``"', () => {
    expect(() => parse(',row_id,label\n0,0,3\n1,1,5\n')).toThrow(
      'Expected `y_train.csv` line 1 to be the header `row_id,label` (or `label`), found a column without a name (an index saved with the rows? save without it, e.g. to_csv(index=False)): `,row_id,label`',
    );
  });

  it('refuses an unterminated quote, naming its line', () => {
    expect(() => parse('row_id,label\n\n0,1\n1,"2\n2,3\n')).toThrow('Expected `y_train.csv` line 4 to be valid CSV, found quoted field unterminated');
  });

  it('refuses non-integer labels naming the line', () => {
    expect(() => parse('row_id,label\n0,1\n1,3.5\n')).toThrow('Expected `y_train.csv` labels to be integers 0..9, found "3.5" on line 3');
    expect(() => parse('row_id,label\n0,1\n\n1,\n')).toThrow('found "" on line 4');
    expect(() => parse('row_id,label\n0,seven\n')).toThrow('found "seven" on line 2');
    expect(() => parse('row_id,label\n0,1\n,\n 1 , x\n')).toThrow('found "x" on line 4');
  });

  it('refuses out-of-range labels', () => {
    expect(() => parse('row_id,label\n0,10\n')).toThrow('Expected `y_train.csv` labels to be integers 0..9, found 10 on line 2');
    expect(() => parse('row_id,label\n0,-1\n')).toThrow('found -1 on line 2');
  });

  it('refuses duplicate and non-integer row_id values', () => {
    expect(() => parse('row_id,label\n0,1\n1,2\n2,3\n1,4\n')).toThrow('Expected unique row_id values in `y_train.csv`, found row_id 1 on line 3 and again on line 5');
    expect(() => parse('row_id,label\n0,1\nabc,2\n')).toThrow('Expected `y_train.csv` row_id to be an integer, found "abc" on line 3');
  });
});

describe('parseLabelsCsv() row ids', () => {
  it('refuses ids that are not exactly 0..n-1, naming the first offending line (one typo would shift every later label)', () => {
    expect(() => parse('row_id,label\n0,1\n99999999999999999999999,2\n2,3\n')).toThrow(
      'Expected `y_train.csv` row_id values to be exactly 0..2 (one per row, any order), found 99999999999999999999999 on line 3',
    );
    expect(() => parse('row_id,label\n1,1\n2,2\n3,3\n')).toThrow('found 3 on line 4');
    expect(() => parse('row_id,label\n-1,1\n0,2\n')).toThrow('found -1 on line 2');
    expect(Array.from(parse('row_id,label\n1,5\n0,4\n').labels)).toEqual([4, 5]);
  });
});

describe('readLabelsCsv()', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (tmp = makeTempDir('read-labels-')));
  afterEach(() => tmp.cleanup());

  const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const utf16be = (text: string) => Buffer.from(utf16le(text)).swap16();
  it.each([
    ['UTF-16 LE with a byte-order mark', utf16le('row_id,label\r\n0,1\r\n'), 'a UTF-16 file (save it as UTF-8)'],
    ['UTF-16 BE with a byte-order mark', utf16be('row_id,label\n0,1\n'), 'a UTF-16 file (save it as UTF-8)'],
    ['UTF-16 LE without one', Buffer.from('row_id,label\n0,1\n', 'utf16le'), 'a UTF-16 file (save it as UTF-8)'],
    ['NUL bytes only', Buffer.alloc(64), 'binary data (NUL bytes, the first at offset 0)'],
    ['text with a NUL byte in it', Buffer.from('row_id,label\n0,1\u0000\n'), 'binary data (NUL bytes, the first at offset 16)'],
  ])('refuses %s in words, not by its bytes', (_case, bytes, found) => {
    const file = join(tmp.dir, 'y_train.csv');
    writeFileSync(file, bytes);
    expect(() => readLabelsCsv(file)).toThrow(DataError);
    expect(() => readLabelsCsv(file)).toThrow(`Expected \`y_train.csv\` to be a UTF-8 CSV file with \`row_id,label\`, found ${found}`);
  });

  it('reads UTF-8 with a byte-order mark', () => {
    const file = join(tmp.dir, 'y_train.csv');
    writeFileSync(file, '\ufeffrow_id,label\n0,1\n1,2\n');
    expect(Array.from(readLabelsCsv(file).labels)).toEqual([1, 2]);
  });
});
