import * as tf from '@tensorflow/tfjs';
import { outputIndex } from '../network/fusion/fusion-strategy';
import { outputSpec } from '../network/fusion/fusions';
import { LAYER_NAMES } from '../network/layer-names';

/** Outputs of one training step; the caller disposes them. */
export interface StepResult {
  /** Training loss of the batch before the update (`trainingLoss`: the sum of the losses of the outputs the model's fusion trains). */
  readonly loss: tf.Scalar;
  /** Number of rows of the batch the model's prediction classifies correctly. */
  readonly correct: tf.Scalar;
}

/** One optimisation step (forward with dropout, backward, optimizer update) on a batch. */
export type TrainStep = (xs: tf.Tensor[], y: tf.Tensor, dropoutSeed: number) => StepResult;

interface SeededLayer {
  seed?: number;
}

/**
 * Creates a step function over a compiled model's optimizer (Adam) and trainable weights, with the
 * model's categorical cross-entropy on the outputs its fusion trains (`outputSpec(model).losses`).
 * Dropout masks come from `dropoutSeed` (tfjs's Dropout layer reuses a fixed seed for every call, so
 * each step sets a fresh one), which makes training reproducible.
 */
export function createTrainStep(model: tf.LayersModel): TrainStep {
  const optimizer = model.optimizer;
  if (!optimizer) throw new Error('The model is not compiled (no optimizer); compile it before training');
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout' || l.name === LAYER_NAMES.dropout) as unknown as SeededLayer[];
  const prediction = outputIndex(model, 'prediction');
  const trained = trainedOutputs(model);
  return (xs, y, dropoutSeed) => {
    dropouts.forEach((d, i) => (d.seed = dropoutSeed + i));
    let correct: tf.Scalar | null = null;
    const loss = optimizer.minimize(
      () => {
        const out = model.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor | tf.Tensor[];
        const outputs = Array.isArray(out) ? out : [out];
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(outputs[prediction], -1), tf.argMax(y, -1)), 'float32')) as tf.Scalar);
        return trainingLoss(y, outputs, trained);
      },
      true,
      vars,
    ) as tf.Scalar;
    return { loss, correct: correct as unknown as tf.Scalar };
  };
}

/**
 * Positions (in `model.outputs`) of the outputs the model is trained on, in summation order: its
 * fusion's `losses` (e.g. robust fusion's three heads; the product of experts has no weights to train).
 */
export function trainedOutputs(model: tf.LayersModel): number[] {
  return outputSpec(model).losses.map((name) => outputIndex(model, name));
}

/** The loss a model is trained on: the sum of the mean categorical cross-entropies of its `trained` outputs. */
export function trainingLoss(y: tf.Tensor, outputs: readonly tf.Tensor[], trained: readonly number[]): tf.Scalar {
  return trained.map((k) => tf.mean(tf.metrics.categoricalCrossentropy(y, outputs[k])) as tf.Scalar).reduce((a, b) => tf.add(a, b));
}
