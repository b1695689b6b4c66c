import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { counted, FileWriteError, outputFolderProblem, RANDOM_SOURCE, UsageError } from '@digitfuse/core';
import { readBinaryCache, readBinaryCacheMeta, writeBinaryCache, type CachedArray } from './cache/binary-cache';
import { audioDuplicateGroups } from './duplicates';
import { DataError } from './errors';
import { COMPETITION_FILES, loadCompetition, requireDataDir } from './load-competition';
import { fitAudioStats, imageScaleFromRange, preprocess, valueRange } from './preprocess';
import { audioShift, audioShiftLevel, describeAudioShift, useNote, type AudioUse } from './shift-check';
import { splitRows, type SplitMode } from './split';
import { statsFromJSON, statsToJSON, type PreprocessStatsJSON } from './stats-json';
import type { DataSummary, ValueRange } from './summary';
import { AUDIO_SIZE, IMAGE_SIZE, NUM_CLASSES, type ModelInputs, type PreprocessStats } from './types';
import { cachePath } from './workspace';

/** Options for {@link prepareData}. */
export interface PrepareDataOptions {
  /** Directory with the competition's files. */
  readonly dataDir: string;
  /**
   * Directory of the cache file `prepared.bin`. Default
   * `<workspace root>/.cache/prepared/<data dir name>-<hash of its absolute path>`.
   */
  readonly cacheDir?: string;
  /** Seed of the train/validation split. Default 42. */
  readonly seed?: number;
  /**
   * Fraction of training rows held out for validation. Default 0.2. One that leaves no row to train
   * on is a UsageError naming `--val-fraction` (the flag of every command that takes it).
   */
  readonly valFraction?: number;
  /** Split mode (see `splitRows`). Default 'grouped' (identical audio never on both sides). */
  readonly splitMode?: SplitMode;
  /** Ignore an existing cache and rebuild it. Default false. */
  readonly rebuild?: boolean;
  /** Receives progress lines. Default: silent. */
  readonly log?: (line: string) => void;
}

/** Model-ready data: every training row preprocessed, the split, and the statistics used. */
export interface PreparedData {
  /** All training rows, preprocessed with `stats` (select with `subset(train, split.train)`). */
  readonly train: ModelInputs;
  /** Test rows preprocessed with the same `stats` (labels null); null without test files. */
  readonly test: ModelInputs | null;
  /** Statistics fitted on the split's training rows only. */
  readonly stats: PreprocessStats;
  readonly split: {
    readonly train: Int32Array;
    readonly val: Int32Array;
    readonly mode: SplitMode;
    readonly seed: number;
    readonly valFraction: number;
  };
  /** Identical-audio group per training row (see `audioDuplicateGroups`). */
  readonly audioGroups: Int32Array;
  readonly summary: DataSummary;
}

/** Bump when the cache's content or layout changes, so old caches are rebuilt. */
const CACHE_VERSION = 2;
/**
 * Sources whose code decides the cached numbers; their text is part of the cache key, so editing
 * the split or the preprocessing never leaves a stale cache behind.
 */
const KEYED_SOURCES = ['prepare-data', 'load-competition', 'preprocess', 'split', 'duplicates', 'npy/read-npy', 'csv/read-labels'];

let sourceDigest: string | undefined;
/** Hash of {@link KEYED_SOURCES} and the seeded generator of @digitfuse/core (empty where the sources are not there, e.g. bundled). */
function codeDigest(): string {
  if (sourceDigest === undefined) {
    const hash = createHash('sha1');
    const files: [string, string][] = [
      ...KEYED_SOURCES.map((name): [string, string] => [name, join(__dirname, `${name}.ts`)]),
      ['core/random', RANDOM_SOURCE],
    ];
    for (const [name, file] of files) {
      try {
        hash.update(readFileSync(file));
      } catch {
        hash.update(`${name}:absent;`);
      }
    }
    sourceDigest = hash.digest('hex');
  }
  return sourceDigest;
}
/** File name of the cache inside the cache directory. */
export const PREPARED_CACHE_FILE = 'prepared.bin';
/** Bytes hashed at each end of every input file for the cache key. */
const HASH_BYTES = 1 << 16;

interface CacheMeta {
  readonly version: number;
  readonly key: string;
  readonly stats: PreprocessStatsJSON;
  readonly summary: Omit<DataSummary, 'fromCache' | 'seconds' | 'cachePath' | 'cacheProblem' | 'dataDir'>;
  readonly nTest: number;
}

