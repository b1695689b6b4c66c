import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { counted, markdownTable } from '@digitfuse/core';
import { COMPETITION_FILES, DataError, loadTestLabels, readLabelsCsv } from '@digitfuse/data';
import { disposeModel, evaluateProbabilities, loadModel, predictNamed, type RobustnessSet } from '@digitfuse/model';
import { backendOf, dataOf, runStages, type RunContext } from '../context';
import type { TrialFigures } from '../objective';
import { openContext, type ResumeWording } from '../open-run';
import { flagOf, RESUMABLE, type PipelineOptions } from '../options';
import { finalModelDirs, readSearchOutputs, runLayout } from '../run-artifacts';
import { dataStage } from '../stages/data-stage';
import { retrainStage } from '../stages/retrain-stage';
import { searchStage } from '../stages/search-stage';
import { predictStage, validateStage } from '../stages/submit-stages';

/** The stages of the main job a benchmark run goes through (no evaluation or report: they do not change the submission). */
export const BENCHMARK_STAGES = [dataStage, searchStage, retrainStage, predictStage, validateStage];

/** Which pipeline a benchmark run is. */
export type PipelineKind = 'fused' | 'image';

/** One pipeline run of the benchmark, scored on its set's labelled test rows. */
export interface PipelineRun {
  readonly set: string;
  readonly kind: PipelineKind;
  /** Run directory (resumable with --resume). */
  readonly run: string;
  readonly testAcc: number;
  /**
   * Test accuracy of the main job's own image expert (its final model's, averaged over an ensemble's
   * members as the prediction is; without test-time augmentation): what a voice the audio expert does
   * not know leaves the prediction to. Null for an image-only run and a fusion without experts (concat).
   */
  readonly imageExpertAcc: number | null;
  readonly bestTrial: number | null;
  /** Finished (COMPLETE) trials of its search. */
  readonly trials: number;
  /** The best trial's validation figures, when recorded. */
  readonly figures: TrialFigures | null;
  /** Wall-clock seconds of this run (0 for an image-only run shared with an earlier set). */
  readonly seconds: number;
}

/**
 * Fingerprint of a set's images and labels (training and test): sets built from the same images
 * (leave-one-speaker-out sets of one make_dataset.py seed) share it, so one image-only pipeline serves them all.
 */
