import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FileWriteError, parseArgs, positiveInt, runMain } from '@digitfuse/core';
import { ensureDemoDataset } from '../demo/build-demo';
import { writeDataFigures } from '../figures/write-figures';
import { workspaceRoot } from '../workspace';

/** `digitfuse figures [--data DIR] [--out DIR]` (`nx run data:figures`): digits-grid.png and mfcc-per-digit.png. */
export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(argv, { name: 'digitfuse figures', usage: '[--data DIR] [--out DIR]', describe: 'Write digits-grid.png and mfcc-per-digit.png for a data folder.' }, (y) =>
    y
      .option('data', { type: 'string', describe: "folder with the competition's files (default: the built-in demo dataset)" })
      .option('out', { type: 'string', default: join(workspaceRoot(), 'runs', 'data-figures'), defaultDescription: 'runs/data-figures', describe: 'where the PNGs go' })
      .option('images', { type: 'number', default: 20, describe: 'images in the digit grid' }),
  );
  requireOutFolder(args.out);
  const dataDir = args.data ?? (await ensureDemoDataset());
  const paths = await writeDataFigures({ dataDir, outDir: args.out, images: positiveInt(args.images, 'images') });
  for (const p of paths) console.log(`wrote ${p}`);
}

/**
 * `--out` must be a folder or a path whose first existing part is one: a file there, or in the way
 * of one of its folders, is one line before any work (not an error from deep in the writer).
 */
function requireOutFolder(out: string): void {
  for (let path = resolve(out); ; path = dirname(path)) {
    let st;
    try {
      st = statSync(path, { throwIfNoEntry: false });
    } catch {
      st = undefined; // ENOTDIR: a file further up; found there
    }
    if (st?.isDirectory()) return;
    if (st) {
      const where = path === resolve(out) ? 'there' : `at \`${path}\``;
      throw new FileWriteError(`Expected \`--out ${out}\` to be a folder for the figures, found a file ${where}; nothing was written`);
    }
    if (dirname(path) === path) return;
  }
}

if (require.main === module) runMain(main);
