import { basename, join } from 'node:path';
import { checkOutputFolder, folderProblem, inputFileProblem, parseArgs, runMain, writeFilesAtomic } from '@digitfuse/core';
import Papa from 'papaparse';
import { csvTextProblem } from '../csv/text-problem';
import { AUDIO_BANK_DIR, AUDIO_BANK_FILES, encodeAudioBank, type ClipInfo } from '../demo/audio-bank';
import { DataError } from '../errors';
import { scanValues } from '../load-competition';
import { readNpy } from '../npy/read-npy';
import { readInputFile } from '../read-input';
import { AUDIO_SIZE } from '../types';
import { workspaceRoot } from '../workspace';

/**
 * Regenerates the committed audio bank (`assets/fsdd-mfcc.u8` + `.json`) from the reference FSDD
 * features: `mfcc.npy` [2400,507] and `clips.csv` (`clip,file,digit,speaker,index,split`).
 */
export function buildAudioBank(fsddDir: string, outDir: string): { clips: number; bytes: number } {
  const mfccPath = join(fsddDir, 'mfcc.npy');
  const { data, shape } = readNpy(mfccPath);
  if (shape.length !== 2 || shape[1] !== AUDIO_SIZE) throw new DataError(`Expected \`mfcc.npy\` to have shape [N,${AUDIO_SIZE}], found [${shape.join(',')}]`, mfccPath);
  // A NaN or infinity would make its coefficient's range, and so every clip's bytes of it, NaN.
  const { bad } = scanValues(data);
  if (bad >= 0) {
    const v = data[bad];
    const found = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    throw new DataError(`Expected \`mfcc.npy\` to hold finite numbers, found ${found} at row ${Math.floor(bad / AUDIO_SIZE)}, column ${bad % AUDIO_SIZE}`, mfccPath);
  }
  const clips = readClips(join(fsddDir, 'clips.csv'), shape[0]);
  const { data: bytes, meta } = encodeAudioBank(data, clips);
  // The pair together: the JSON holds the .u8's hash, so a new one beside an old one is a broken bank.
  writeFilesAtomic([
    [join(outDir, AUDIO_BANK_FILES.data), bytes],
    [join(outDir, AUDIO_BANK_FILES.meta), `${JSON.stringify(meta)}\n`],
  ]);
  return { clips: clips.length, bytes: bytes.length };
}

const CLIP_COLUMNS = ['clip', 'digit', 'speaker', 'index', 'split'] as const;
const INTEGER = /^\d+$/;

/**
 * Reads FSDD's `clips.csv`: a header naming (at least) `clip,digit,speaker,index,split`, then one
 * row per row of mfcc.npy, clip 0..n-1 in order. Throws a {@link DataError} naming the file, and the
 * line for a bad row: a missing file, missing columns, a row with too few fields, a clip out of
 * order, a digit outside 0..9, an empty speaker, an index that is not a non-negative integer, a split
 * other than train or test, or a row count that differs from mfcc.npy's.
 */
function readClips(csvPath: string, expected: number): ClipInfo[] {
  const bytes = readInputFile(csvPath, 'a CSV file');
  const name = basename(csvPath);
  const problem = csvTextProblem(bytes);
  if (problem !== null) throw new DataError(`Expected \`${name}\` to be a UTF-8 CSV file with ${CLIP_COLUMNS.join(',')}, found ${problem}`, csvPath);
  const text = bytes.toString('utf8');
  // One record per line (clips.csv quotes no line breaks), so a record's index is its line's.
  const lines = Papa.parse<string[]>(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, { skipEmptyLines: false }).data
    .map((fields, i) => ({ fields: fields.map((f) => f.trim()), line: i + 1 }))
    .filter(({ fields }) => fields.some((f) => f !== ''));
  if (lines.length === 0) throw new DataError(`Expected \`${name}\` to have a header line with ${CLIP_COLUMNS.join(',')}, found an empty file`, csvPath);
  const [header, ...rows] = lines;
  const column = Object.fromEntries(CLIP_COLUMNS.map((c) => [c, header.fields.indexOf(c)])) as Record<(typeof CLIP_COLUMNS)[number], number>;
  const missing = CLIP_COLUMNS.filter((c) => column[c] < 0);
  if (missing.length > 0) {
    throw new DataError(`Expected \`${name}\` to have the columns ${CLIP_COLUMNS.join(',')}, found ${header.fields.join(',')} on line ${header.line} (no ${missing.join(', ')})`, csvPath);
  }
  const clips = rows.map(({ fields, line }, i): ClipInfo => {
    const bad = (what: string, found: string) => new DataError(`Expected \`${name}\` ${what}, found ${JSON.stringify(found)} on line ${line}`, csvPath);
    if (fields.length !== header.fields.length) {
      throw new DataError(`Expected \`${name}\` to have ${header.fields.length} fields per row like its header, found ${fields.length} on line ${line}`, csvPath);
    }
    const get = (c: (typeof CLIP_COLUMNS)[number]) => fields[column[c]];
    if (get('clip') !== String(i)) throw bad(`clip ${i} (one row per mfcc.npy row, in order)`, get('clip'));
    if (!INTEGER.test(get('digit')) || Number(get('digit')) > 9) throw bad('digit to be an integer 0..9', get('digit'));
    if (get('speaker') === '') throw bad('speaker to be a name', get('speaker'));
    if (!INTEGER.test(get('index'))) throw bad('index to be a non-negative integer', get('index'));
    const split = get('split');
    if (split !== 'train' && split !== 'test') throw bad("split to be 'train' or 'test'", split);
    return { digit: Number(get('digit')), speaker: get('speaker'), index: Number(get('index')), split };
  });
  if (clips.length !== expected) throw new DataError(`Expected \`${name}\` to list ${expected} clips like mfcc.npy, found ${clips.length}`, csvPath);
  return clips;
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
          defaultDescription: '<workspace>/../shared/data/fsdd',
        })
        .option('out', { type: 'string', describe: 'where to write fsdd-mfcc.u8 and fsdd-mfcc.json', default: AUDIO_BANK_DIR, defaultDescription: '<workspace>/packages/data/assets' }),
  );
  // Behind a folder it may not enter: said so (it said `no such folder`).
  const fsdd = folderProblem(args.fsdd);
  if (fsdd !== null) throw new DataError(`Expected \`--fsdd ${args.fsdd}\` to be the FSDD folder (mfcc.npy, clips.csv), found ${fsdd.found}`, args.fsdd);
  for (const [name, what] of [
    ['mfcc.npy', `the clips' MFCC features [N,${AUDIO_SIZE}]`],
    ['clips.csv', 'one line per clip'],
  ]) {
    const problem = inputFileProblem(join(args.fsdd, name));
    if (problem !== null) throw new DataError(`Expected \`--fsdd ${args.fsdd}\` to hold ${name} (${what}), found ${problem}`, join(args.fsdd, name));
  }
  checkOutputFolder(args.out, 'out', `a folder for ${AUDIO_BANK_FILES.data} and ${AUDIO_BANK_FILES.meta}`, [AUDIO_BANK_FILES.data, AUDIO_BANK_FILES.meta]);
  const { clips, bytes } = buildAudioBank(args.fsdd, args.out);
  console.log(`wrote ${clips} clips (${bytes} bytes) to ${args.out}`);
}

if (require.main === module) runMain(main);
