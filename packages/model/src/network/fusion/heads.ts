import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES } from '@digitfuse/data';
import type { ModelConfig } from '../config';
import { LAYER_NAMES } from '../layer-names';
import type { KernelInitializer } from './fusion-strategy';

/** Names of the two layers of `denseFeatures`. */
export interface DenseFeatureNames {
  readonly dense: string;
  readonly dropout: string;
}

/**
 * The paper's classifier features: dense(units, ReLU) -> dropout(rate, seeded), named `names` (by
 * default the fused embedding's: the paper's head after the fusion, or a single-branch model's).
 * Draws one initialiser.
 */
export function denseFeatures(
  x: tf.SymbolicTensor,
  config: ModelConfig,
  kernelInitializer: () => KernelInitializer,
  names: DenseFeatureNames = { dense: LAYER_NAMES.fusedEmbedding, dropout: LAYER_NAMES.dropout },
): tf.SymbolicTensor {
  const h = tf.layers.dense({ units: config.units, activation: 'relu', kernelInitializer: kernelInitializer(), name: names.dense }).apply(x) as tf.SymbolicTensor;
  return tf.layers.dropout({ rate: config.dropout, seed: config.seed, name: names.dropout }).apply(h) as tf.SymbolicTensor;
}

/** A classifier head: dense(10, softmax) named `name`. Draws one initialiser. */
export function softmaxHead(name: string, x: tf.SymbolicTensor, kernelInitializer: () => KernelInitializer): tf.SymbolicTensor {
  return tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', kernelInitializer: kernelInitializer(), name }).apply(x) as tf.SymbolicTensor;
}
