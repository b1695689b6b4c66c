import { counted } from '@digitfuse/core';
import { readInputFile } from '../read-input';
import { basename } from 'node:path';
import Papa from 'papaparse';
import { DataError } from '../errors';
import { NUM_CLASSES } from '../types';
import { csvTextProblem } from './text-problem';

/** Labels read from a `row_id,label` CSV. */
export interface LabelsCsv {
  /** Labels 0..9 sorted by row_id. */
  readonly labels: Int32Array;
  /** The row_id values in ascending order (the order of `labels`). */
  readonly rowIds: Float64Array;
}

/** Options for {@link readLabelsCsv}. */
export interface ReadLabelsOptions {
  /** Number of classes; labels must be integers in 0..numClasses-1. Default 10. */
  readonly numClasses?: number;
}

/**
 * Reads a `row_id,label` CSV file (see {@link parseLabelsCsv}); a UTF-16 or binary file is refused
 * as such (see `csvTextProblem`), not by the mojibake of its header.
 */
export function readLabelsCsv(path: string, options: ReadLabelsOptions = {}): LabelsCsv {
  const bytes = readInputFile(path, 'a CSV file');
  const problem = csvTextProblem(bytes);
  if (problem !== null) throw new DataError(`Expected \`${basename(path)}\` to be a UTF-8 CSV file with \`row_id,label\`, found ${problem}`, path);
  return parseLabelsCsv(bytes.toString('utf8'), basename(path), path, options);
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/;

/**
 * Parses `row_id,label` CSV text. A byte-order mark, surrounding whitespace and blank lines are
 * tolerated; the `row_id` column is optional (file order is used without it). Labels are returned
 * in ascending row_id order. Throws a {@link DataError} naming the file and line for a missing
 * `label` column, a header with another column or one named twice, a row whose field count differs
 * from the header's, an unterminated quote, a non-integer or out-of-range label, a non-integer or
 * duplicate row_id, or row_id values that are not exactly 0..n-1 (in any order: ids index the rows
 * of the .npy files).
 */
export function parseLabelsCsv(text: string, name: string, file?: string, options: ReadLabelsOptions = {}): LabelsCsv {
  const numClasses = options.numClasses ?? NUM_CLASSES;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parsed = Papa.parse<string[]>(body.trim(), { skipEmptyLines: 'greedy' });
  const rows = parsed.data;
  if (rows.length === 0) throw new DataError(`Expected \`${name}\` to have a header line with \`row_id,label\`, found an empty file`, file);
  const lineOf = lineNumbers(body);
  const quotes = parsed.errors.find((e) => e.type === 'Quotes');
  if (quotes) {
    // Papa's row numbers skip blank lines inconsistently; its character index does not.
    const leading = body.length - body.trimStart().length;
    const line = body.slice(0, leading + (quotes.index ?? 0)).split(/\r\n|\n|\r/).length;
    throw new DataError(`Expected \`${name}\` line ${line} to be valid CSV, found ${quotes.message.toLowerCase()}`, file);
  }
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const headerText = rows[0].map((h) => h.trim()).join(',');
  const labelCol = header.indexOf('label');
  const idCol = header.indexOf('row_id');
  // A file saved without its header (numpy.savetxt, to_csv(header=False)) starts with a row of numbers.
  if (labelCol < 0 && header.every((h) => NUMBER.test(h))) {
    throw new DataError(`Expected \`${name}\` line ${lineOf(0)} to be the header \`row_id,label\` (or \`label\`), found the data row \`${headerText.slice(0, 60)}\` (no header line: add one)`, file);
  }
  if (labelCol < 0) {
    throw new DataError(`Expected \`${name}\` to have a \`label\` column, found columns: ${headerText}`, file);
  }
  // Any other column, or one named twice, would be ignored silently: which one holds the labels?
  const extra = header.find((h, i) => (h !== 'label' && h !== 'row_id') || header.indexOf(h) !== i);
  if (extra !== undefined) {
    // pandas' to_csv writes its index as a first column without a name.
    const other = extra === '' ? 'a column without a name (an index saved with the rows? save without it, e.g. to_csv(index=False))' : `the column \`${extra}\``;
    const what = extra === 'label' || extra === 'row_id' ? `\`${extra}\` twice` : other;
    throw new DataError(`Expected \`${name}\` line ${lineOf(0)} to be the header \`row_id,label\` (or \`label\`), found ${what}: \`${headerText.slice(0, 60)}\``, file);
  }
  const n = rows.length - 1;
  const labels = new Int32Array(n);
  const ids = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const row = rows[r + 1];
    const line = lineOf(r + 1);
    if (row.length !== header.length) {
      throw new DataError(
        `Expected \`${name}\` line ${line} to have ${counted(header.length, 'field')} (${headerText}) like its header, found ${row.length}: \`${row.join(',').slice(0, 60)}\``,
        file,
      );
    }
    const labelText = (row[labelCol] ?? '').trim();
    const where = `on line ${line}`;
    if (!INTEGER.test(labelText)) {
      throw new DataError(`Expected \`${name}\` labels to be integers 0..${numClasses - 1}, found ${JSON.stringify(labelText)} ${where}`, file);
    }
    const label = Number(labelText);
    if (label < 0 || label >= numClasses) {
      throw new DataError(`Expected \`${name}\` labels to be integers 0..${numClasses - 1}, found ${label} ${where}`, file);
    }
    labels[r] = label;
    if (idCol >= 0) {
      const idText = (row[idCol] ?? '').trim();
      if (!INTEGER.test(idText)) throw new DataError(`Expected \`${name}\` row_id to be an integer, found ${JSON.stringify(idText)} ${where}`, file);
      const id = Number(idText);
      // Rows are matched to the .npy rows by id: anything but exactly 0..n-1 (in any order) would shift labels silently.
      if (id < 0 || id > n - 1) {
        throw new DataError(`Expected \`${name}\` row_id values to be exactly 0..${n - 1} (one per row, any order), found ${idText} ${where}`, file);
      }
      ids[r] = id;
    } else {
      ids[r] = r;
    }
  }
  return sortByRowId(labels, ids, name, file, lineOf);
}

