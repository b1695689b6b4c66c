import * as tf from '@tensorflow/tfjs';
import { AUDIO_COEFFS, AUDIO_FRAMES, IMAGE_SIDE, NUM_CLASSES } from '@digitfuse/data';
import { type ModelConfig, validateConfig } from './config';
import { ExpertFusion } from './expert-fusion';
import { LAYER_NAMES } from './layer-names';

/** Seeds each initialiser differently but deterministically from the config's seed. */
const initSeed = (seed: number, layer: number): number => (seed * 1009 + layer * 7919) % 0x7fffffff;

/**
 * Builds and compiles the two-branch CNN (Adam(learningRate), categorical cross-entropy, accuracy).
 *
 * image [28,28,1] -> n x (conv2d k 'same' + ReLU + maxpool 2) -> flatten  ┐
 * audio [39,13]   -> n x (conv1d k 'same' + ReLU + maxpool 2) -> flatten  ┴ concat -> dense(units, ReLU)
 *   -> dropout -> dense(10, softmax). Single-branch variants (modality 'image' | 'audio') take one input.
 * With `fusion: 'robust'` the model also has an image head and an audio head (dense(10, softmax) on
 * each branch's embedding) and its first output is their product of experts with the fused head
 * (`ExpertFusion`); outputs 2..4 are the fused, image and audio heads.
 *
 * Pure: builds a new model on each call; the same config (seed included) gives the same initial weights.
 * @throws ConfigError when the config is invalid.
 */
export function buildModel(config: Partial<ModelConfig> = {}): tf.LayersModel {
  const c = validateConfig(config);
  let layer = 0;
  const kernelInitializer = () => tf.initializers.glorotUniform({ seed: initSeed(c.seed, layer++) });

  const inputs: tf.SymbolicTensor[] = [];
  const embeddings: tf.SymbolicTensor[] = [];

  if (c.modality !== 'audio') {
    const input = tf.input({ shape: [IMAGE_SIDE, IMAGE_SIDE, 1], name: LAYER_NAMES.imageInput });
    let x: tf.SymbolicTensor = input;
    c.imageFilters.forEach((filters, i) => {
      x = tf.layers
        .conv2d({ filters, kernelSize: c.kernelSize, padding: 'same', activation: 'relu', kernelInitializer: kernelInitializer(), name: `image_conv${i + 1}` })
        .apply(x) as tf.SymbolicTensor;
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `image_pool${i + 1}` }).apply(x) as tf.SymbolicTensor;
    });
    inputs.push(input);
    embeddings.push(tf.layers.flatten({ name: LAYER_NAMES.imageEmbedding }).apply(x) as tf.SymbolicTensor);
  }

  if (c.modality !== 'image') {
    const input = tf.input({ shape: [AUDIO_FRAMES, AUDIO_COEFFS], name: LAYER_NAMES.audioInput });
    let x: tf.SymbolicTensor = input;
    c.audioFilters.forEach((filters, i) => {
      x = tf.layers
        .conv1d({ filters, kernelSize: c.kernelSize, padding: 'same', activation: 'relu', kernelInitializer: kernelInitializer(), name: `audio_conv${i + 1}` })
        .apply(x) as tf.SymbolicTensor;
      x = tf.layers.maxPooling1d({ poolSize: 2, strides: 2, name: `audio_pool${i + 1}` }).apply(x) as tf.SymbolicTensor;
    });
    inputs.push(input);
    embeddings.push(tf.layers.flatten({ name: LAYER_NAMES.audioEmbedding }).apply(x) as tf.SymbolicTensor);
  }

  const fused =
    embeddings.length > 1 ? (tf.layers.concatenate({ name: LAYER_NAMES.fusion }).apply(embeddings) as tf.SymbolicTensor) : embeddings[0];
  let h = tf.layers
    .dense({ units: c.units, activation: 'relu', kernelInitializer: kernelInitializer(), name: LAYER_NAMES.fusedEmbedding })
    .apply(fused) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: c.dropout, seed: c.seed, name: LAYER_NAMES.dropout }).apply(h) as tf.SymbolicTensor;
  const robust = c.fusion === 'robust' && embeddings.length > 1;
  const head = (name: string, x: tf.SymbolicTensor) =>
    tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', kernelInitializer: kernelInitializer(), name }).apply(x) as tf.SymbolicTensor;
  const outputs: tf.SymbolicTensor[] = [];
  if (robust) {
    // Outputs: [product of experts, fused head, image head, audio head]; training minimises the
    // heads' losses, calibration sets the product's weights.
    const experts = [head(LAYER_NAMES.fusedHead, h), head(LAYER_NAMES.imageHead, embeddings[0]), head(LAYER_NAMES.audioHead, embeddings[1])];
    outputs.push(new ExpertFusion({ name: LAYER_NAMES.output }).apply(experts) as tf.SymbolicTensor, ...experts);
  } else {
    outputs.push(head(LAYER_NAMES.output, h));
  }

  const model = tf.model({ inputs, outputs, name: `digitfuse_${c.modality}${robust ? '_robust' : ''}` });
  compileModel(model, c.learningRate);
  return model;
}

/** Compiles (or recompiles, e.g. after loading) a model with Adam(learningRate), categorical cross-entropy and accuracy. */
export function compileModel(model: tf.LayersModel, learningRate: number): void {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
}

/** Disposes a model's weights and its optimizer's state (`model.dispose()` leaves an optimizer passed to `compile` alive). */
export function disposeModel(model: tf.LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
}
