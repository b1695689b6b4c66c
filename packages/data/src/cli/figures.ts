import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { checkOutputFolder, parseArgs, positiveInt, runMain } from '@digitfuse/core';
import { ensureDemoDataset } from '../demo/build-demo';
import { DATA_FIGURES, MAX_GRID_IMAGES, writeDataFigures } from '../figures/write-figures';
import { runsPath } from '../workspace';

/** `digitfuse figures [--data DIR] [--out DIR]` (`nx run data:figures`): digits-grid.png and mfcc-per-digit.png. */
export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(argv, { name: 'digitfuse figures', usage: '[--data DIR] [--out DIR]', describe: 'Write digits-grid.png and mfcc-per-digit.png for a data folder.' }, (y) =>
    y
      .option('data', { type: 'string', describe: "folder with the competition's files (default: the built-in demo dataset)" })
      .option('out', { type: 'string', default: runsPath('data-figures'), defaultDescription: '<workspace>/runs/data-figures', describe: 'where the PNGs go' })
      .option('images', { type: 'number', default: 20, describe: `images in the digit grid, 1 to ${MAX_GRID_IMAGES} (a data folder with fewer rows shows them all)` }),
  );
  const images = positiveInt(args.images, 'images', { max: MAX_GRID_IMAGES });
  // A file there, in the way of one of its folders, or a folder named as a figure: one line before any work, not from deep in the writer.
  checkOutputFolder(args.out, 'out', 'a folder for the figures', Object.values(DATA_FIGURES));
  const dataDir = args.data ?? (await ensureDemoDataset({ log: (line) => console.error(line) }));
  const before = new Set<string>(Object.values(DATA_FIGURES).filter((name) => existsSync(join(args.out, name))));
  const paths = await writeDataFigures({ dataDir, outDir: args.out, images });
  for (const p of paths) console.log(`${before.has(basename(p)) ? 'replaced' : 'wrote'} ${p}`);
}

if (require.main === module) runMain(main);
