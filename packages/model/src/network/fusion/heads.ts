import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES } from '@digitfuse/data';
import type { ModelConfig } from '../config';
import { LAYER_NAMES } from '../layer-names';
import type { KernelInitializer } from './fusion-strategy';

/**
 * The paper's fused features: dense(units, ReLU) (the fused embedding) -> dropout(rate, seeded).
 * Draws one initialiser.
 */
export function denseFeatures(x: tf.SymbolicTensor, config: ModelConfig, kernelInitializer: () => KernelInitializer): tf.SymbolicTensor {
  const h = tf.layers
    .dense({ units: config.units, activation: 'relu', kernelInitializer: kernelInitializer(), name: LAYER_NAMES.fusedEmbedding })
    .apply(x) as tf.SymbolicTensor;
  return tf.layers.dropout({ rate: config.dropout, seed: config.seed, name: LAYER_NAMES.dropout }).apply(h) as tf.SymbolicTensor;
}

/** A classifier head: dense(10, softmax) named `name`. Draws one initialiser. */
export function softmaxHead(name: string, x: tf.SymbolicTensor, kernelInitializer: () => KernelInitializer): tf.SymbolicTensor {
  return tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', kernelInitializer: kernelInitializer(), name }).apply(x) as tf.SymbolicTensor;
}
