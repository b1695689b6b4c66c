import { readdirSync } from 'node:fs';
import { counted, folderProblem, inputFileProblem, somethingAt } from '@digitfuse/core';
import { join } from 'node:path';
import { readLabelsCsv } from './csv/read-labels';
import { DataError } from './errors';
import { formatShape, readNpy } from './npy/read-npy';
import { AUDIO_COEFFS, AUDIO_FRAMES, AUDIO_SIZE, IMAGE_SIDE, IMAGE_SIZE, type RawCompetitionData } from './types';

/** The competition's file names. */
export const COMPETITION_FILES = {
  trainImages: 'x_train_wr.npy',
  trainAudio: 'x_train_sp.npy',
  trainLabels: 'y_train.csv',
  testImages: 'x_test_wr.npy',
  testAudio: 'x_test_sp.npy',
  /** Test labels: not a competition file, written by the demo and reference builders for scoring. */
  testLabels: 'y_test.csv',
} as const;

/** Options for {@link loadCompetition}. */
export interface LoadCompetitionOptions {
  /** Fail when the test files are absent. Default false (training-only use). */
  readonly requireTest?: boolean;
}

/** Accepted shapes per row: flat, or the natural image / MFCC layout. */
const IMAGE_ROW_SHAPES = [[IMAGE_SIZE], [IMAGE_SIDE, IMAGE_SIDE], [IMAGE_SIDE, IMAGE_SIDE, 1]];
const AUDIO_ROW_SHAPES = [[AUDIO_SIZE], [AUDIO_FRAMES, AUDIO_COEFFS]];

/**
 * Loads and validates the competition's files from `dir`: `x_train_wr.npy` [N,784],
 * `x_train_sp.npy` [N,507], `y_train.csv` (`row_id,label`), and when present `x_test_wr.npy`,
 * `x_test_sp.npy` [M,...]. Throws a {@link DataError} naming the file, what was expected and what
 * was found for missing files, bad npy files, wrong shapes, row counts that differ, bad labels and
 * non-finite values.
 */
export async function loadCompetition(dir: string, options: LoadCompetitionOptions = {}): Promise<RawCompetitionData> {
  requireDataDir(dir);
  const f = COMPETITION_FILES;
  for (const name of [f.trainImages, f.trainAudio, f.trainLabels]) requireFile(dir, name);
  // A test file that is there but cannot be read (a broken link, no permission) counts as there: reading it says why.
  refuseMisnamedTestFiles(dir);
  const hasTestImages = somethingAt(join(dir, f.testImages));
  const hasTestAudio = somethingAt(join(dir, f.testAudio));
  if (options.requireTest || hasTestImages !== hasTestAudio) {
    for (const name of [f.testImages, f.testAudio]) {
      if (!somethingAt(join(dir, name))) {
        const why = options.requireTest ? 'test files are required' : `\`${hasTestImages ? f.testImages : f.testAudio}\` is there`;
        throw new DataError(`Expected \`${name}\` in \`${dir}\` (${why}), found no such file${misnamedHint(dir, name)}`, join(dir, name));
      }
    }
  }

  const trainImages = loadMatrix(dir, f.trainImages, IMAGE_SIZE, IMAGE_ROW_SHAPES, 1);
  const trainAudio = loadMatrix(dir, f.trainAudio, AUDIO_SIZE, AUDIO_ROW_SHAPES, 1);
  const nTrain = trainImages.rows;
  if (trainAudio.rows !== nTrain) {
    throw new DataError(`Expected \`${f.trainAudio}\` to have ${counted(nTrain, 'row')} like \`${f.trainImages}\`, found ${trainAudio.rows} (shape ${formatShape(trainAudio.shape)})`, join(dir, f.trainAudio));
  }
  const { labels } = readLabelsCsv(join(dir, f.trainLabels));
  if (labels.length !== nTrain) {
    throw new DataError(`Expected \`${f.trainLabels}\` to have ${nTrain} label rows like \`${f.trainImages}\`, found ${labels.length}`, join(dir, f.trainLabels));
  }

  let testImages: Float32Array | null = null;
  let testAudio: Float32Array | null = null;
  let nTest = 0;
  let testRanges: { images: Matrix['range']; audio: Matrix['range'] } | null = null;
  if (hasTestImages && hasTestAudio) {
    const images = loadTestImages(dir);
    const audio = loadTestAudio(dir, images.rows);
    testImages = images.data;
    testAudio = audio.data;
    nTest = images.rows;
    testRanges = { images: images.range, audio: audio.range };
  }
  const ranges = {
    trainImages: trainImages.range,
    trainAudio: trainAudio.range,
    testImages: testRanges?.images ?? null,
    testAudio: testRanges?.audio ?? null,
  };
  return { dir, trainImages: trainImages.data, trainAudio: trainAudio.data, trainLabels: labels, nTrain, testImages, testAudio, nTest, ranges };
}

