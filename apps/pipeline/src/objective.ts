/**
 * The search's objective: how a trial's validation figures become the one value the sampler, the
 * pruner's final ranking and the choice of the best trial see. Defined here and nowhere else; the
 * search stage records every figure beside the value (trial user attributes), so the trials table,
 * search.json and the report show them all.
 */

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

/** User-attribute keys the figures are stored under in the study (and columns of trials.md/csv). */
export const FIGURE_ATTRS = { clean: 'val_clean', shifted: 'val_shifted', image: 'val_image' } as const;

/**
 * User-attribute keys of a trial's training figures after its last finished epoch (loss and accuracy
 * on its training rows), updated each epoch: what the dashboard shows of a running trial, and the
 * last epoch's in trials.md/csv.
 */
export const EPOCH_ATTRS = { loss: 'train_loss', acc: 'train_acc' } as const;

/** The figures a trial recorded (`FIGURE_ATTRS`), or null for a trial from before they were recorded. */
export function figuresOf(userAttrs: Readonly<Record<string, unknown>> | undefined): TrialFigures | null {
  const a = userAttrs ?? {};
  const num = (k: string) => (typeof a[k] === 'number' ? (a[k] as number) : null);
  const clean = num(FIGURE_ATTRS.clean);
  const shifted = num(FIGURE_ATTRS.shifted);
  if (clean === null || shifted === null) return null;
  return { clean, shifted, image: num(FIGURE_ATTRS.image) };
}
