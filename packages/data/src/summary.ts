import type { SplitMode } from './split';

/** Smallest and largest value of an array. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

/** What {@link prepareData} loaded and how, for printing and for reports. */
export interface DataSummary {
  /** Directory the files were read from. */
  readonly dataDir: string;
  readonly nTrain: number;
  /** Test rows (0 when the test files are absent). */
  readonly nTest: number;
  /** Training rows per class 0..9. */
  readonly classCounts: number[];
  readonly split: {
    readonly mode: SplitMode;
    readonly seed: number;
    readonly valFraction: number;
    readonly nTrain: number;
    readonly nVal: number;
    /** Validation rows per class 0..9. */
    readonly valClassCounts: number[];
    /** Validation rows whose audio also occurs in a training-split row (0 in grouped mode). */
    readonly valRowsWithAudioInTrain: number;
  };
  /** Value ranges as found in the files, before preprocessing. */
  readonly ranges: {
    readonly trainImages: ValueRange;
    readonly trainAudio: ValueRange;
    readonly testImages: ValueRange | null;
    readonly testAudio: ValueRange | null;
  };
  /** Detected image scale (255 or 1). */
  readonly imageScale: number;
  /** Distinct training audio rows. */
  readonly distinctAudioRows: number;
  /** Training rows whose audio repeats an earlier row's. */
  readonly duplicateAudioRows: number;
  /** The cache file holding the preprocessed arrays. */
  readonly cachePath: string;
  /**
   * Why the default cache file was not written (its folder cannot be written, e.g. another user's
   * workspace: `cannot write in \`/x/.cache\` (EACCES)`), or null when it was written or reused.
   */
  readonly cacheProblem: string | null;
  /** Whether this run reused the cache instead of parsing the npy files. */
  readonly fromCache: boolean;
  /** Wall-clock seconds the preparation took. */
  readonly seconds: number;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(4));
const range = (r: ValueRange | null): string => (r ? `${fmt(r.min)} .. ${fmt(r.max)}` : 'n/a');

/** The summary as the lines the preprocess command prints. */
export function formatSummary(s: DataSummary): string {
  const pct = (a: number, b: number): string => (b === 0 ? '0.0' : ((100 * a) / b).toFixed(1));
  return [
    `data:        ${s.dataDir}`,
    `rows:        ${s.nTrain} train, ${s.nTest} test`,
    `per class:   ${s.classCounts.map((c, d) => `${d}:${c}`).join(' ')}`,
    `split:       ${s.split.mode}, seed ${s.split.seed}: ${s.split.nTrain} train / ${s.split.nVal} val (${pct(s.split.nVal, s.nTrain)}% val)`,
    `val/class:   ${s.split.valClassCounts.map((c, d) => `${d}:${c}`).join(' ')}`,
    `images:      train ${range(s.ranges.trainImages)}, test ${range(s.ranges.testImages)} (scale ${s.imageScale})`,
    `audio:       train ${range(s.ranges.trainAudio)}, test ${range(s.ranges.testAudio)}`,
    `duplicates:  ${s.duplicateAudioRows} of ${s.nTrain} training audio rows repeat an earlier row (${s.distinctAudioRows} distinct); ` +
      `${s.split.valRowsWithAudioInTrain} val rows share audio with the train split`,
    `cache:       ${s.cachePath} (${s.fromCache ? 'reused' : s.cacheProblem != null ? `not written: ${s.cacheProblem}` : 'written'})`,
    `time:        ${s.seconds.toFixed(2)} s`,
  ].join('\n');
}
