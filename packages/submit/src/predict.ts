import { NUM_CLASSES, type ModelInputs } from '@digitfuse/data';
import { argmaxRows, disposeModel, loadModel, predictProba } from '@digitfuse/model';
import { predictProbaTta } from './tta';

/** Options of {@link predict}. */
export interface PredictOptions {
  /** Rows per prediction batch. Default 256. */
  readonly batchSize?: number;
  /** Test-time augmentation: average over one-pixel image shifts (see `TTA_SHIFTS`). Default false. */
  readonly tta?: boolean;
}

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
 * were trained with (see the model's meta.json).
 */
export async function predict(
  modelDir: string | readonly string[],
  testData: ModelInputs,
  options: PredictOptions = {},
): Promise<Predictions> {
  const dirs = typeof modelDir === 'string' ? [modelDir] : [...modelDir];
  if (dirs.length === 0) throw new RangeError('Expected at least one model directory to predict with, found none');
  const proba = new Float32Array(testData.n * NUM_CLASSES);
  for (const dir of dirs) {
    const { model } = await loadModel(dir);
    try {
      const p = await (options.tta ? predictProbaTta : predictProba)(model, testData, options.batchSize ?? 256);
      for (let i = 0; i < p.length; i++) proba[i] += p[i] / dirs.length;
    } finally {
      disposeModel(model);
    }
  }
  return { labels: argmaxRows(proba, NUM_CLASSES), proba, models: dirs.length };
}
