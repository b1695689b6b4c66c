import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, runMain, writeFileAtomic } from '@digitfuse/core';
import Papa from 'papaparse';
import { AUDIO_BANK_DIR, AUDIO_BANK_FILES, encodeAudioBank, type ClipInfo } from '../demo/audio-bank';
import { DataError } from '../errors';
import { readNpy } from '../npy/read-npy';
import { AUDIO_SIZE } from '../types';
import { workspaceRoot } from '../workspace';

/**
 * Regenerates the committed audio bank (`assets/fsdd-mfcc.u8` + `.json`) from the reference FSDD
 * features: `mfcc.npy` [2400,507] and `clips.csv` (`clip,file,digit,speaker,index,split`).
 */
export function buildAudioBank(fsddDir: string, outDir: string): { clips: number; bytes: number } {
  const { data, shape } = readNpy(join(fsddDir, 'mfcc.npy'));
  if (shape.length !== 2 || shape[1] !== AUDIO_SIZE) throw new DataError(`Expected \`mfcc.npy\` to have shape [N,${AUDIO_SIZE}], got [${shape.join(',')}]`);
  const csvPath = join(fsddDir, 'clips.csv');
  const rows = Papa.parse<Record<string, string>>(readFileSync(csvPath, 'utf8').trim(), { header: true, skipEmptyLines: 'greedy' }).data;
  if (rows.length !== shape[0]) throw new DataError(`Expected \`clips.csv\` to list ${shape[0]} clips like mfcc.npy, found ${rows.length}`, csvPath);
  const clips: ClipInfo[] = rows.map((r, i) => {
    if (Number(r.clip) !== i) throw new DataError(`Expected \`clips.csv\` row ${i} to be clip ${i}, found ${r.clip}`, csvPath);
    if (r.split !== 'train' && r.split !== 'test') throw new DataError(`Expected \`clips.csv\` split 'train' or 'test', found ${r.split} (clip ${i})`, csvPath);
    return { digit: Number(r.digit), speaker: r.speaker, index: Number(r.index), split: r.split };
  });
  const { data: bytes, meta } = encodeAudioBank(data, clips);
  writeFileAtomic(join(outDir, AUDIO_BANK_FILES.data), bytes);
  writeFileAtomic(join(outDir, AUDIO_BANK_FILES.meta), `${JSON.stringify(meta)}\n`);
  return { clips: clips.length, bytes: bytes.length };
}

/** `digitfuse audio-bank [--fsdd DIR] [--out DIR]` (`nx run data:audio-bank`). */
export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(
    argv,
    { name: 'digitfuse audio-bank', usage: '[--fsdd DIR] [--out DIR]', describe: 'Regenerate the committed audio bank (assets/fsdd-mfcc.u8 + .json) from the FSDD reference features.' },
    (y) =>
      y
        .option('fsdd', {
          type: 'string',
          describe: 'FSDD reference folder with mfcc.npy and clips.csv',
          default: join(workspaceRoot(), '..', 'shared', 'data', 'fsdd'),
          defaultDescription: '../shared/data/fsdd',
        })
        .option('out', { type: 'string', describe: 'where to write fsdd-mfcc.u8 and fsdd-mfcc.json', default: AUDIO_BANK_DIR, defaultDescription: 'packages/data/assets' }),
  );
  const { clips, bytes } = buildAudioBank(args.fsdd, args.out);
  console.log(`wrote ${clips} clips (${bytes} bytes) to ${args.out}`);
}

if (require.main === module) runMain(main);
