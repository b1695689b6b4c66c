import * as tf from '@tensorflow/tfjs';
import { AUDIO_COEFFS, AUDIO_FRAMES, IMAGE_SIDE } from '@digitfuse/data';
import { type ModelConfig, validateConfig } from './config';
import { conv1d, conv2d } from './conv-layers';
import { OUTPUT_LAYERS } from './fusion/fusion-strategy';
import { fusionStrategy, markFusion } from './fusion/fusions';
import { denseFeatures, softmaxHead } from './fusion/heads';
import { LAYER_NAMES } from './layer-names';
import { FusedAdamOptimizer } from '../training/fused-adam';

/** Seeds each initialiser differently but deterministically from the config's seed. */
const initSeed = (seed: number, layer: number): number => (seed * 1009 + layer * 7919) % 0x7fffffff;

/**
 * Builds and compiles the two-branch CNN (Adam(learningRate), categorical cross-entropy, accuracy).
 *
 * image [28,28,1] -> n x (conv2d k 'same' + ReLU + maxpool 2) -> flatten  ┐
 * audio [39,13]   -> n x (conv1d k 'same' + ReLU + maxpool 2) -> flatten  ┴ fusion strategy (`config.fusion`)
 * The strategy (network/fusion/) builds the layers after the branches and names the outputs: 'concat'
 * (the paper's) concatenates the embeddings -> dense(units, ReLU) -> dropout -> dense(10, softmax); see
 * `FUSIONS` for the others. Single-branch variants (modality 'image' | 'audio') take one input and
 * put the paper's dense -> dropout -> softmax on its embedding. The model records its strategy
 * (`fusionOf`), and its outputs are found by name (`outputIndex`). The convolutions are tf.layers'
 * Conv2D / Conv1D as `conv-layers.ts` extends them (saved as tfjs's; conv + bias + ReLU one op on the
 * native kernels, in training too).
 *
 * Pure: builds a new model on each call; the same config (seed included) gives the same initial weights.
 * @throws ConfigError when the config is invalid.
 */
export function buildModel(config: Partial<ModelConfig> = {}): tf.LayersModel {
  const c = validateConfig(config);
  let layer = 0;
  const kernelInitializer = () => tf.initializers.glorotUniform({ seed: initSeed(c.seed, layer++) });

  const inputs: tf.SymbolicTensor[] = [];
  let image: tf.SymbolicTensor | null = null;
  let audio: tf.SymbolicTensor | null = null;
  let audioFrames: tf.SymbolicTensor | null = null;

  if (c.modality !== 'audio') {
    const input = tf.input({ shape: [IMAGE_SIDE, IMAGE_SIDE, 1], name: LAYER_NAMES.imageInput });
    let x: tf.SymbolicTensor = input;
    c.imageFilters.forEach((filters, i) => {
      const conv = conv2d({ filters, kernelSize: c.kernelSize, padding: 'same', activation: 'relu', kernelInitializer: kernelInitializer(), name: `image_conv${i + 1}` });
      x = conv.apply(x) as tf.SymbolicTensor;
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `image_pool${i + 1}` }).apply(x) as tf.SymbolicTensor;
    });
    inputs.push(input);
    image = tf.layers.flatten({ name: LAYER_NAMES.imageEmbedding }).apply(x) as tf.SymbolicTensor;
  }

  if (c.modality !== 'image') {
    const input = tf.input({ shape: [AUDIO_FRAMES, AUDIO_COEFFS], name: LAYER_NAMES.audioInput });
    let x: tf.SymbolicTensor = input;
    for (const [i, filters] of c.audioFilters.entries()) {
      const conv = conv1d({ filters, kernelSize: c.kernelSize, padding: 'same', activation: 'relu', kernelInitializer: kernelInitializer(), name: `audio_conv${i + 1}` });
      x = conv.apply(x) as tf.SymbolicTensor;
      audioFrames = x;
      x = tf.layers.maxPooling1d({ poolSize: 2, strides: 2, name: `audio_pool${i + 1}` }).apply(x) as tf.SymbolicTensor;
    }
    inputs.push(input);
    audio = tf.layers.flatten({ name: LAYER_NAMES.audioEmbedding }).apply(x) as tf.SymbolicTensor;
  }

  const strategy = image && audio ? fusionStrategy(c.fusion) : null;
  let outputs: tf.SymbolicTensor[];
  if (strategy && image && audio && audioFrames) {
    const built = strategy.build({ config: c, image, audio, audioFrames, kernelInitializer });
    outputs = strategy.outputs.map((name) => {
      const out = built[name];
      if (!out || out.sourceLayer.name !== OUTPUT_LAYERS[name]) {
        throw new Error(`Fusion '${strategy.name}' must build its \`${name}\` output as layer \`${OUTPUT_LAYERS[name]}\`, got ${out ? `\`${out.sourceLayer.name}\`` : 'none'}`);
      }
      return out;
    });
  } else {
    const embedding = (image ?? audio) as tf.SymbolicTensor;
    outputs = [softmaxHead(LAYER_NAMES.output, denseFeatures(embedding, c, kernelInitializer), kernelInitializer)];
  }

  const model = tf.model({ inputs, outputs, name: `digitfuse_${c.modality}${strategy ? `_${strategy.name}` : ''}` });
  if (strategy) markFusion(model, strategy);
  compileModel(model, c.learningRate);
  return model;
}

/** Compiles (or recompiles, e.g. after loading) a model with Adam(learningRate) (tfjs's defaults; one kernel per variable update on wasm), categorical cross-entropy and accuracy. */
export function compileModel(model: tf.LayersModel, learningRate: number): void {
  model.compile({ optimizer: new FusedAdamOptimizer(learningRate, 0.9, 0.999), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
}

/** Disposes a model's weights and its optimizer's state (`model.dispose()` leaves an optimizer passed to `compile` alive). */
export function disposeModel(model: tf.LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
}
