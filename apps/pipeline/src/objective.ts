/**
 * The search's objective: how a trial's validation figures become the one value the sampler, the
 * pruner's final ranking and the choice of the best trial see. Defined here and nowhere else; the
 * search stage records every figure beside the value (trial user attributes), so the trials table,
 * search.json and the report show them all.
 */
import { fusionStrategy, isFusion } from '@digitfuse/model';

/** What a finished trial measured on the validation rows (accuracies in 0..1). */
export interface TrialFigures {
  /** The model's output on the validation rows as they are (the training voices). */
  readonly clean: number;
  /**
   * The same with the validation audio shifted like an unseen speaker (the calibration's
   * `SHIFTED_AUDIO`): what the model may keep on a voice it never heard.
   */
  readonly shifted: number;
  /**
   * What the model's eyes alone give: a robust model's image head; an image-only model's output;
   * null for a model with no image expert of its own (the paper's concatenation).
   */
  readonly image: number | null;
}

/** The objectives a run can rank its trials by. */
export const OBJECTIVES = {
  'shift-aware': {
    title: 'shift-aware: mean of (the worse of clean and shifted-audio accuracy) and the image expert',
    describe:
      "Rank by the mean of the worse of clean and shifted-audio validation accuracy and the image expert's accuracy: " +
      'a new voice lands between a familiar one and no usable audio, so a trial must fuse well and see well (default)',
  },
  worst: {
    title: 'worst case: the worse of clean and shifted-audio validation accuracy',
    describe: 'Rank by the worse of clean and shifted-audio validation accuracy',
  },
  clean: {
    title: 'clean validation accuracy (the training voices)',
    describe: 'Rank by validation accuracy on the training voices only (what the search did before --objective)',
  },
} as const;

export type ObjectiveName = keyof typeof OBJECTIVES;
export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES) as ObjectiveName[];

/**
 * The value of a trial under an objective. `shift-aware` without an image expert (the paper's
 * concatenation) is the worse of clean and shifted. Pure.
 */
export function objectiveValue(name: ObjectiveName, f: TrialFigures): number {
  const worst = Math.min(f.clean, f.shifted);
  switch (name) {
    case 'clean':
      return f.clean;
    case 'worst':
      return worst;
    case 'shift-aware':
      return f.image === null ? worst : (worst + f.image) / 2;
  }
}

/**
 * What a trial reports after each epoch (the search stage's `trial.report`): the pruner compares it
 * across trials, and a pruned trial's value is its last one (as in Optuna).
 */
export const REPORTED_PER_EPOCH = 'clean validation accuracy';

/**
 * What that figure is of a product of experts (robust and attention fusion): its weights are calibrated
 * once the trial has trained, so while it trains its prediction is its fused head alone (a trial's
 * last report 0.30 beside its clean accuracy, the calibrated product's, of 0.2667).
 */
export const REPORTED_PER_EPOCH_EXPERTS = 'fused-head validation accuracy';

/**
 * What an image-only run's trials are ranked by, whatever its `--objective`: it has no audio to shift
 * and its image expert is the model, so every objective is its validation accuracy.
 */
export const IMAGE_ONLY_RANKING = 'an image-only run: its validation accuracy';

/**
 * What a pruned trial's value is when it is not on the objective's scale, else null. `fusion`: that of
 * the run's models, null for an image-only run (or unknown). A product of experts reports its fused
 * head's accuracy, which no objective ranks by. Otherwise only `clean` (and a run from before
 * `--objective`, which ranked by it) ranks by the figure trials report per epoch; under `shift-aware`
 * or `worst` a pruned trial's 0.9788 is a clean accuracy that a finished trial's objective (lower: it
 * counts shifted audio and the image expert) cannot be set beside.
 */
export function prunedValueApart(objective: string | null | undefined, fusion: string | null = null): string | null {
  const reported = reportedPerEpoch(fusion);
  if (reported === REPORTED_PER_EPOCH_EXPERTS) return reported;
  return objective === null || objective === undefined || objective === 'clean' ? null : reported;
}

/**
 * What a trial of a run reports after each epoch, and so what a pruned trial's value is, by the fusion
 * of its models (null for an image-only run): `REPORTED_PER_EPOCH_EXPERTS` of a product of experts,
 * else `REPORTED_PER_EPOCH`.
 */
export function reportedPerEpoch(fusion: string | null): string {
  return fusion !== null && isFusion(fusion) && fusionStrategy(fusion).experts ? REPORTED_PER_EPOCH_EXPERTS : REPORTED_PER_EPOCH;
}

/** User-attribute keys the figures are stored under in the study (and columns of trials.md/csv). */
export const FIGURE_ATTRS = { clean: 'val_clean', shifted: 'val_shifted', image: 'val_image' } as const;

/**
 * User-attribute keys of a trial's training figures after its last finished epoch (loss and accuracy
 * on its training rows), updated each epoch: what the dashboard shows of a running trial, and the
 * last epoch's in trials.md/csv.
 */
export const EPOCH_ATTRS = { loss: 'train_loss', acc: 'train_acc' } as const;

