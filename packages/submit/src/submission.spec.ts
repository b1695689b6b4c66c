import { useTempDirs } from '@digitfuse/core/testing';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SubmissionError } from './errors';
import { validateSubmission } from './validate-submission';
import { formatSubmission, writeSubmission } from './write-submission';

const dir = useTempDirs('submit-');

describe('writeSubmission()', () => {
  it('writes row_id,label for every row in order and validates', () => {
    const path = join(dir(), 'out', 'submission.csv');
    writeSubmission(path, Int32Array.from([3, 0, 9]));
    expect(readFileSync(path, 'utf8')).toBe('row_id,label\n0,3\n1,0\n2,9\n');
    expect(validateSubmission(path, 3).labelCounts).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  });

  it('refuses a non-digit prediction and leaves the earlier file intact', () => {
    const d = dir();
    const path = join(d, 'submission.csv');
    writeSubmission(path, [1, 2]);
    expect(() => writeSubmission(path, [1, 10])).toThrow('Expected prediction 1 to be an integer digit 0..9, found 10');
    expect(readFileSync(path, 'utf8')).toBe('row_id,label\n0,1\n1,2\n');
    expect(readdirSync(d)).toEqual(['submission.csv']);
  });
});

describe('validateSubmission()', () => {
  const cases: Array<[string, string, number, string, number | undefined]> = [
    ['wrong header', 'id,label\n0,1\n', 1, 'line 1 to be the header `row_id,label`, found `id,label`', 1],
    ['too few rows', 'row_id,label\n0,1\n', 2, 'to have 2 rows (one per test row), found 1: the last is row_id 0 (line 2)', 3],
    ['too many rows', 'row_id,label\n0,1\n1,1\n', 1, 'to have 1 row (one per test row), found 2: line 3 `1,1` is past row_id 0', 3],
    ['a repeated last row', 'row_id,label\n0,1\n1,1\n1,1\n', 2, 'to have 2 rows (one per test row), found 3: line 4 `1,1` is past row_id 1', 4],
    ['a blank line between rows', 'row_id,label\n0,1\n\n1,1\n', 2, 'line 3 to have 2 fields (row_id,label), found 1', 3],
    ['row id out of order', 'row_id,label\n1,1\n0,1\n', 2, 'line 2 to have row_id 0, found `1`', 2],
    ['label out of range', 'row_id,label\n0,1\n1,12\n', 2, 'line 3 to have a label 0..9, found `12`', 3],
    ['non-integer label', 'row_id,label\n0,1.5\n', 1, 'line 2 to have a label 0..9, found `1.5`', 2],
    ['missing field', 'row_id,label\n0\n', 1, 'line 2 to have 2 fields (row_id,label), found 1', 2],
  ];
  it.each(cases)('refuses %s, naming the line', (_name, text, n, message, line) => {
    const path = join(dir(), 'submission.csv');
    writeFileSync(path, text);
    let error: unknown;
    try {
      validateSubmission(path, { n });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SubmissionError);
    expect((error as SubmissionError).message).toContain(message);
    expect((error as SubmissionError).line).toBe(line);
  });

  it('says a UTF-16 or binary submission is one, instead of quoting its bytes', () => {
    const path = join(dir(), 'submission.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('row_id,label\r\n0,4\r\n', 'utf16le')]));
    expect(() => validateSubmission(path, 1)).toThrow(`Expected the submission \`${path}\` to be a UTF-8 CSV file (row_id,label), found a UTF-16 file (save it as UTF-8)`);
    writeFileSync(path, Buffer.alloc(100));
    expect(() => validateSubmission(path, 1)).toThrow(`Expected the submission \`${path}\` to be a UTF-8 CSV file (row_id,label), found binary data (NUL bytes, the first at offset 0)`);
  });

  it('says the test files have no rows rather than naming a row past row_id -1', () => {
    const path = join(dir(), 'submission.csv');
    writeFileSync(path, 'row_id,label\n0,4\n');
    expect(() => validateSubmission(path, 0)).toThrow(`Expected \`${path}\` to have 0 rows (one per test row), found 1: the test files have 0 rows, so no submission fits them`);
  });

  it('refuses a missing file by name', () => {
    expect(() => validateSubmission('/nonexistent/submission.csv', 1)).toThrow('Expected the submission `/nonexistent/submission.csv` to be a CSV file, found nothing there');
  });

  it('accepts blank lines after the last row (an editor shows none), and counts no row for them', () => {
    const path = join(dir(), 'submission.csv');
    writeFileSync(path, 'row_id,label\n0,4\n1,2\n\n \n');
    expect(validateSubmission(path, 2)).toEqual({ file: path, rows: 2, labelCounts: [0, 0, 1, 0, 1, 0, 0, 0, 0, 0] });
  });

  it('reads CSV quoting: quoted fields, and an unterminated quote named by line', () => {
    const path = join(dir(), 'submission.csv');
    writeFileSync(path, '"row_id","label"\n"0","4"\n');
    expect(validateSubmission(path, 1).labelCounts[4]).toBe(1);
    writeFileSync(path, 'row_id,label\n0,"4\n');
    expect(() => validateSubmission(path, 1)).toThrow(/line 2 to be valid CSV, found quoted field unterminated/);
  });

  it('accepts CRLF line ends and a BOM', () => {
    const path = join(dir(), 'submission.csv');
    writeFileSync(path, '\ufeffrow_id,label\r\n0,4\r\n');
    expect(validateSubmission(path, 1).rows).toBe(1);
  });

  it('round-trips formatSubmission', () => {
    const path = join(dir(), 's.csv');
    const labels = Array.from({ length: 100 }, (_, i) => (i * 7) % 10);
    writeFileSync(path, formatSubmission(labels));
    expect(validateSubmission(path, 100).labelCounts).toEqual(new Array(10).fill(10));
  });
});
