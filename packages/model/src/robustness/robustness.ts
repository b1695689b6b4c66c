import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { counted, diskProblem } from '@digitfuse/core';
import { COMPETITION_FILES, DataError, loadTestLabels, prepareData, runsPath, subset, warningsOnly, type ModelInputs } from '@digitfuse/data';
import { evaluate, evaluateProbabilities } from '../evaluation/evaluate';
import { predictNamed } from '../evaluation/predict';
import { validateConfig, type ModelConfig } from '../network/config';
import { FUSIONS, fusionStrategy, isFusion, type Fusion } from '../network/fusion/fusions';
import type { FusionWeights } from '../network/expert-fusion';
import { formatDuration } from '../training/progress';
import { fitModel } from '../training/fit-model';

/** The single-branch models every fusion is compared with. */
const BASELINES = ['image', 'audio'] as const;

/** A benchmark model: image only, audio only, or a both-branch model with a registered fusion. */
export type RobustnessModel = (typeof BASELINES)[number] | Fusion;

/** The models the benchmark compares: image only, audio only and every registered fusion (`FUSIONS`). */
export const ROBUSTNESS_MODELS: readonly RobustnessModel[] = Object.freeze([...BASELINES, ...FUSIONS]);

/** What each benchmark model is (a fusion's `title`). */
export const MODEL_TITLES: Readonly<Record<RobustnessModel, string>> = Object.freeze({
  image: 'image only',
  audio: 'audio only',
  ...(Object.fromEntries(FUSIONS.map((f) => [f, fusionStrategy(f).title])) as Record<Fusion, string>),
});

/** One dataset of the benchmark: a folder of competition files plus `y_test.csv`. */
export interface RobustnessSet {
  readonly name: string;
  readonly dir: string;
  /**
   * The held-out speaker of a leave-one-speaker-out set (from a folder name `<speaker>-clean|noisy`,
   * or `<speaker>-<change>-clean|noisy` for one whose test voice was changed, e.g. `george-pitch-up-noisy`
   * of `tools/make-voice-sets.py`), else null.
   */
  readonly speaker: string | null;
  /** Whether the folder name says the audio is noisy (`...noisy...`). */
  readonly noisy: boolean;
}

/** One trained and tested model. */
export interface RobustnessRun {
  readonly set: string;
  readonly model: RobustnessModel;
  readonly testAcc: number;
  readonly valAcc: number;
  readonly epochs: number;
  readonly seconds: number;
  readonly fusionWeights?: FusionWeights;
  /**
   * A fusion with experts: its own image expert alone on the test rows (what the fusion must never
   * fall below: hearing must not make seeing worse).
   */
  readonly imageHeadAcc?: number;
  /**
   * A fusion with experts: how often its audio expert agrees with the image expert on the test rows
   * the image is sure of (an estimate, without labels, of the audio's accuracy on the test voice;
   * `adaptAudioWeight`), and its accuracy on the validation rows (the training voices).
   */
  readonly audioAgreement?: { readonly test: number; readonly validation: number; readonly confidentRows: number };
}

/** Options of `runRobustness`. */
export interface RobustnessOptions {
  readonly sets: readonly RobustnessSet[];
  readonly models?: readonly RobustnessModel[];
  /** Base model config (filters, units, ...); `modality` and `fusion` are set per model. Default: the paper's. */
  readonly config?: Partial<ModelConfig>;
  /** Most epochs (early stopping on validation loss, patience 3). Default 10. */
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Seed of the split, initial weights, shuffling and augmentation; the same for every model. Default 42. */
  readonly seed?: number;
  /**
   * Training extras of the fusions with experts (robust fusion and those built on it): modality dropout
   * (default: the strategy's, on) and audio augmentation (default off: it cost accuracy, see ROBUSTNESS.md).
   */
  readonly robustTraining?: { readonly augmentAudio?: boolean; readonly modalityDropout?: boolean };
  readonly cacheDir?: string;
  readonly log?: (line: string) => void;
  /** Called after each run (e.g. to save partial results). */
  readonly onRun?: (run: RobustnessRun, runs: readonly RobustnessRun[]) => Promise<void> | void;
}

const SPEAKER_SET = /^([a-z]+)-(?:[a-z]+(?:-[a-z]+)*-)?(clean|noisy)$/;

/** Describes a dataset folder by its name: `<speaker>[-<change>]-clean|noisy` is a leave-one-speaker-out set. */
export function describeSet(dir: string): RobustnessSet {
  const name = path.basename(path.resolve(dir));
  const m = SPEAKER_SET.exec(name);
  const speaker = m && !['indist', 'default', 'in'].includes(m[1]) ? m[1] : null;
  return { name, dir: path.resolve(dir), speaker, noisy: /noisy/.test(name) };
}

