import { NUM_CLASSES, type ModelInputs } from '@digitfuse/data';
import { adaptFusion, argmaxRows, disposeModel, loadModel, predictProba, type FusionAdaptation, type ModelMeta } from '@digitfuse/model';
import { predictProbaTta } from './tta';

/** Options of {@link predict}. */
export interface PredictOptions {
  /** Rows per prediction batch. Default 256. */
  readonly batchSize?: number;
  /**
   * Test-time augmentation: average over one-pixel image shifts (see `TTA_SHIFTS`). A model without an
   * image branch (`modality: 'audio'`) predicts the rows unshifted (the shifts would not change its
   * output); `digitfuse predict` says so. Default false.
   */
  readonly tta?: boolean;
  /**
   * Told of each model whose product of experts was adapted to these rows (`adaptFusion`: rows other
   * than those its calibration was adapted to), with what the adaptation found. Default: nobody.
   */
  readonly onAdapted?: (dir: string, adaptation: FusionAdaptation) => void;
}

/**
 * The test rows as the model in `dir` sees them: preprocessed with the statistics of its training
 * (`meta.stats`). Models trained on other rows (another data folder, split seed or validation
 * fraction) have other statistics, so an ensemble of them needs one set of inputs per model.
 */
export type InputsFor = (dir: string, meta: ModelMeta) => ModelInputs;

/** Test-set predictions. */
export interface Predictions {
  /** Predicted digit per row [n]. */
  readonly labels: Int32Array;
  /** Class probabilities [n * 10], averaged over the models when several are given. */
  readonly proba: Float32Array;
  /** How many models were averaged. */
  readonly models: number;
}

/**
 * Predict `testData` with the model saved in `modelDir`, or with the average softmax of several
 * model directories (an ensemble). `testData` must be preprocessed with the statistics the models
 * were trained with (see the model's meta.json): one set of inputs when they share them (the members
 * of one run), else a function giving each model its own ({@link InputsFor}). A model with a
 * calibrated product of experts first has its weights adapted to these rows when they are not the
 * rows it was adapted to in training (`adaptFusion`; `options.onAdapted` hears of it).
 */
export async function predict(
  modelDir: string | readonly string[],
  testData: ModelInputs | InputsFor,
  options: PredictOptions = {},
): Promise<Predictions> {
  const dirs = typeof modelDir === 'string' ? [modelDir] : [...modelDir];
  if (dirs.length === 0) throw new RangeError('Expected at least one model directory to predict with, found none');
  let proba: Float32Array | null = null;
  for (const dir of dirs) {
    const { model, meta } = await loadModel(dir);
    try {
      const inputs = typeof testData === 'function' ? testData(dir, meta) : testData;
      proba ??= new Float32Array(inputs.n * NUM_CLASSES);
      if (proba.length !== inputs.n * NUM_CLASSES) throw new RangeError(`Expected the test rows of every model to number ${proba.length / NUM_CLASSES}, found ${inputs.n} for ${dir}`);
      // A robust model listens to a voice as far as these rows' voices deserve, as retraining adapted it to its own test rows.
      const adapted = await adaptFusion(model, meta.calibration, inputs, options.batchSize ?? 256);
      if (adapted) options.onAdapted?.(dir, adapted);
      const tta = options.tta === true && meta.config.modality !== 'audio';
      const p = await (tta ? predictProbaTta : predictProba)(model, inputs, options.batchSize ?? 256);
      for (let i = 0; i < p.length; i++) proba[i] += p[i] / dirs.length;
    } finally {
      disposeModel(model);
    }
  }
  if (proba === null) throw new RangeError('Expected at least one model directory to predict with, found none');
  return { labels: argmaxRows(proba, NUM_CLASSES), proba, models: dirs.length };
}
