import * as tf from '@tensorflow/tfjs';
import { LAYER_NAMES } from '../network/layer-names';

/** Outputs of one training step; the caller disposes them. */
export interface StepResult {
  /** Training loss of the batch before the update (`trainingLoss`: for a robust model, the sum of its heads' losses). */
  readonly loss: tf.Scalar;
  /** Number of correctly classified rows of the batch. */
  readonly correct: tf.Scalar;
}

/** One optimisation step (forward with dropout, backward, optimizer update) on a batch. */
export type TrainStep = (xs: tf.Tensor[], y: tf.Tensor, dropoutSeed: number) => StepResult;

interface SeededLayer {
  seed?: number;
}

/**
 * Creates a step function over a compiled model's optimizer (Adam) and trainable weights, with the
 * model's categorical cross-entropy. Dropout masks come from `dropoutSeed` (tfjs's Dropout layer
 * reuses a fixed seed for every call, so each step sets a fresh one), which makes training reproducible.
 */
export function createTrainStep(model: tf.LayersModel): TrainStep {
  const optimizer = model.optimizer;
  if (!optimizer) throw new Error('The model is not compiled (no optimizer); compile it before training');
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout' || l.name === LAYER_NAMES.dropout) as unknown as SeededLayer[];
  return (xs, y, dropoutSeed) => {
    dropouts.forEach((d, i) => (d.seed = dropoutSeed + i));
    let correct: tf.Scalar | null = null;
    const loss = optimizer.minimize(
      () => {
        const out = model.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor | tf.Tensor[];
        const outputs = Array.isArray(out) ? out : [out];
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(outputs[0], -1), tf.argMax(y, -1)), 'float32')) as tf.Scalar);
        // A single-output model minimises its output's loss; a robust model (outputs: product of
        // experts, fused, image and audio heads) the sum of its heads' losses.
        return trainingLoss(y, outputs);
      },
      true,
      vars,
    ) as tf.Scalar;
    return { loss, correct: correct as unknown as tf.Scalar };
  };
}

/**
 * The loss a model is trained on: its output's mean categorical cross-entropy, or for a robust model
 * (outputs: product of experts, then its heads) the sum of its heads' (the product has no weights of
 * its own to train).
 */
export function trainingLoss(y: tf.Tensor, outputs: readonly tf.Tensor[]): tf.Scalar {
  const heads = outputs.length === 1 ? outputs : outputs.slice(1);
  return heads.map((p) => tf.mean(tf.metrics.categoricalCrossentropy(y, p)) as tf.Scalar).reduce((a, b) => tf.add(a, b));
}