/**
 * The benchmark's sets under `root`: each subfolder holding the competition files and `y_test.csv`,
 * sorted by name. @throws DataError when there is none.
 */
export function discoverSets(root: string): RobustnessSet[] {
  const stat = statSync(root, { throwIfNoEntry: false });
  if (!stat) throw new DataError(`Expected a folder of benchmark datasets at \`${root}\`, found nothing there`, root);
  if (!stat.isDirectory()) throw new DataError(`Expected a folder of benchmark datasets at \`${root}\`, found a file`, root);
  // A set may be a link to a folder elsewhere (one root picking sets of several): followed.
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    const why = diskProblem(err);
    if (!why) throw err;
    throw new DataError(`Expected a folder of benchmark datasets at \`${root}\`, found one it may not list: ${why}`, root);
  }
  const sets = names
    .filter((name) => statSync(path.join(root, name), { throwIfNoEntry: false })?.isDirectory() && existsSync(path.join(root, name, COMPETITION_FILES.testLabels)))
    .map((name) => describeSet(path.join(root, name)))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (sets.length === 0) {
    throw new DataError(
      `Expected subfolders of \`${root}\` with competition files and ${COMPETITION_FILES.testLabels} (build them with \`tools/make-benchmark-sets.sh OUT_DIR\`), found none`,
      root,
    );
  }
  return sets;
}

function modelConfig(base: Partial<ModelConfig>, model: RobustnessModel): ModelConfig {
  if (model === 'image' || model === 'audio') return validateConfig({ ...base, modality: model, fusion: 'concat' });
  return validateConfig({ ...base, modality: 'both', fusion: model });
}

const NAME_WIDTH = Math.max(...ROBUSTNESS_MODELS.map((m) => m.length));

/**
 * Trains every model on every set with the same config, budget and seeds (80/20 grouped split,
 * early stopping) and tests it on the set's labelled test rows.
 */
export async function runRobustness(options: RobustnessOptions): Promise<RobustnessRun[]> {
  const models = options.models ?? ROBUSTNESS_MODELS;
  const seed = options.seed ?? 42;
  const log = options.log ?? (() => undefined);
  const runs: RobustnessRun[] = [];
  const total = options.sets.length * models.length;
  for (const set of options.sets) {
    // Its warnings are said, with the set's name; its progress is not.
    const prepared = await prepareData({
      dataDir: set.dir,
      cacheDir: options.cacheDir,
      seed,
      valFraction: 0.2,
      splitMode: 'grouped',
      log: warningsOnly((line) => log(`${set.name}: ${line}`)),
    });
    const labels = loadTestLabels(set.dir);
    if (!prepared.test || !labels) {
      throw new DataError(`Expected test rows with labels (${COMPETITION_FILES.testLabels}) in \`${set.dir}\`, found none`, set.dir);
    }
    if (labels.length !== prepared.test.n) {
      throw new DataError(`Expected ${counted(prepared.test.n, 'label')} in \`${path.join(set.dir, COMPETITION_FILES.testLabels)}\`, found ${labels.length}`, set.dir);
    }
    const test: ModelInputs = { ...prepared.test, labels };
    const trainRows = subset(prepared.train, prepared.split.train);
    const valRows = subset(prepared.train, prepared.split.val);
    for (const name of models) {
      const config = modelConfig({ ...options.config, seed }, name);
      // A fusion with experts (robust fusion and those built on it) adapts its audio weight to the
      // (unlabelled) test rows, as the pipeline does with the competition's test files.
      const strategy = isFusion(name) ? fusionStrategy(name) : null;
      const extras = strategy?.experts
        ? {
            target: test,
            augmentAudio: options.robustTraining?.augmentAudio ?? false,
            modalityDropout: options.robustTraining?.modalityDropout ?? strategy.training.modalityDropout ?? false,
          }
        : {};
      const result = await fitModel(config, { train: trainRows, val: valRows }, {
        epochs: options.epochs ?? 10,
        batchSize: options.batchSize ?? 64,
        seed,
        progress: 'silent',
        ...extras,
        use: async (model) => {
          // One pass over the test rows: the prediction and, of a fusion with experts, its image expert alone.
          const named = await predictNamed(model, test);
          const imageHead = strategy?.experts && named.image ? evaluateProbabilities(named.image, labels).accuracy : undefined;
          return [evaluateProbabilities(named.prediction as Float32Array, labels), await evaluate(model, valRows), imageHead] as const;
        },
      });
      const [t, v, imageHeadAcc] = result.used;
      const adaptation = result.calibration?.target;
      const run: RobustnessRun = {
        set: set.name,
        model: name,
        testAcc: t.accuracy,
        valAcc: v.accuracy,
        epochs: result.history.length,
        seconds: result.seconds,
        ...(result.calibration ? { fusionWeights: result.calibration.weights } : {}),
        ...(imageHeadAcc !== undefined ? { imageHeadAcc } : {}),
        ...(adaptation ? { audioAgreement: { test: adaptation.audioAgreement, validation: adaptation.audioValAccuracy, confidentRows: adaptation.confident } } : {}),
      };
      runs.push(run);
      const f = (x: number) => Number(x.toFixed(3));
      const w = run.fusionWeights ? `  weights fused ${f(run.fusionWeights.fused)} image ${f(run.fusionWeights.image)} audio ${f(run.fusionWeights.audio)}` : '';
      const head = run.imageHeadAcc !== undefined ? `  image expert ${pct(run.imageHeadAcc)}` : '';
      const agree = run.audioAgreement
        ? `  audio agrees with ${pct(run.audioAgreement.test, 0)} of ${counted(run.audioAgreement.confidentRows, 'image-confident test row')} (${pct(run.audioAgreement.validation, 0)} right on validation)`
        : '';
      log(
        `[${runs.length}/${total}] ${set.name.padEnd(14)} ${name.padEnd(NAME_WIDTH)} test ${pct(run.testAcc)}  val ${pct(run.valAcc)}  ${counted(run.epochs, 'epoch')}, ${formatDuration(run.seconds)}${w}${head}${agree}`,
      );
      await options.onRun?.(run, runs);
    }
  }
  return runs;
}