// Test files with no rows would give a header-only submission that looks valid: refuse them.
const loadTestImages = (dir: string): Matrix => loadMatrix(dir, COMPETITION_FILES.testImages, IMAGE_SIZE, IMAGE_ROW_SHAPES, 1);

function loadTestAudio(dir: string, rows: number): Matrix {
  const f = COMPETITION_FILES;
  const audio = loadMatrix(dir, f.testAudio, AUDIO_SIZE, AUDIO_ROW_SHAPES, 1);
  if (audio.rows !== rows) {
    throw new DataError(`Expected \`${f.testAudio}\` to have ${counted(rows, 'row')} like \`${f.testImages}\`, found ${audio.rows} (shape ${formatShape(audio.shape)})`, join(dir, f.testAudio));
  }
  return audio;
}

/**
 * The number of test rows of the competition folder `dir`, which a submission must have: the rows of
 * `x_test_wr.npy`, checked as {@link loadCompetition} checks it (an .npy array [N,784], [N,28,28] or
 * [N,28,28,1] of finite numbers, N at least 1), and `x_test_sp.npy`'s too when it is there ([N,507]
 * or [N,39,13], the same N). Throws a {@link DataError} naming the file otherwise; a missing
 * `x_test_wr.npy` is said as a missing .npy file (a command names its flag first).
 */
export function testRowCount(dir: string): number {
  const rows = loadTestImages(dir).rows;
  if (somethingAt(join(dir, COMPETITION_FILES.testAudio))) loadTestAudio(dir, rows);
  return rows;
}

/**
 * Checks that `dir`, the folder every command takes as `--data`, is a folder: a {@link DataError}
 * saying so when it is absent or is a file (instead of a missing competition file inside a file).
 * `what` names the folder in it: `` `--data DIR` `` by default; a folder a run's run.json gave (not a
 * flag typed) names where it came from.
 */
export function requireDataDir(dir: string, what = `\`--data ${dir}\``): void {
  const problem = folderProblem(dir);
  if (problem !== null) throw new DataError(`Expected ${what} to be a folder with the competition's files, found ${problem.found}`, dir);
}

/** Throws a {@link DataError} unless `dir` holds a file `name` this process can read, saying what stands there instead. */
function requireFile(dir: string, name: string): void {
  const problem = inputFileProblem(join(dir, name));
  if (problem !== null) throw new DataError(`Expected \`${name}\` in \`${dir}\`, found ${problem}${problem === 'no such file' ? misnamedHint(dir, name) : ''}`, join(dir, name));
}

/** Endings of a compressed copy of a file ({@link misnamedFile}). */
const COMPRESSED = ['.gz', '.bz2', '.xz', '.zst', '.zip', '.7z'];
/** Endings of the same data in another format ({@link misnamedFile}). */
const OTHER_FORMATS = ['.npz', '.npy', '.csv', '.txt', '.pkl', '.pickle', '.h5', '.mat', '.parquet'];

/**
 * A file of `dir` that is most likely the competition file `name` under another name, and what to do
 * with it: the same name in other capitals (`X_test_wr.npy`: names are case-sensitive), a compressed
 * copy (`x_test_wr.npy.gz`), or the same stem in another format (`x_test_sp.npz`); null when there is none.
 */
export function misnamedFile(dir: string, name: string): { readonly file: string; readonly fix: string } | null {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return null;
  }
  const lower = name.toLowerCase();
  const stem = lower.slice(0, lower.lastIndexOf('.'));
  const others = entries.filter((e) => e !== name && !e.startsWith('.'));
  const sameName = others.find((e) => e.toLowerCase() === lower);
  if (sameName) return { file: sameName, fix: `file names are case-sensitive: rename it ${name}` };
  const compressed = others.find((e) => COMPRESSED.some((ext) => e.toLowerCase() === `${lower}${ext}`));
  if (compressed) return { file: compressed, fix: `a compressed copy? decompress it to ${name}` };
  const otherFormat = others.find((e) => OTHER_FORMATS.some((ext) => e.toLowerCase() === `${stem}${ext}`));
  if (otherFormat) return { file: otherFormat, fix: `another format? save its data as ${name}` };
  return null;
}