/** The default cache directory for a data directory. */
export function defaultCacheDir(dataDir: string): string {
  const abs = resolve(dataDir);
  const tag = createHash('sha1').update(abs).digest('hex').slice(0, 10);
  return cachePath('prepared', `${basename(abs) || 'data'}-${tag}`);
}

/**
 * Loads, validates, splits and preprocesses the competition's files, caching the result in a
 * compact binary file. A later call with unchanged inputs (each file's size, mtime and a hash of
 * its content: whole up to 8 MiB, else 65 blocks of 64 KiB spread over it), the same options and the same code reads the cache instead of the
 * npy files.
 */
export async function prepareData(options: PrepareDataOptions): Promise<PreparedData> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? 42;
  const valFraction = options.valFraction ?? 0.2;
  const mode = options.splitMode ?? 'grouped';
  const dataDir = resolve(options.dataDir);
  requireDataDir(dataDir); // before the cache key, which takes absent files as absent
  const cacheFile = join(options.cacheDir ?? defaultCacheDir(dataDir), PREPARED_CACHE_FILE);
  // A folder the user chose may hold a file of theirs by that name; the default one is this tool's own (a
  // damaged cache there is rebuilt).
  if (options.cacheDir !== undefined) checkPreparedCache(options.cacheDir);
  // The default one is only a speed-up: where its folder cannot be written (another user's workspace,
  // a read-only checkout), the data are prepared without it, said before the work.
  const cacheProblem = options.cacheDir === undefined ? outputFolderProblem(dirname(cacheFile)) : null;
  const key = inputKey(dataDir, { seed, valFraction, mode });
  const finish = (summary: Omit<DataSummary, 'fromCache' | 'seconds' | 'cachePath' | 'cacheProblem' | 'dataDir'>, fromCache: boolean): DataSummary => ({
    ...summary,
    dataDir,
    cachePath: cacheFile,
    cacheProblem: fromCache ? null : cacheProblem,
    fromCache,
    seconds: (performance.now() - started) / 1000,
  });

  const found = options.rebuild ? null : readPreparedCache(cacheFile, key);
  if (found?.cached) {
    const { cached } = found;
    log(`reusing cache ${cacheFile}`);
    return { ...cached, split: { ...cached.split, mode, seed, valFraction }, summary: finish(cached.summary, true) };
  }
  // A cache of these very inputs that cannot be trusted (cut short, a flipped byte, an older layout): said, then rebuilt.
  if (found?.problem) log(`warning: the cache \`${cacheFile}\` ${found.problem}; rebuilding it`);

  if (cacheProblem != null) log(`warning: not caching the prepared data in \`${dirname(cacheFile)}\`: ${cacheProblem}`);
  log(`reading ${dataDir}`);
  const raw = await loadCompetition(dataDir);
  log(`loaded ${raw.nTrain} + ${raw.nTest} rows (${elapsed(started)})`);
  const dup = audioDuplicateGroups(raw.trainAudio, raw.nTrain);
  const split = splitRows(raw.trainLabels, { valFraction, seed, mode, groups: dup.groups });
  if (split.train.length === 0) {
    // Statistics fitted on no rows, a model trained on none: refused before any of it.
    const grouped = mode === 'grouped' ? ' (the grouped split moves whole groups of identical audio)' : '';
    throw new UsageError(
      `Expected --val-fraction to leave some of the ${counted(raw.nTrain, 'training row')} to train on, found ${valFraction}, which puts all ${raw.nTrain} into validation and leaves 0 to train on${grouped}`,
    );
  }
  // The loader found the ranges while checking for NaN; reuse them instead of another pass.
  const ranges = raw.ranges ?? {
    trainImages: valueRange(raw.trainImages),
    trainAudio: valueRange(raw.trainAudio),
    testImages: raw.testImages ? valueRange(raw.testImages) : null,
    testAudio: raw.testAudio ? valueRange(raw.testAudio) : null,
  };
  checkImageScales(ranges.trainImages, ranges.testImages);
  const stats: PreprocessStats = { imageScale: imageScaleFromRange(ranges.trainImages), ...fitAudioStats(raw.trainAudio, split.train) };
  // The raw arrays are ours alone: preprocess them in place to keep peak memory at one copy.
  const train = preprocess(stats, raw.trainImages, raw.trainAudio, raw.trainLabels, undefined, { inPlace: true });
  const test = raw.testImages && raw.testAudio ? preprocess(stats, raw.testImages, raw.testAudio, null, undefined, { inPlace: true }) : null;
  log(`split and preprocessed (${elapsed(started)})`);

  const summary: CacheMeta['summary'] = {
    nTrain: raw.nTrain,
    nTest: raw.nTest,
    classCounts: countClasses(raw.trainLabels),
    split: {
      mode,
      seed,
      valFraction,
      nTrain: split.train.length,
      nVal: split.val.length,
      valClassCounts: countClasses(raw.trainLabels, split.val),
      valRowsWithAudioInTrain: valRowsSharingGroups(dup.groups, dup.nGroups, split.train, split.val),
    },
    ranges,
    imageScale: stats.imageScale,
    distinctAudioRows: dup.nGroups,
    duplicateAudioRows: dup.duplicateRows,
  };
  const arrays: Record<string, CachedArray> = {
    trainImages: train.images,
    trainAudio: train.audio,
    trainLabels: train.labels as Int32Array,
    splitTrain: split.train,
    splitVal: split.val,
    audioGroups: dup.groups,
  };
  if (test) Object.assign(arrays, { testImages: test.images, testAudio: test.audio });
  if (cacheProblem == null) {
    writeBinaryCache<CacheMeta>(cacheFile, { version: CACHE_VERSION, key, stats: statsToJSON(stats), summary, nTest: raw.nTest }, arrays);
    log(`wrote cache ${cacheFile} (${elapsed(started)})`);
  }
  return {
    train,
    test,
    stats,
    split: { train: split.train, val: split.val, mode, seed, valFraction },
    audioGroups: dup.groups,
    summary: finish(summary, false),
  };
}

