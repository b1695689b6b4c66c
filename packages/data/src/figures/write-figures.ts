import type { TopLevelSpec } from '@digitfuse/plot';
import { writeFilesAtomic } from '@digitfuse/core';
import { join } from 'node:path';
import { DataError } from '../errors';
import { loadCompetition } from '../load-competition';
import { checkImageScales } from '../prepare-data';
import { valueRange } from '../preprocess';
import { IMAGE_SIZE, NUM_CLASSES, type ModelInputs, type PreprocessStats } from '../types';
import { digitsGridSpec } from './digits-grid';
import { coefficientZScores, mfccMapsSpec } from './mfcc-maps';

/** The rows the data figures draw: every training row, in the files' order (a `PreparedData` is one). */
export interface DataFiguresInput {
  /** The training rows: images [n * 784], audio [n * 507] and labels. */
  readonly train: ModelInputs;
  /**
   * The statistics `train` was preprocessed with; the figures undo them, so they show the files'
   * values (pixels on the files' scale, MFCCs before standardisation). Absent: `train` holds the
   * values as they are in the files.
   */
  readonly stats?: PreprocessStats;
}

/** Options of {@link dataFigureSpecs}. */
export interface DataFigureSpecsOptions {
  /** Images in the digit grid (the first training rows), at most `MAX_GRID_IMAGES`. Default 20. */
  readonly images?: number;
}

/**
 * The most images the digit grid shows: 100 rows of 10, a PNG about 22,600 pixels tall (image
 * viewers and browsers give up past 32,767); 5,000 took 76 s to draw a 113,000-pixel 21 MB PNG.
 */
export const MAX_GRID_IMAGES = 1000;

/** Options for {@link writeDataFigures}: the rows already in memory (`data`), or the folder to load them from (`dataDir`). */
export type DataFiguresOptions = DataFigureSpecsOptions & {
  /** Where the PNGs go. */
  readonly outDir: string;
} & (
    | {
        /** The rows to draw, e.g. the pipeline's `PreparedData`. */
        readonly data: DataFiguresInput;
        readonly dataDir?: never;
      }
    | {
        /** Directory with the competition's files, loaded as they are. */
        readonly dataDir: string;
        readonly data?: never;
      }
  );

/** File names of the figures. */
export const DATA_FIGURES = { digitsGrid: 'digits-grid.png', mfccPerDigit: 'mfcc-per-digit.png' } as const;

/**
 * The two data figures as Vega-Lite specs: the first training images with their labels (like the
 * paper's Figure 1) and the MFCC map of the first training clip of each digit (Figure 2), both on
 * the files' values whether `input` is raw or preprocessed.
 */
export function dataFigureSpecs(input: DataFiguresInput, options: DataFigureSpecsOptions = {}): Record<keyof typeof DATA_FIGURES, TopLevelSpec> {
  const { train, stats } = input;
  const labels = train.labels;
  if (!labels) throw new DataError('The data figures need labelled training rows, found rows without labels');
  const count = Math.min(options.images ?? 20, MAX_GRID_IMAGES, train.n);
  const gridRows = Array.from({ length: count }, (_, i) => i);
  const firstOfDigit: number[] = [];
  for (let d = 0; d < NUM_CLASSES; d++) {
    const row = labels.indexOf(d);
    if (row >= 0) firstOfDigit.push(row);
  }
  // Preprocessing divided the pixels by the image scale: multiply the drawn rows back.
  const images = stats ? train.images.slice(0, count * IMAGE_SIZE).map((v) => v * stats.imageScale) : train.images;
  const imageMax = stats ? stats.imageScale : valueRange(train.images).max > 1 ? 255 : 1;
  const gridTitle = `Handwritten digits with their labels (first ${count} rows of x_train_wr.npy)`;
  const zs = coefficientZScores(train.audio, firstOfDigit, stats);
  const maps = firstOfDigit.map((row, k) => ({ label: labels[row], row, values: zs[k] }));
  return {
    digitsGrid: digitsGridSpec(images, labels, gridRows, { maxValue: imageMax, title: gridTitle }),
    mfccPerDigit: mfccMapsSpec(maps, {
      title: 'MFCC maps of x_train_sp.npy (39 frames x 13 coefficients), first clip of each digit',
      legendTitle: 'z-score per coeff.',
      domain: [-3, 3],
    }),
  };
}

/**
 * Writes `digits-grid.png` and `mfcc-per-digit.png` (see {@link dataFigureSpecs}) into `outDir`, from
 * the rows in `data` or, without it, from the files in `dataDir`. Returns the paths written.
 */
export async function writeDataFigures(options: DataFiguresOptions): Promise<string[]> {
  // Imported on use: the plotting stack (vega, resvg) takes about a second to load.
  const { renderPng } = await import('@digitfuse/plot');
  const input = options.data ?? (await loadRows(options.dataDir as string));
  const specs = dataFigureSpecs(input, options);
  const grid = join(options.outDir, DATA_FIGURES.digitsGrid);
  const mfcc = join(options.outDir, DATA_FIGURES.mfccPerDigit);
  // Both rendered before either is written: a failure while drawing leaves the folder as it was.
  const pngs = [await renderPng(specs.digitsGrid), await renderPng(specs.mfccPerDigit)];
  // Both written before either replaces its file: a disk that fills leaves the pair as it was.
  writeFilesAtomic([
    [grid, pngs[0]],
    [mfcc, pngs[1]],
  ]);
  return [grid, mfcc];
}

/** The training rows of the files in `dataDir`, as they are. */
async function loadRows(dataDir: string): Promise<DataFiguresInput> {
  const raw = await loadCompetition(dataDir);
  // Refused as `preprocess` refuses them: pixels beyond 0..255 drew as blank or all-black digits, without a word.
  const images = raw.ranges?.trainImages ?? valueRange(raw.trainImages);
  checkImageScales(images, raw.ranges?.testImages ?? (raw.testImages ? valueRange(raw.testImages) : null));
  return { train: { n: raw.nTrain, images: raw.trainImages, audio: raw.trainAudio, labels: raw.trainLabels } };
}