/** One row of the summary: a model's test accuracy over a group of sets. */
export interface RobustnessSummaryRow {
  readonly group: string;
  readonly model: RobustnessModel;
  readonly mean: number;
  readonly worst: number;
  readonly worstSet: string;
  readonly sets: number;
}

/** Test accuracy per model over groups: unseen speaker (noisy / clean), and each in-distribution set alone. */
export function summarize(runs: readonly RobustnessRun[], sets: readonly RobustnessSet[]): RobustnessSummaryRow[] {
  const groups: { group: string; members: RobustnessSet[] }[] = [
    { group: 'unseen speaker, noisy', members: sets.filter((s) => s.speaker && s.noisy) },
    { group: 'unseen speaker, clean', members: sets.filter((s) => s.speaker && !s.noisy) },
    ...sets.filter((s) => !s.speaker).map((s) => ({ group: s.name, members: [s] })),
  ];
  const rows: RobustnessSummaryRow[] = [];
  for (const { group, members } of groups) {
    for (const model of ROBUSTNESS_MODELS) {
      const accs = members.flatMap((s) => runs.filter((r) => r.set === s.name && r.model === model).map((r) => ({ set: s.name, acc: r.testAcc })));
      if (accs.length === 0) continue;
      const worst = accs.reduce((a, b) => (b.acc < a.acc ? b : a));
      rows.push({ group, model, mean: accs.reduce((s, a) => s + a.acc, 0) / accs.length, worst: worst.acc, worstSet: worst.set, sets: accs.length });
    }
  }
  return rows;
}

const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;

/** The per-set table and the summary as Markdown (for the console, `robustness.md` and the report). */
export function robustnessMarkdown(runs: readonly RobustnessRun[], sets: readonly RobustnessSet[]): string {
  const models = ROBUSTNESS_MODELS.filter((m) => runs.some((r) => r.model === m));
  const cell = (set: string, m: RobustnessModel): string => {
    const r = runs.find((x) => x.set === set && x.model === m);
    return r ? pct(r.testAcc) : '—';
  };
  const lines = [
    '| set | ' + models.map((m) => MODEL_TITLES[m]).join(' | ') + ' |',
    '|---|' + models.map(() => '---:').join('|') + '|',
    ...sets.filter((s) => runs.some((r) => r.set === s.name)).map((s) => `| ${s.name} | ${models.map((m) => cell(s.name, m)).join(' | ')} |`),
    '',
    '| group | model | mean test accuracy | worst (set) |',
    '|---|---|---:|---:|',
    ...summarize(runs, sets).map((r) => `| ${r.group} | ${MODEL_TITLES[r.model]} | ${pct(r.mean)} | ${pct(r.worst)} (${r.worstSet}) |`),
  ];
  return lines.join('\n') + '\n';
}

