import * as tf from '@tensorflow/tfjs';
import { LAYER_NAMES } from '../layer-names';
import type { FusionInputs, FusionStrategy } from './fusion-strategy';
import { denseFeatures, softmaxHead } from './heads';

/** The paper's fused features: concatenated branch embeddings -> dense(units, ReLU) -> dropout. */
export function concatFeatures(inputs: FusionInputs): tf.SymbolicTensor {
  const joined = tf.layers.concatenate({ name: LAYER_NAMES.fusion }).apply([inputs.image, inputs.audio]) as tf.SymbolicTensor;
  return denseFeatures(joined, inputs.config, inputs.kernelInitializer);
}

/** The paper's fusion: concatenated embeddings -> dense -> dropout -> softmax, one output and one loss. */
export const CONCAT_FUSION: FusionStrategy = Object.freeze({
  name: 'concat',
  title: 'plain fusion (paper)',
  description: "the paper's: concatenated embeddings -> dense -> dropout -> softmax",
  outputs: Object.freeze(['prediction'] as const),
  losses: Object.freeze(['prediction'] as const),
  experts: false,
  training: Object.freeze({}),
  build: (inputs: FusionInputs) => ({ prediction: softmaxHead(LAYER_NAMES.output, concatFeatures(inputs), inputs.kernelInitializer) }),
});
