import type * as tf from '@tensorflow/tfjs';
import { ExpertFusion } from '../expert-fusion';
import { LAYER_NAMES } from '../layer-names';
import { concatFeatures } from './concat-fusion';
import type { FusionInputs, FusionOutputs, FusionStrategy } from './fusion-strategy';
import { denseFeatures, softmaxHead } from './heads';

/**
 * Robust fusion's experts on any fused features: a fused head (softmax on `fused`), an image head
 * (the image-only model's head on the image embedding: dense(units, ReLU) -> dropout -> softmax), an
 * audio head (softmax on the audio embedding), and their product (`ExpertFusion`, weights set by
 * calibration) as the prediction. The image head is the expert a voice unlike the training voices
 * leaves the prediction to, so it has the capacity of the image-only model it must match (a softmax
 * on the embedding alone scored 0.2 points below it at the paper's configuration: ROBUSTNESS.md).
 * Draws four initialisers (image head's dense layer, fused head, image head, audio head). Another
 * strategy composes with robust fusion by passing its own fused features.
 */
export function expertOutputs(inputs: FusionInputs, fused: tf.SymbolicTensor): FusionOutputs {
  const init = inputs.kernelInitializer;
  const seeing = denseFeatures(inputs.image, inputs.config, init, { dense: LAYER_NAMES.imageHeadHidden, dropout: LAYER_NAMES.imageHeadDropout });
  const heads = [softmaxHead(LAYER_NAMES.fusedHead, fused, init), softmaxHead(LAYER_NAMES.imageHead, seeing, init), softmaxHead(LAYER_NAMES.audioHead, inputs.audio, init)];
  const prediction = new ExpertFusion({ name: LAYER_NAMES.output }).apply(heads) as tf.SymbolicTensor;
  return { prediction, fused: heads[0], image: heads[1], audio: heads[2] };
}

/**
 * Robust fusion (packages/model/ROBUSTNESS.md): the paper's fused head plus an image head and an audio
 * head, each with its own loss, trained with modality dropout; the prediction is their product of
 * experts, with weights calibrated on validation data with shifted audio.
 */
export const ROBUST_FUSION: FusionStrategy = Object.freeze({
  name: 'robust',
  title: 'robust fusion',
  description: 'calibrated product of a fused, an image and an audio expert; unfamiliar audio never overrules a clear image',
  outputs: Object.freeze(['prediction', 'fused', 'image', 'audio'] as const),
  losses: Object.freeze(['fused', 'image', 'audio'] as const),
  experts: true,
  training: Object.freeze({ modalityDropout: true }),
  build: (inputs: FusionInputs) => expertOutputs(inputs, concatFeatures(inputs)),
});