/**
 * User attribute: the epoch (counted from 1) whose weights a finished trial kept, the one early
 * stopping chose on validation loss: its figures and value were measured there, and retraining trains
 * for that many epochs. Not always the epoch of the best validation accuracy (the intermediate values).
 */
export const KEPT_EPOCH_ATTR = 'best_epoch';

/**
 * User attribute: set (to the epochs it had finished) on a trial that the search budget stopped
 * before its --epochs or early stopping ended it: its value is of a shorter training than the others'.
 */
export const BUDGET_STOP_ATTR = 'budget_stop';

/** Whether the search budget cut the trial short (`BUDGET_STOP_ATTR`). */
export const stoppedByBudget = (userAttrs: Readonly<Record<string, unknown>> | undefined): boolean => typeof userAttrs?.[BUDGET_STOP_ATTR] === 'number';

/**
 * The epoch a completed trial kept (`KEPT_EPOCH_ATTR`), else the epoch of its best intermediate value
 * (trials from before it was recorded). Null for a trial that is not COMPLETE: a pruned, failed or
 * running trial kept no epoch (the tables' "Best epoch" is "the epoch early stopping kept").
 */
export function keptEpochOf(state: string, userAttrs: Readonly<Record<string, unknown>> | undefined, bestStep: number | null | undefined): number | null {
  if (state !== 'COMPLETE') return null;
  const kept = userAttrs?.[KEPT_EPOCH_ATTR];
  return typeof kept === 'number' && Number.isFinite(kept) ? kept : (bestStep ?? null);
}

/** User attribute: how many validation rows a trial's figures were measured on (the choice's standard error). */
export const VALIDATION_ROWS_ATTR = 'val_rows';

/** A finished trial as the choice sees it. */
export interface Candidate {
  readonly number: number;
  readonly value: number;
  /** Validation rows its value was measured on; null if not recorded (trials from before `VALIDATION_ROWS_ATTR`). */
  readonly rows: number | null;
  /** Whether it is the paper's configuration (the search's enqueued first trial). */
  readonly baseline: boolean;
}

/** The run's choice among its finished trials. */
export interface TrialChoice {
  /** The trials in the order the run takes them (retraining, the ensemble, pruning): the chosen one first. */
  readonly ranked: readonly Candidate[];
  /** Set when the paper's configuration was kept over a trial with a higher value, within one standard error of it. */
  readonly keptBaseline: { readonly over: number; readonly overValue: number; readonly standardError: number } | null;
}

/**
 * How the run chooses its trial: the highest value (lower number first on ties), except that the
 * paper's configuration goes first when its value is within one standard error of the highest (the
 * one-standard-error rule of model selection). An accuracy near v measured on n validation rows is
 * known to about sqrt(v (1 - v) / n) (0.29 points at 98% on 2,400 rows): a trial ahead of the default
 * by less won on these rows as much as on the digits, and the larger the search, the more such wins
 * by chance there are to pick from; the default is what a user would have had without a search, and
 * on a new voice a choice that fits the training voices' validation rows by chance is what fails.
 * Pure.
 */
export function chooseTrial(candidates: readonly Candidate[]): TrialChoice {
  const ranked = [...candidates].sort((a, b) => b.value - a.value || a.number - b.number);
  const top = ranked[0];
  const baseline = ranked.find((c) => c.baseline);
  if (top === undefined || baseline === undefined || baseline === top || top.rows === null || top.rows <= 0) return { ranked, keptBaseline: null };
  const v = Math.min(1, Math.max(0, top.value));
  const standardError = Math.sqrt((v * (1 - v)) / top.rows);
  if (baseline.value < top.value - standardError) return { ranked, keptBaseline: null };
  return { ranked: [baseline, ...ranked.filter((c) => c !== baseline)], keptBaseline: { over: top.number, overValue: top.value, standardError } };
}

/** A trial as a study records it, as far as the choice reads it. */
export interface RecordedTrial {
  readonly number: number;
  readonly state: string;
  readonly value?: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly userAttrs?: Readonly<Record<string, unknown>>;
}

/** `chooseTrial` over a study's trials (its COMPLETE ones with a value); `isBaseline` tells the paper's configuration by its parameters. */
export function chooseAmong(trials: readonly RecordedTrial[], isBaseline: (params: Readonly<Record<string, unknown>>) => boolean): TrialChoice {
  return chooseTrial(
    trials
      .filter((t) => t.state === 'COMPLETE' && t.value !== undefined)
      .map((t) => {
        const rows = t.userAttrs?.[VALIDATION_ROWS_ATTR];
        return { number: t.number, value: t.value as number, rows: typeof rows === 'number' ? rows : null, baseline: isBaseline(t.params) };
      }),
  );
}

/** The figures a trial recorded (`FIGURE_ATTRS`), or null for a trial from before they were recorded. */
export function figuresOf(userAttrs: Readonly<Record<string, unknown>> | undefined): TrialFigures | null {
  const a = userAttrs ?? {};
  const num = (k: string) => (typeof a[k] === 'number' ? (a[k] as number) : null);
  const clean = num(FIGURE_ATTRS.clean);
  const shifted = num(FIGURE_ATTRS.shifted);
  if (clean === null || shifted === null) return null;
  return { clean, shifted, image: num(FIGURE_ATTRS.image) };
}