function sortByRowId(labels: Int32Array, ids: Float64Array, name: string, file: string | undefined, lineOf: (row: number) => number): LabelsCsv {
  const n = labels.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = ids[i] > ids[i - 1];
  if (sorted) return { labels, rowIds: ids };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ids[a] - ids[b] || a - b);
  for (let k = 1; k < n; k++) {
    if (ids[order[k]] === ids[order[k - 1]]) {
      const [a, b] = [order[k - 1], order[k]].sort((x, y) => x - y);
      throw new DataError(`Expected unique row_id values in \`${name}\`, found row_id ${ids[a]} on line ${lineOf(a + 1)} and again on line ${lineOf(b + 1)}`, file);
    }
  }
  const outLabels = new Int32Array(n);
  const outIds = new Float64Array(n);
  order.forEach((src, k) => {
    outLabels[k] = labels[src];
    outIds[k] = ids[src];
  });
  return { labels: outLabels, rowIds: outIds };
}

/**
 * Maps a record index (0 = header) to its 1-based line in the text, counting the blank lines and
 * leading whitespace that parsing skipped. Computed lazily: only error paths need it.
 */
function lineNumbers(text: string): (record: number) => number {
  let table: number[] | null = null;
  return (record) => {
    if (table === null) {
      table = [];
      const lines = text.split(/\r\n|\n|\r/);
      lines.forEach((line, i) => {
        // Papa's 'greedy' mode skips lines holding only whitespace and delimiters.
        if (line.replace(/[\s,]/g, '').length > 0) table!.push(i + 1);
      });
    }
    return table[record] ?? record + 1;
  };
}
