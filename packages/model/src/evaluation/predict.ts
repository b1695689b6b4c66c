import * as tf from '@tensorflow/tfjs';
import { eventLoopTurns } from '@digitfuse/core';
import { NUM_CLASSES, type ModelInputs } from '@digitfuse/data';
import { checkInputs, inputTensors, rowRange } from '../network/feed';
import { OUTPUT_LAYERS, outputIndex, type OutputName } from '../network/fusion/fusion-strategy';

/** Class probabilities [n * 10] of every row (the model's `prediction` output), predicted in batches of `batchSize` (default 256). */
export async function predictProba(model: tf.LayersModel, inputs: ModelInputs, batchSize = 256): Promise<Float32Array> {
  return (await predictOutputs(model, inputs, batchSize))[outputIndex(model, 'prediction')];
}

/**
 * Every output's class probabilities ([n * 10] each, in `model.outputs` order), predicted in batches;
 * find an output with `outputIndex(model, name)` (or use `predictNamed`).
 */
export async function predictOutputs(model: tf.LayersModel, inputs: ModelInputs, batchSize = 256): Promise<Float32Array[]> {
  checkInputs(inputs, 'inputs', false);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`Expected \`batchSize\` to be a positive integer, found ${batchSize}`);
  const outs = model.outputs.map(() => new Float32Array(inputs.n * NUM_CLASSES));
  const turn = eventLoopTurns(); // timers and signals run between chunks of a long prediction
  for (let start = 0; start < inputs.n; start += batchSize) {
    await turn();
    const xs = inputTensors(model, inputs, rowRange(start, Math.min(inputs.n, start + batchSize)));
    const probs = tf.tidy(() => {
      // One call per chunk: tfjs's own default splits it again into batches of 32, which cost the
      // small network 2-4x its inference speed in per-call overhead.
      const out = model.predict(xs, { batchSize });
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

/** Every output's class probabilities ([n * 10] each) by output name (`OUTPUT_LAYERS`), predicted in batches. */
export async function predictNamed(model: tf.LayersModel, inputs: ModelInputs, batchSize = 256): Promise<Partial<Record<OutputName, Float32Array>>> {
  const outs = await predictOutputs(model, inputs, batchSize);
  return Object.fromEntries(
    (Object.keys(OUTPUT_LAYERS) as OutputName[]).filter((name) => model.outputNames.includes(OUTPUT_LAYERS[name])).map((name) => [name, outs[outputIndex(model, name)]]),
  );
}
