import type * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES, type ModelInputs } from '@digitfuse/data';
import { checkInputs } from '../network/feed';
import { argmaxRows, classificationMetrics, confusionMatrix, crossEntropy, type ClassificationMetrics } from './metrics';
import { predictProba } from './predict';

/** Metrics of a model on labelled data. */
export interface EvaluationResult extends ClassificationMetrics {
  readonly n: number;
  /** Mean categorical cross-entropy. */
  readonly loss: number;
  /** Confusion counts [10 * 10], row = true class, column = predicted class. */
  readonly confusion: Int32Array;
}

/** Metrics from class probabilities [n * 10] and labels (pure). */
export function evaluateProbabilities(probs: Float32Array, labels: Int32Array): EvaluationResult {
  const confusion = confusionMatrix(labels, argmaxRows(probs, NUM_CLASSES), NUM_CLASSES);
  return { n: labels.length, loss: crossEntropy(probs, labels, NUM_CLASSES), confusion, ...classificationMetrics(confusion, NUM_CLASSES) };
}

/** Predicts labelled `inputs` in batches and returns loss, accuracy, macro-F1, per-class metrics and the confusion matrix. */
export async function evaluate(model: tf.LayersModel, inputs: ModelInputs, batchSize = 256): Promise<EvaluationResult> {
  checkInputs(inputs, 'inputs', true);
  return evaluateProbabilities(await predictProba(model, inputs, batchSize), inputs.labels as Int32Array);
}
