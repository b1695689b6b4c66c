import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES, type ModelInputs } from '@digitfuse/data';
import { checkInputs, inputTensors, rowRange } from '../network/feed';

/** Class probabilities [n * 10] of every row (the model's first output), predicted in batches of `batchSize` (default 256). */
export async function predictProba(model: tf.LayersModel, inputs: ModelInputs, batchSize = 256): Promise<Float32Array> {
  return (await predictOutputs(model, inputs, batchSize))[0];
}

/**
 * Every output's class probabilities ([n * 10] each, in `model.outputs` order), predicted in batches:
 * for a robust model the product of experts, then the fused, image and audio heads.
 */
export async function predictOutputs(model: tf.LayersModel, inputs: ModelInputs, batchSize = 256): Promise<Float32Array[]> {
  checkInputs(inputs, 'inputs', false);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`Expected \`batchSize\` to be a positive integer, got ${batchSize}`);
  const outs = model.outputs.map(() => new Float32Array(inputs.n * NUM_CLASSES));
  for (let start = 0; start < inputs.n; start += batchSize) {
    const xs = inputTensors(model, inputs, rowRange(start, Math.min(inputs.n, start + batchSize)));
    const probs = tf.tidy(() => {
      const out = model.predict(xs);
      return Array.isArray(out) ? out : [out];
    });
    try {
      for (const [k, p] of probs.entries()) outs[k].set((await p.data()) as Float32Array, start * NUM_CLASSES);
    } finally {
      tf.dispose([...xs, ...probs]);
    }
  }
  return outs;
}
