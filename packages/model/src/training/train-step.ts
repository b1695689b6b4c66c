import * as tf from '@tensorflow/tfjs';
import { LAYER_NAMES } from '../network/layer-names';

/** Outputs of one training step; the caller disposes them. */
export interface StepResult {
  /** Mean loss of the model's first output on the batch (before the update), comparable with validation loss. */
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
    let firstLoss: tf.Scalar | null = null;
    const minimized = optimizer.minimize(
      () => {
        const out = model.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor | tf.Tensor[];
        const outputs = Array.isArray(out) ? out : [out];
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(outputs[0], -1), tf.argMax(y, -1)), 'float32')) as tf.Scalar);
        const losses = outputs.map((p) => tf.mean(tf.metrics.categoricalCrossentropy(y, p)) as tf.Scalar);
        firstLoss = tf.keep(losses[0]);
        // A single-output model minimises its output's loss; a robust model (outputs: product of
        // experts, fused, image and audio heads) the sum of its heads' losses.
        return outputs.length === 1 ? losses[0] : losses.slice(1).reduce((a, b) => tf.add(a, b));
      },
      true,
      vars,
    ) as tf.Scalar;
    const loss = firstOutputLoss(minimized, firstLoss as unknown as tf.Scalar);
    return { loss, correct: correct as unknown as tf.Scalar };
  };
}

/** The first output's loss; disposes the minimised total when it is a different tensor (a robust model's sum of head losses). */
function firstOutputLoss(minimized: tf.Scalar, first: tf.Scalar): tf.Scalar {
  if (minimized !== first) minimized.dispose();
  return first;
}