export function imageFingerprint(dir: string): string {
  const hash = createHash('sha256');
  for (const f of [COMPETITION_FILES.trainImages, COMPETITION_FILES.trainLabels, COMPETITION_FILES.testImages, COMPETITION_FILES.testLabels]) {
    const path = join(dir, f);
    if (!existsSync(path)) throw new DataError(`Expected \`${path}\` in the benchmark set, found nothing there`, path);
    hash.update(f).update(readFileSync(path));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Accuracy of a written submission against a set's `y_test.csv`. @throws DataError when either is missing or they differ in length. */
export function scoreSubmission(submission: string, setDir: string): number {
  const truth = loadTestLabels(setDir);
  if (!truth) throw new DataError(`Expected ${COMPETITION_FILES.testLabels} in \`${setDir}\` to score the submission, found none`, setDir);
  const predicted = readLabelsCsv(submission).labels;
  if (predicted.length !== truth.length) {
    throw new DataError(`Expected ${counted(truth.length, 'row')} in \`${submission}\` (as ${COMPETITION_FILES.testLabels}), found ${predicted.length}`, submission);
  }
  let ok = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) ok++;
  return truth.length ? ok / truth.length : 0;
}

/** Options of `runPipelineRobustness`. */
export interface PipelineRobustnessOptions {
  readonly sets: readonly RobustnessSet[];
  /** Pipeline options shared by every run (budget, trials, search rows, seed, objective, fusion...); data/out/resume/modality are set per run. */
  readonly base: PipelineOptions;
  /** Folder of the run directories (`<set>-fused`, `images-<fingerprint>`). */
  readonly runsDir: string;
  /** Also run the image-only pipeline (once per distinct set of images). Default true. */
  readonly imageOnly?: boolean;
  readonly log?: (line: string) => void;
  /** Called after each run (e.g. to save partial results). */
  readonly onRun?: (run: PipelineRun, runs: readonly PipelineRun[]) => Promise<void> | void;
  /**
   * The flags as typed. A run directory that exists is resumed with them as by `full --resume DIR`: a
   * new --trials or --budget continues its search, another value of a setting (--epochs, --seed...) is
   * refused. Default none (every run keeps its recorded settings).
   */
  readonly argv?: readonly string[];
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** "the one set", "both sets", "all 3 sets". */
const allSets = (n: number): string => (n === 1 ? 'the one set' : n === 2 ? 'both sets' : `all ${n} sets`);

/** One run of the benchmark's plan: a set, which pipeline, and its run directory. */
export interface PlannedRun {
  readonly set: RobustnessSet;
  readonly kind: PipelineKind;
  readonly dir: string;
}

/** The pipeline options of one benchmark run: the shared ones, its set's data, its senses, no report; a new run directory or the one to resume. */
function runOptions({ set, kind, dir }: PlannedRun, base: PipelineOptions): PipelineOptions {
  const exists = existsSync(runLayout(dir).state);
  return { ...base, data: set.dir, out: exists ? null : dir, resume: exists ? dir : null, modality: kind === 'image' ? 'image' : 'both', report: false };
}

/** Opens every run directory of the plan that exists with the flags as typed: refuses one that they would change (made with another --epochs, --seed...). */
function checkResumable(plan: readonly PlannedRun[], base: PipelineOptions, argv: readonly string[]): void {
  for (const planned of plan) {
    const options = runOptions(planned, base);
    if (!options.resume) continue;
    openContext(options, argv, () => undefined, BENCH_WORDING);
  }
}

/**
 * How a refused flag is named: the benchmark resumes its own run directories (no --resume was typed)
 * and sets --data and --report itself; a new run comes with another --bench-out, not --out.
 */
const BENCH_WORDING: ResumeWording = {
  flags: (root) => `the flags given again for the earlier run \`${root}\` in --bench-out`,
  otherwise: `only ${RESUMABLE.filter((key) => key !== 'report').map(flagOf).join(', ')} may change between runs into one --bench-out: give another --bench-out for other settings`,
};

/**
 * Test accuracy of the image expert of a run's final model(s) (robust or attention fusion; the average
 * of the members' when an ensemble predicted), or null when the model has no image expert.
 */
async function imageExpertAccuracy(ctx: RunContext, setDir: string): Promise<number | null> {
  const data = await dataOf(ctx);
  const labels = loadTestLabels(setDir);
  if (!data.test || !labels) return null;
  await backendOf(ctx); // a finished run skips every stage: none chose it
  let sum: Float32Array | null = null;
  for (const dir of finalModelDirs(ctx.layout, Math.max(1, ctx.options.ensemble)).filter((d) => existsSync(d))) {
    const { model } = await loadModel(dir);
    try {
      const image = (await predictNamed(model, data.test)).image;
      if (!image) return null;
      sum ??= new Float32Array(image.length);
      for (let i = 0; i < image.length; i++) sum[i] += image[i];
    } finally {
      disposeModel(model);
    }
  }
  return sum ? evaluateProbabilities(sum, labels).accuracy : null;
}

/** Runs (or resumes) the main job on one set and scores its submission (and, of the main job, its image expert). */
async function runOne(planned: PlannedRun, base: PipelineOptions, argv: readonly string[], log: (line: string) => void): Promise<Omit<PipelineRun, 'set'>> {
  const ctx: RunContext = openContext(runOptions(planned, base), argv, (line) => log(line === '' ? '' : `  ${line}`), BENCH_WORDING);
  const t0 = performance.now();
  await runStages(ctx, BENCHMARK_STAGES);
  const search = readSearchOutputs(ctx.layout);
  const best = search?.trials.find((t) => t.number === search.bestTrial);
  return {
    kind: planned.kind,
    run: ctx.layout.root,
    testAcc: scoreSubmission(ctx.layout.submission, planned.set.dir),
    imageExpertAcc: planned.kind === 'fused' ? await imageExpertAccuracy(ctx, planned.set.dir) : null,
    bestTrial: search?.bestTrial ?? null,
    trials: search?.finished ?? 0,
    figures: best?.figures ?? null,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The runs of the benchmark (the main job per set, one image-only run per distinct set of images), each
 * run directory that exists opened with the flags as typed as a check: a flag that would change a
 * setting of one is refused in one line before any set runs. @throws UsageError
 */
export function planPipelineRobustness(options: PipelineRobustnessOptions): readonly PlannedRun[] {
  const plan: PlannedRun[] = options.sets.flatMap((set) => [
    { set, kind: 'fused' as const, dir: join(options.runsDir, `${set.name}-fused`) },
    ...(options.imageOnly === false ? [] : [{ set, kind: 'image' as const, dir: join(options.runsDir, `images-${imageFingerprint(set.dir)}`) }]),
  ]);
  checkResumable(plan, options.base, options.argv ?? []);
  return plan;
}

/**
 * The main job on each set (search + retrain + predict with the same options), and the same with
 * images only, scored on each set's labelled test rows. Sets with the same images share one
 * image-only run. A run directory that exists is resumed with the flags as typed (`argv`): an
 * interrupted benchmark continues, a new --trials or --budget continues its searches.
 */
export async function runPipelineRobustness(options: PipelineRobustnessOptions, plan = planPipelineRobustness(options)): Promise<PipelineRun[]> {
  const log = options.log ?? (() => undefined);
  const argv = options.argv ?? [];
  const runs: PipelineRun[] = [];
  const imageRuns = new Map<string, Omit<PipelineRun, 'set'>>();
  for (const [i, planned] of plan.entries()) {
    const { set, kind } = planned;
    let result: Omit<PipelineRun, 'set'>;
    const shared = kind === 'image' ? imageRuns.get(planned.dir) : undefined;
    if (shared) {
      // Same images, same labels: the image-only submission is the same; score it on this set's labels.
      result = { ...shared, testAcc: scoreSubmission(runLayout(shared.run).submission, set.dir), seconds: 0 };
    } else {
      log(`[${i + 1}/${plan.length}] ${set.name}: ${kind === 'image' ? 'image-only pipeline' : 'the main job (both senses)'}`);
      result = await runOne(planned, options.base, argv, log);
      if (kind === 'image') imageRuns.set(planned.dir, result);
    }
    const run: PipelineRun = { set: set.name, ...result };
    runs.push(run);
    const expert = run.imageExpertAcc === null ? '' : `, its image expert ${pct(run.imageExpertAcc)}`;
    log(`[${i + 1}/${plan.length}] ${set.name} ${kind}: test ${pct(run.testAcc)}${expert} (best trial ${run.bestTrial} of ${run.trials})`);
    await options.onRun?.(run, runs);
  }
  return runs;
}

/**
 * Per-set table (main job, image only, difference, the main job's image expert, best trial) and mean /
 * worst rows, as Markdown, with what they say: where the main job fell below images alone, and where
 * below its own image expert (hearing made seeing worse: a failure of the fusion, not of the image classifier).
 */
export function pipelineRobustnessMarkdown(runs: readonly PipelineRun[]): string {
  const sets = [...new Set(runs.map((r) => r.set))];
  const get = (set: string, kind: PipelineKind) => runs.find((r) => r.set === set && r.kind === kind);
  const rows = sets.map((s) => {
    const f = get(s, 'fused');
    const im = get(s, 'image');
    const fig = f?.figures;
    return [
      s,
      f ? pct(f.testAcc) : '—',
      im ? pct(im.testAcc) : '—',
      f && im ? ((f.testAcc - im.testAcc) * 100).toFixed(2) : '—',
      f?.imageExpertAcc != null ? pct(f.imageExpertAcc) : '—',
      f ? `${f.bestTrial} (${f.trials})` : '—',
      fig ? `${pct(fig.clean)} / ${pct(fig.shifted)} / ${fig.image === null ? '—' : pct(fig.image)}` : '—',
    ];
  });
  for (const kind of ['fused', 'image'] as const) {
    const accs = sets.map((s) => get(s, kind)).filter((r): r is PipelineRun => r !== undefined);
    if (accs.length === 0) continue;
    const worst = accs.reduce((a, b) => (b.testAcc < a.testAcc ? b : a));
    const mean = accs.reduce((sum, r) => sum + r.testAcc, 0) / accs.length;
    rows.push([`**${kind === 'fused' ? 'main job' : 'image only'}: mean / worst**`, pct(mean), `worst ${pct(worst.testAcc)} (${worst.set})`, '', '', '', '']);
  }
  const headers = ['set', 'main job (both senses)', 'image-only pipeline', 'difference (points)', 'its image expert (test)', 'best trial (of finished)', 'its validation: clean / shifted / image'];
  const lines = [markdownTable(headers, rows, ['left', 'right', 'right', 'right', 'right', 'right', 'left'])];
  const pairs = sets.map((s) => [get(s, 'fused'), get(s, 'image')] as const).filter((p) => p[0] && p[1]) as [PipelineRun, PipelineRun][];
  const below = pairs.filter(([f, im]) => f.testAcc < im.testAcc).length;
  lines.push(
    '',
    pairs.length === 0
      ? 'No set has both pipelines yet.'
      : below === 0
        ? `The main job scored at least as high as the image-only pipeline on ${allSets(pairs.length)}.`
        : `The main job scored below the image-only pipeline on ${below} of ${counted(pairs.length, 'set')}.`,
  );
  const experts = sets.map((s) => get(s, 'fused')).filter((f): f is PipelineRun & { imageExpertAcc: number } => f?.imageExpertAcc != null);
  if (experts.length > 0) {
    const worse = experts.filter((f) => f.testAcc < f.imageExpertAcc);
    lines.push(
      worse.length === 0
        ? `Hearing did not make seeing worse: the main job scored at least its own image expert's accuracy on ${allSets(experts.length)}.`
        : `Hearing made seeing worse on ${worse.length} of ${counted(experts.length, 'set')}: the main job scored below its own image expert on ${worse.map((f) => f.set).join(', ')}.`,
    );
  }
  return lines.join('\n') + '\n';
}
