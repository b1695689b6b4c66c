import { join } from 'node:path';
import { ensureDemoDataset } from '../demo/build-demo';
import { writeDataFigures } from '../figures/write-figures';
import { workspaceRoot } from '../workspace';
import { cliParser, positiveInt, runCli } from './run-cli';

/** `npx nx run data:figures [--data DIR] [--out DIR]`: digits-grid.png and mfcc-per-digit.png. */
export async function main(argv: readonly string[]): Promise<void> {
  const args = cliParser(argv, 'figures [--data DIR] [--out DIR]')
    .option('data', { type: 'string', describe: "folder with the competition's files (default: the built-in demo dataset)" })
    .option('out', { type: 'string', default: join(workspaceRoot(), 'runs', 'data-figures'), describe: 'where the PNGs go' })
    .option('images', { type: 'number', default: 20, describe: 'images in the digit grid' })
    .parseSync();
  const dataDir = args.data ?? (await ensureDemoDataset());
  const paths = await writeDataFigures({ dataDir, outDir: args.out, images: positiveInt(args.images, 'images') });
  for (const p of paths) console.log(`wrote ${p}`);
}

if (require.main === module) void runCli('data:figures', () => main(process.argv.slice(2)));
