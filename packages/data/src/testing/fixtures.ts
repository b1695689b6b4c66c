import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@digitfuse/core';
import { AUDIO_SIZE, IMAGE_SIZE, NUM_CLASSES } from '../types';
import { npyBytes } from './npy-bytes';

/** A temporary folder and a function that removes it. */
export function makeTempDir(prefix = 'digitfuse-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Options for {@link writeCompetitionFixture}. */
export interface CompetitionFixtureOptions {
  /** Training rows. Default 40. */
  readonly nTrain?: number;
  /** Test rows; 0 writes no test files. Default 10. */
  readonly nTest?: number;
  /** Training rows sharing one audio row (identical audio, like the competition's reuse). Default 1 (all distinct). */
  readonly audioRepeat?: number;
  /** Seed of the values. Default 0. */
  readonly seed?: number;
  /** Replace a file's bytes (or text); null deletes the file. Keys are file names. */
  readonly files?: Readonly<Record<string, Uint8Array | string | null>>;
}

/** The values a fixture holds, row-major, as written. */
export interface CompetitionFixture {
  readonly dir: string;
  readonly trainImages: Float32Array;
  readonly trainAudio: Float32Array;
  readonly trainLabels: Int32Array;
  readonly testImages: Float32Array;
  readonly testAudio: Float32Array;
}

/**
 * Writes a tiny, valid competition folder into `dir` (created): images in 0..255 (integers),
 * audio in [0,1], labels cycling through 0..9, `y_train.csv` with `row_id,label`. Individual files
 * can be replaced or removed with `files` to build broken fixtures.
 */
export function writeCompetitionFixture(dir: string, options: CompetitionFixtureOptions = {}): CompetitionFixture {
  const nTrain = options.nTrain ?? 40;
  const nTest = options.nTest ?? 10;
  const repeat = options.audioRepeat ?? 1;
  const rng = createRng(options.seed ?? 0);
  const images = (n: number): Float32Array => Float32Array.from({ length: n * IMAGE_SIZE }, () => (rng.next() < 0.8 ? 0 : rng.int(256)));
  const audioRow = (): Float32Array => Float32Array.from({ length: AUDIO_SIZE }, () => rng.next());
  const trainLabels = Int32Array.from({ length: nTrain }, (_, i) => (i * 7 + 3) % NUM_CLASSES);
  const trainAudio = new Float32Array(nTrain * AUDIO_SIZE);
  // Rows of one label share audio in runs of `repeat`, as one utterance serves several images.
  const shared = new Map<string, Float32Array>();
  const seen = new Map<number, number>();
  for (let i = 0; i < nTrain; i++) {
    const l = trainLabels[i];
    const k = seen.get(l) ?? 0;
    seen.set(l, k + 1);
    const key = `${l}:${Math.floor(k / repeat)}`;
    if (!shared.has(key)) shared.set(key, audioRow());
    trainAudio.set(shared.get(key)!, i * AUDIO_SIZE);
  }
  const fixture: CompetitionFixture = {
    dir,
    trainImages: images(nTrain),
    trainAudio,
    trainLabels,
    testImages: images(nTest),
    testAudio: Float32Array.from({ length: nTest * AUDIO_SIZE }, () => rng.next()),
  };
  const files: Record<string, Uint8Array | string | null> = {
    'x_train_wr.npy': npyBytes(fixture.trainImages, [nTrain, IMAGE_SIZE]),
    'x_train_sp.npy': npyBytes(fixture.trainAudio, [nTrain, AUDIO_SIZE]),
    'y_train.csv': labelsCsv(trainLabels),
    'x_test_wr.npy': nTest > 0 ? npyBytes(fixture.testImages, [nTest, IMAGE_SIZE]) : null,
    'x_test_sp.npy': nTest > 0 ? npyBytes(fixture.testAudio, [nTest, AUDIO_SIZE]) : null,
    ...options.files,
  };
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    if (content === null) rmSync(path, { force: true });
    else writeFileSync(path, content);
  }
  return fixture;
}

/** `row_id,label` CSV text for labels in row order. */
export function labelsCsv(labels: ArrayLike<number>): string {
  let text = 'row_id,label\n';
  for (let i = 0; i < labels.length; i++) text += `${i},${labels[i]}\n`;
  return text;
}