/**
 * The paper's question — does hearing make the classifier more robust? — answered with one clause per
 * fusion measured (in `FUSIONS` order) from the unseen-speaker noisy sets (or, without them, every set):
 * against the image-only model where it ran on the same sets, and, for a fusion with experts, against
 * its own image expert (hearing must not make its seeing worse).
 */
export function robustnessConclusion(runs: readonly RobustnessRun[], sets: readonly RobustnessSet[]): string {
  const hard = sets.filter((s) => s.speaker && s.noisy);
  const group = hard.length > 0 ? hard : sets;
  const what = hard.length > 0 ? 'unseen-speaker noisy set' : 'benchmark set';
  const find = (set: string, m: RobustnessModel) => runs.find((r) => r.set === set && r.model === m);
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const below = (pairs: readonly (readonly [number, number])[]) => pairs.filter((p) => p[0] < p[1]).length;
  const compare = (m: RobustnessModel): string | null => {
    const own = group.map((s) => find(s.name, m)).filter((r): r is RobustnessRun => r !== undefined);
    const pairs = own.flatMap((r) => {
      const image = find(r.set, 'image');
      return image ? [[r.testAcc, image.testAcc] as const] : [];
    });
    const heads = own.flatMap((r) => (r.imageHeadAcc !== undefined ? [[r.testAcc, r.imageHeadAcc] as const] : []));
    const headClause = (): string => {
      const k = below(heads);
      const avg = pct(mean(heads.map((p) => p[1])));
      return k === 0 ? `at least its own image expert's accuracy (${avg} on average) on every one` : `below its own image expert (${avg} on average) on ${k} of ${heads.length}`;
    };
    if (pairs.length > 0) {
      const k = below(pairs);
      return (
        `${MODEL_TITLES[m]} averages ${pct(mean(pairs.map((p) => p[0])))} against ${pct(mean(pairs.map((p) => p[1])))} for image only on the ${counted(pairs.length, what)}` +
        (k === 0 ? ', at least image-only accuracy on every one' : `, below image only on ${k} of ${pairs.length}`) +
        (heads.length === pairs.length ? `, ${headClause()}` : '')
      );
    }
    if (heads.length > 0) return `${MODEL_TITLES[m]} averages ${pct(mean(heads.map((p) => p[0])))} on the ${counted(heads.length, what)}, ${headClause()}`;
    return null;
  };
  const parts = FUSIONS.map(compare).filter((x): x is string => x !== null);
  return parts.length > 0 ? `${parts.join('; ')}.` : 'No fused model was compared with an image-only one.';
}

/** A saved benchmark (`robustness.json` of `model:robustness`). */
export interface RobustnessFile {
  /** The backend as the `backend:` line names it (`describeBackend`); older files have its short name (`wasm`). */
  readonly backend: string;
  readonly config: string;
  readonly epochs: number;
  readonly seed: number;
  readonly sets: readonly RobustnessSet[];
  readonly runs: readonly RobustnessRun[];
  readonly complete: boolean;
  /** Where and how it was measured (the reference file says). */
  readonly note?: string;
}

/** The file name of a benchmark's results in its folder (beside `robustness.md`). */
export const ROBUSTNESS_JSON = 'robustness.json';

/**
 * Where `digitfuse bench robustness` writes by default, whatever the current folder:
 * `<workspace>/runs/robustness`; the pipeline's report shows the `robustness.json` there when there is one.
 */
export const defaultRobustnessDir = (): string => runsPath('robustness');

/** The benchmark measured for the project and committed with it (see packages/model/ROBUSTNESS.md). */
export const REFERENCE_ROBUSTNESS_JSON = path.join(__dirname, '..', '..', 'assets', 'robustness-reference.json');

/** Reads a `robustness.json`; null when the file is absent. @throws DataError when it is not a benchmark file. */
export function readRobustnessFile(file: string): RobustnessFile | null {
  if (!existsSync(file)) return null;
  let raw: Partial<RobustnessFile>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<RobustnessFile>;
  } catch (err) {
    throw new DataError(`Cannot read the robustness benchmark \`${file}\`: ${(err as Error).message}`, file);
  }
  if (!Array.isArray(raw.sets) || !Array.isArray(raw.runs)) {
    throw new DataError(`Expected \`${file}\` to be a robustness.json written by model:robustness (with sets and runs), found something else`, file);
  }
  return raw as RobustnessFile;
}
