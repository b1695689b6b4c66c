import { readFileSync } from 'node:fs';
import { counted, inputFileProblem, readProblem, somethingAt } from '@digitfuse/core';
import { csvTextProblem, NUM_CLASSES } from '@digitfuse/data';
import Papa from 'papaparse';
import { SubmissionError } from './errors';
import { SUBMISSION_HEADER } from './write-submission';

/** What a valid submission looked like. */
export interface SubmissionSummary {
  readonly file: string;
  readonly rows: number;
  /** How many rows predict each digit 0..9. */
  readonly labelCounts: number[];
}

/**
 * Throws a SubmissionError unless `path` is a file this process can read: nothing there, a folder, a
 * file it may not read, a folder on its path it may not enter, a broken symbolic link (see
 * `inputFileProblem`), said in one line.
 */
export function requireSubmissionFile(path: string): void {
  const problem = somethingAt(path) ? inputFileProblem(path) : 'nothing there';
  if (problem !== null) throw new SubmissionError(`Expected the submission \`${path}\` to be a CSV file, found ${problem}`, path);
}

/** The submission's text: a SubmissionError when it cannot be read or is no UTF-8 text (UTF-16, binary data; see `csvTextProblem`). */
function readSubmission(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new SubmissionError(`Expected the submission \`${path}\` to be a CSV file, found ${readProblem(err, path)}`, path);
  }
  const problem = csvTextProblem(bytes);
  if (problem !== null) throw new SubmissionError(`Expected the submission \`${path}\` to be a UTF-8 CSV file (${SUBMISSION_HEADER}), found ${problem}`, path);
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Check a submission against the test set: header `row_id,label`, exactly `nTest` rows, row ids
 * 0..nTest-1 in order, labels integers 0..9. Throws SubmissionError naming the first bad line.
 * `testData` is the number of test rows or anything with `n` (e.g. the test ModelInputs).
 */
export function validateSubmission(path: string, testData: number | { readonly n: number }): SubmissionSummary {
  const nTest = typeof testData === 'number' ? testData : testData.n;
  requireSubmissionFile(path);
  const text = readSubmission(path);
  const parsed = Papa.parse<string[]>(text, { delimiter: ',', skipEmptyLines: false });
  const records = parsed.data;
  // The newline ending the last row leaves one empty record; blank lines after the last row are not
  // rows either (an editor shows none; Kaggle's reader skips them).
  const blank = (record: string[] | undefined) => record !== undefined && record.length === 1 && record[0].trim() === '';
  while (records.length > 1 && blank(records[records.length - 1])) records.pop();
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError) {
    const lineNo = (quoteError.row ?? 0) + 1;
    throw new SubmissionError(`Expected \`${path}\` line ${lineNo} to be valid CSV, found ${quoteError.message.toLowerCase()}`, path, lineNo);
  }
  const header = (records[0] ?? []).join(',').trim();
  if (header !== SUBMISSION_HEADER) {
    throw new SubmissionError(
      `Expected \`${path}\` line 1 to be the header \`${SUBMISSION_HEADER}\`, found \`${header.slice(0, 60)}\``,
      path,
      1,
    );
  }
  const rows = records.length - 1;
  const labelCounts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < Math.min(rows, nTest); i++) {
    const lineNo = i + 2;
    const cells = records[i + 1].map((c) => c.trim());
    if (cells.length !== 2) {
      throw new SubmissionError(
        `Expected \`${path}\` line ${lineNo} to have 2 fields (row_id,label), found ${cells.length}: \`${records[i + 1].join(',').slice(0, 60)}\``,
        path,
        lineNo,
      );
    }
    const [id, label] = cells;
    if (!/^\d+$/.test(id) || Number(id) !== i) {
      throw new SubmissionError(`Expected \`${path}\` line ${lineNo} to have row_id ${i}, found \`${id}\``, path, lineNo);
    }
    if (!/^\d+$/.test(label) || Number(label) >= NUM_CLASSES) {
      throw new SubmissionError(
        `Expected \`${path}\` line ${lineNo} to have a label 0..${NUM_CLASSES - 1}, found \`${label}\``,
        path,
        lineNo,
      );
    }
    labelCounts[Number(label)]++;
  }
  if (rows !== nTest) {
    // Name where the rows stop, or the first row past the last test row.
    const where =
      rows < nTest
        ? rows > 0
          ? `: the last is row_id ${rows - 1} (line ${rows + 1})`
          : ''
        : nTest === 0
          ? ': the test files have 0 rows, so no submission fits them'
          : `: line ${nTest + 2} \`${records[nTest + 1].join(',').slice(0, 60)}\` is past row_id ${nTest - 1}`;
    throw new SubmissionError(
      `Expected \`${path}\` to have ${counted(nTest, 'row')} (one per test row), found ${rows}${where}`,
      path,
      rows < nTest ? rows + 2 : nTest + 2,
    );
  }
  return { file: path, rows, labelCounts };
}
