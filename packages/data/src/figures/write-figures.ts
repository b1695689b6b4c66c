import { join } from 'node:path';
import { loadCompetition } from '../load-competition';
import { valueRange } from '../preprocess';
import { NUM_CLASSES } from '../types';
import { digitsGridSpec } from './digits-grid';
import { coefficientZScores, mfccMapsSpec } from './mfcc-maps';

/** Options for {@link writeDataFigures}. */
export interface DataFiguresOptions {
  /** Directory with the competition's files. */
  readonly dataDir: string;
  /** Where the PNGs go. */
  readonly outDir: string;
  /** Images in the digit grid (the first training rows). Default 20. */
  readonly images?: number;
}

/** File names of the figures. */
export const DATA_FIGURES = { digitsGrid: 'digits-grid.png', mfccPerDigit: 'mfcc-per-digit.png' } as const;

/**
 * Writes `digits-grid.png` (the first training images with their labels, like the paper's
 * Figure 1) and `mfcc-per-digit.png` (the MFCC map of the first training clip of each digit,
 * Figure 2). Returns the paths written.
 */
export async function writeDataFigures(options: DataFiguresOptions): Promise<string[]> {
  // Imported on use: the plotting stack (vega, resvg) takes about a second to load.
  const { writeChartPng } = await import('@digitfuse/plot');
  const raw = await loadCompetition(options.dataDir);
  const count = Math.min(options.images ?? 20, raw.nTrain);
  const gridRows = Array.from({ length: count }, (_, i) => i);
  const firstOfDigit: number[] = [];
  for (let d = 0; d < NUM_CLASSES; d++) {
    const row = raw.trainLabels.indexOf(d);
    if (row >= 0) firstOfDigit.push(row);
  }
  const imageMax = valueRange(raw.trainImages).max > 1 ? 255 : 1;
  const grid = join(options.outDir, DATA_FIGURES.digitsGrid);
  const mfcc = join(options.outDir, DATA_FIGURES.mfccPerDigit);
  const gridTitle = `Handwritten digits with their labels (first ${count} rows of x_train_wr.npy)`;
  await writeChartPng(grid, digitsGridSpec(raw.trainImages, raw.trainLabels, gridRows, { maxValue: imageMax, title: gridTitle }));
  const zs = coefficientZScores(raw.trainAudio, firstOfDigit);
  const maps = firstOfDigit.map((row, k) => ({ label: raw.trainLabels[row], row, values: zs[k] }));
  await writeChartPng(
    mfcc,
    mfccMapsSpec(maps, {
      title: 'MFCC maps of x_train_sp.npy (39 frames x 13 coefficients), first clip of each digit',
      legendTitle: 'z-score per coeff.',
      domain: [-3, 3],
    }),
  );
  return [grid, mfcc];
}