/**
 * A `log` for {@link prepareData} that passes on its warnings only (`warning: ...`: a damaged cache
 * rebuilt, a cache folder it cannot write in), not its progress lines.
 */
export const warningsOnly =
  (say: (line: string) => void) =>
  (line: string): void => {
    if (line.startsWith('warning: ')) say(line);
  };

type CachedPrepared = Omit<PreparedData, 'summary'> & { summary: CacheMeta['summary'] };

/**
 * The cached result when `cacheFile` exists, carries `key`, passes its checksum and is internally
 * consistent. Else null when there is none for `key` (absent, or of other inputs, options or code:
 * rebuilt without a word), or why the one for `key` cannot be used (`problem`, a phrase the caller
 * says before rebuilding it).
 */
function readPreparedCache(cacheFile: string, key: string): { cached: CachedPrepared; problem?: undefined } | { cached?: undefined; problem: string } | null {
  if (readBinaryCacheMeta<CacheMeta>(cacheFile)?.key !== key) return null;
  const read = readBinaryCache<CacheMeta>(cacheFile);
  if (read.problem != null) return { problem: read.problem };
  // Gone or replaced since its header was read: as if there were none.
  if (!read.cache || read.cache.meta.key !== key) return null;
  const inconsistent = { problem: 'does not hold the arrays its header describes' };
  const a = read.cache.arrays;
  const m = read.cache.meta;
  const n = m.summary.nTrain;
  const f32 = (x: CachedArray | undefined, length: number): x is Float32Array => x instanceof Float32Array && x.length === length;
  const i32 = (x: CachedArray | undefined, length?: number): x is Int32Array => x instanceof Int32Array && (length === undefined || x.length === length);
  const trainOk = f32(a.trainImages, n * IMAGE_SIZE) && f32(a.trainAudio, n * AUDIO_SIZE) && i32(a.trainLabels, n) && i32(a.audioGroups, n);
  const splitOk = i32(a.splitTrain) && i32(a.splitVal) && a.splitTrain.length + a.splitVal.length === n;
  const testOk = a.testImages === undefined ? m.nTest === 0 : f32(a.testImages, m.nTest * IMAGE_SIZE) && f32(a.testAudio, m.nTest * AUDIO_SIZE);
  if (!trainOk || !splitOk || !testOk) return inconsistent;
  let stats: PreprocessStats;
  try {
    stats = statsFromJSON(m.stats, cacheFile);
  } catch {
    return inconsistent;
  }
  const cached: CachedPrepared = {
    train: { n, images: a.trainImages as Float32Array, audio: a.trainAudio as Float32Array, labels: a.trainLabels as Int32Array },
    test: a.testImages ? { n: m.nTest, images: a.testImages as Float32Array, audio: a.testAudio as Float32Array, labels: null } : null,
    stats,
    split: { train: a.splitTrain as Int32Array, val: a.splitVal as Int32Array, mode: m.summary.split.mode, seed: m.summary.split.seed, valFraction: m.summary.split.valFraction },
    audioGroups: a.audioGroups as Int32Array,
    summary: m.summary,
  };
  return { cached };
}