/** `, but \`X_test_wr.npy\` (file names are case-sensitive: ...)` after "found no such file", or '' (see {@link misnamedFile}). */
export function misnamedHint(dir: string, name: string): string {
  const near = misnamedFile(dir, name);
  return near ? `, but \`${near.file}\` (${near.fix})` : '';
}

/**
 * Refuses test files that are there under another name (`X_test_wr.npy`, `x_test_sp.npy.gz`): without
 * the names the loader reads, a run would go on as training-only and write no submission.
 */
function refuseMisnamedTestFiles(dir: string): void {
  for (const name of [COMPETITION_FILES.testImages, COMPETITION_FILES.testAudio]) {
    if (somethingAt(join(dir, name))) continue;
    const near = misnamedFile(dir, name);
    if (near) throw new DataError(`Expected \`${name}\` in \`${dir}\` (or no test file at all), found \`${near.file}\` (${near.fix})`, join(dir, near.file));
  }
}

interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly shape: number[];
  readonly range: { readonly min: number; readonly max: number };
}

function loadMatrix(dir: string, name: string, cols: number, rowShapes: number[][], minRows: number): Matrix {
  const path = join(dir, name);
  const { data, shape, dtype } = readNpy(path);
  const rowShape = shape.slice(1);
  const accepted = rowShapes.some((s) => s.length === rowShape.length && s.every((d, i) => d === rowShape[i]));
  if (!accepted) {
    if (shape.length === 2) {
      throw new DataError(`Expected \`${name}\` to have ${cols} columns, found ${shape[1]} (shape ${formatShape(shape)})`, path);
    }
    const layouts = rowShapes.slice(1).map((s) => formatShape(['N', ...s])).join(' or ');
    throw new DataError(`Expected \`${name}\` to be a 2-D array [N,${cols}] (or ${layouts}), found shape ${formatShape(shape)}`, path);
  }
  const rows = shape[0];
  if (rows < minRows) throw new DataError(`Expected \`${name}\` to have at least ${minRows} row, found 0 (shape ${formatShape(shape)})`, path);
  const { bad, min, max } = scanValues(data);
  if (bad >= 0) {
    const v = data[bad];
    // A finite float64 beyond float32's range becomes ±Infinity when read: the file need not hold an infinity.
    const wide = dtype === 'float64' && !Number.isNaN(v) ? " (or a float64 number beyond float32's ±3.4e38, which reads as that)" : '';
    throw new DataError(
      `Expected \`${name}\` to hold finite numbers, found ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}${wide} at row ${Math.floor(bad / cols)}, column ${bad % cols}`,
      path,
    );
  }
  return { data, rows, shape, range: { min: data.length ? min : 0, max: data.length ? max : 0 } };
}

/** One pass over the values: the index of the first NaN or infinite value (or -1), and the range. */
export function scanValues(data: Float32Array): { bad: number; min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is NaN exactly when v is NaN or infinite; one subtraction is cheaper than two calls.
    if (v - v !== 0) return { bad: i, min, max };
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { bad: -1, min, max };
}

/**
 * The test labels `y_test.csv` in `dir` (not a competition file: the demo and reference builders
 * write it for scoring), in row_id order; null when the file is absent.
 */
export function loadTestLabels(dir: string): Int32Array | null {
  const path = join(dir, COMPETITION_FILES.testLabels);
  return somethingAt(path) ? readLabelsCsv(path).labels : null;
}

/**
 * Checks, before any work, that `dir` is a folder holding the training files that
 * {@link loadCompetition} reads, with its one-line errors (a new run checks this before it makes its
 * directory).
 */
export function requireTrainingFiles(dir: string): void {
  requireDataDir(dir);
  const f = COMPETITION_FILES;
  for (const name of [f.trainImages, f.trainAudio, f.trainLabels]) requireFile(dir, name);
  refuseMisnamedTestFiles(dir);
}