const elapsed = (since: number): string => `${((performance.now() - since) / 1000).toFixed(2)} s`;

/**
 * Images must be on the 0..255 or the [0,1] scale, the test images on the training images' one, or
 * preprocessing would silently mis-scale them (and the digit grid of `figures` would draw them
 * blank or black). Throws a {@link DataError} naming the file otherwise.
 */
export function checkImageScales(train: ValueRange, test: ValueRange | null): void {
  const f = COMPETITION_FILES;
  for (const [name, r] of [[f.trainImages, train], [f.testImages, test]] as const) {
    if (r && (r.min < 0 || r.max > 255)) throw new DataError(`Expected \`${name}\` values in 0..255 or [0,1], found values from ${r.min} to ${r.max}`);
  }
  if (!test) return;
  const imageScale = imageScaleFromRange(train);
  if (imageScale === 1 && test.max > 1) {
    throw new DataError(`Expected \`${f.testImages}\` in [0,1] like \`${f.trainImages}\`, found values up to ${test.max}`);
  }
  if (imageScale === 255 && test.max > 0 && test.max <= 1) {
    throw new DataError(`Expected \`${f.testImages}\` in 0..255 like \`${f.trainImages}\`, found values only up to ${test.max} (scaled to [0,1]?)`);
  }
}

/** What {@link testAudioScale} found: how far the test audio is from the training audio's scale, in one sentence. */
export interface TestAudioScale {
  /** 'refuse' for a gross shift (a wrong scale, a unit mix-up), 'warn' for a moderate one. */
  readonly level: 'warn' | 'refuse';
  readonly finding: string;
}

/**
 * Whether the test audio of `prepared` is on the training audio's scale (training audio x255 and test
 * audio in [0,1], say, standardise every test row into nonsense), judged as `predict` and the
 * pipeline judge the test rows: the test audio, standardised with the training split's statistics,
 * against `SHIFT_LIMITS` (`audioShift`; fewer than 20 test rows are not judged). Null when it is;
 * else the level, and for a gross shift a sentence in the words of the images' scale check
 * (``Expected `x_test_sp.npy` on the scale of `x_train_sp.npy` (values from 0 to 255), found values
 * from 0 to 0.99, ...``), for a model that uses the audio as `use` says (`AudioUse`; default
 * 'relies', the strictest). `preprocess` and `train` refuse a 'refuse' unless `--allow-shift` and warn
 * of the rest, as `predict` does.
 */
export function testAudioScale(prepared: Pick<PreparedData, 'test' | 'summary'>, use: AudioUse = 'relies'): TestAudioScale | null {
  const { test, summary } = prepared;
  const testRange = summary.ranges.testAudio;
  if (!test || !testRange) return null;
  const shift = audioShift(test.audio, test.n);
  const level = audioShiftLevel(shift, test.n, use);
  if (level === 'ok') return null;
  const f = COMPETITION_FILES;
  const train = summary.ranges.trainAudio;
  if (level === 'warn') return { level, finding: `\`${f.testAudio}\` differs from the training audio: ${describeAudioShift(shift)}${useNote(shift, test.n, use)}` };
  return {
    level,
    finding: `Expected \`${f.testAudio}\` on the scale of \`${f.trainAudio}\` (values from ${train.min} to ${train.max}), found values from ${testRange.min} to ${testRange.max}, which the training statistics standardise to ${describeAudioShift(shift)}${useNote(shift, test.n, use) || ' (scaled differently?)'}`,
  };
}

/**
 * What `preprocess` and `train` do with a {@link testAudioScale}, as `predict` does: a gross shift is
 * refused (a DataError) unless `allowShift` (`--allow-shift`); else, and for a moderate one, one
 * `warning:` line goes to `log`; `use` as for {@link testAudioScale}.
 */
export function checkTestAudioScale(prepared: Pick<PreparedData, 'test' | 'summary'>, allowShift: boolean, log: (line: string) => void, use: AudioUse = 'relies'): void {
  const audio = testAudioScale(prepared, use);
  if (audio?.level === 'refuse' && !allowShift) throw new DataError(`${audio.finding}; check the files, or --allow-shift to go on anyway`);
  if (audio) log(`warning: ${audio.finding}`);
}

/**
 * The one-line warning for a split that leaves no validation rows (`--val-fraction` rounds to none,
 * or the grouped split could move no whole group), saying what a command does without them
 * (`consequence`); null when there are validation rows.
 */
export function emptyValidationWarning(prepared: Pick<PreparedData, 'split' | 'summary'>, consequence: string): string | null {
  const { split, summary } = prepared;
  if (split.val.length > 0) return null;
  const why = split.mode === 'grouped' ? 'the grouped split moves whole groups of identical audio' : 'rounded';
  return `warning: --val-fraction ${split.valFraction} of ${counted(summary.nTrain, 'training row')} leaves 0 for validation (${why}): ${consequence}`;
}

/**
 * Refuses, before any work, a cache folder whose `prepared.bin` this tool did not write: a folder of
 * that name, or a file without a cache header carrying a key (a user's own file, which writing the
 * cache would replace without a word). A cache an earlier run wrote, of any options or version, is
 * replaced as before. Throws a FileWriteError naming the file (exit 1: what stands on disk).
 */
export function checkPreparedCache(cacheDir: string): void {
  const file = join(cacheDir, PREPARED_CACHE_FILE);
  let st;
  try {
    st = statSync(file);
  } catch {
    return; // nothing there yet (or nothing one may look at: writing says why)
  }
  if (st.isFile() && typeof readBinaryCacheMeta<Partial<CacheMeta>>(file)?.key === 'string') return;
  const found = st.isDirectory() ? 'a folder' : st.isFile() ? 'a file that is no cache of this tool' : 'something that is not a file';
  throw new FileWriteError(
    `Expected \`${file}\` to be absent or a preprocessed-data cache this tool wrote (to replace), found ${found}; nothing was written (move it away, or choose another cache folder)`,
  );
}

/** Rows per class 0..9 (of `rows` only, when given). */
export function countClasses(labels: Int32Array, rows?: Int32Array): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  if (rows) for (const r of rows) counts[labels[r]]++;
  else for (const l of labels) counts[l]++;
  return counts;
}

/** Validation rows whose group also has a training row: the audio a random split leaks. */
export function valRowsSharingGroups(groups: Int32Array, nGroups: number, train: Int32Array, val: Int32Array): number {
  const inTrain = new Uint8Array(nGroups);
  for (const r of train) inTrain[groups[r]] = 1;
  let shared = 0;
  for (const r of val) shared += inTrain[groups[r]];
  return shared;
}

/** The cache key: version, code, options, and the input files' fingerprint (see `dataFingerprint`). */
function inputKey(dataDir: string, opts: { seed: number; valFraction: number; mode: SplitMode }): string {
  const hash = createHash('sha1');
  hash.update(JSON.stringify({ version: CACHE_VERSION, code: codeDigest(), ...opts }));
  hash.update(dataFingerprint(dataDir, { withMtime: true }));
  return hash.digest('hex');
}

/** Files up to this size are hashed whole; larger ones by their ends and evenly spaced samples. */
const WHOLE_FILE_BYTES = 8 << 20;
const SAMPLE_BLOCKS = 64;

/**
 * A fingerprint of a competition folder's files: each file's name, size and content (whole when up to
 * 8 MiB, else its head, tail and 64 evenly spaced 64 KiB blocks), so a file changed in place with the
 * same size and time is still noticed. Absent files count as absent. With `withMtime`, modification
 * times are part of it too (the cache's key; a study's data check leaves them out, so copies of the
 * same files on another machine agree).
 */
export function dataFingerprint(dataDir: string, options: { readonly withMtime?: boolean } = {}): string {
  const hash = createHash('sha256');
  const files = [COMPETITION_FILES.trainImages, COMPETITION_FILES.trainAudio, COMPETITION_FILES.trainLabels, COMPETITION_FILES.testImages, COMPETITION_FILES.testAudio];
  for (const name of files) {
    const path = join(dataDir, name);
    let size: number;
    let mtime: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
      mtime = st.mtimeMs;
    } catch {
      // Absent or not a file (the loader says which): nothing to read here.
      hash.update(`${name}:absent;`);
      continue;
    }
    hash.update(`${name}:${size}${options.withMtime ? `:${mtime}` : ''};`);
    hashContent(hash, path, size);
  }
  return hash.digest('hex');
}

function hashContent(hash: ReturnType<typeof createHash>, path: string, size: number): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    const read = (offset: number, length: number) => {
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, offset);
      hash.update(buf);
    };
    if (size <= WHOLE_FILE_BYTES) {
      read(0, size);
      return;
    }
    read(0, HASH_BYTES);
    for (let k = 1; k < SAMPLE_BLOCKS; k++) read(Math.floor((k * (size - HASH_BYTES)) / SAMPLE_BLOCKS), HASH_BYTES);
    read(size - HASH_BYTES, HASH_BYTES);
  } finally {
    closeSync(fd);
  }
}
