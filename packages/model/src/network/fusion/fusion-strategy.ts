import type * as tf from '@tensorflow/tfjs';
import type { ModalityDropoutArgs } from '../../training/augment-audio';
import type { ModelConfig } from '../config';
import { LAYER_NAMES } from '../layer-names';

/**
 * The outputs a model can have, each one named layer: code finds an output by its name
 * (`outputIndex`), never by its position.
 */
export const OUTPUT_LAYERS = Object.freeze({
  /** What the model predicts (class probabilities [10]): `predictProba`, accuracy. In a product-of-experts model, the product. */
  prediction: LAYER_NAMES.output,
  /** Product of experts: the expert that sees and hears (a head on the fused features). */
  fused: LAYER_NAMES.fusedHead,
  /** Product of experts: the expert that only sees (a head on the image embedding). */
  image: LAYER_NAMES.imageHead,
  /** Product of experts: the expert that only hears (a head on the audio embedding). */
  audio: LAYER_NAMES.audioHead,
});

/** Name of a model output (see `OUTPUT_LAYERS`). */
export type OutputName = keyof typeof OUTPUT_LAYERS;

/** What a model's outputs are and which of them training minimises. */
export interface OutputSpec {
  /** The outputs in model order, by name; `prediction` is always one of them. */
  readonly outputs: readonly OutputName[];
  /** The outputs whose mean categorical cross-entropies training sums and minimises, in summation order. */
  readonly losses: readonly OutputName[];
  /**
   * Whether `prediction` is a product of experts (`ExpertFusion` over the `fused`, `image` and `audio`
   * outputs) whose weights `calibrateFusion` sets after training.
   */
  readonly experts: boolean;
}

/** The outputs of a single-branch model (and of the paper's fused model): one softmax, trained. */
export const SINGLE_HEAD: OutputSpec = Object.freeze({ outputs: Object.freeze(['prediction'] as const), losses: Object.freeze(['prediction'] as const), experts: false });

/** A kernel initialiser (what `tf.initializers.glorotUniform` returns). */
export type KernelInitializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** What a fusion strategy builds on: both branches of a two-branch model. */
export interface FusionInputs {
  /** The validated model config (units, dropout, seed, ...). */
  readonly config: ModelConfig;
  /** The image branch's embedding [batch, features]: its last pooling, flattened. */
  readonly image: tf.SymbolicTensor;
  /** The audio branch's embedding [batch, features]: its last pooling, flattened. */
  readonly audio: tf.SymbolicTensor;
  /**
   * The audio branch's features per frame [batch, frames, channels]: its last convolution's output,
   * before that block's pooling (9 frames after three blocks: 39 -> 19 -> 9).
   */
  readonly audioFrames: tf.SymbolicTensor;
  /**
   * The next seeded kernel initialiser (glorot uniform): one call per layer with a kernel, in building
   * order, so that the same config gives the same initial weights.
   */
  readonly kernelInitializer: () => KernelInitializer;
}

/** The symbolic outputs a strategy built, by name (each the output of the layer `OUTPUT_LAYERS` names). */
export type FusionOutputs = Readonly<Partial<Record<OutputName, tf.SymbolicTensor>>>;

/** How a strategy's models are trained (`fusionTrainingOptions` passes it to `train`). */
export interface FusionTraining {
  /** Modality dropout (`TrainOptions.modalityDropout`). Default none. */
  readonly modalityDropout?: ModalityDropoutArgs | boolean;
}

/**
 * How a two-branch model fuses its senses: it builds the layers after the two branch embeddings and
 * declares its outputs, its losses, whether it has experts to calibrate and how it is trained.
 * Strategies are registered by name in `registry.ts` (one line each) and looked up with `fusionStrategy`.
 */
export interface FusionStrategy extends OutputSpec {
  /** The name configs, `--fusion` and `model:robustness --models` use. */
  readonly name: string;
  /** A short title for tables (e.g. "robust fusion"). */
  readonly title: string;
  /** One sentence for help texts. */
  readonly description: string;
  /** Training options its models want. */
  readonly training: FusionTraining;
  /** Builds the heads on the branches; returns every output of `outputs`. Draws initialisers in a fixed order. */
  build(inputs: FusionInputs): FusionOutputs;
}

/**
 * Position of the named output in `model.outputs` (and in `predictOutputs`' result).
 * @throws Error naming the model's outputs when it has no such output.
 */
export function outputIndex(model: tf.LayersModel, name: OutputName): number {
  const i = model.outputNames.indexOf(OUTPUT_LAYERS[name]);
  if (i < 0) throw new Error(`Model ${model.name} has no \`${name}\` output (layer \`${OUTPUT_LAYERS[name]}\`); its outputs are ${model.outputNames.join(', ')}`);
  return i;
}

/** Whether the model has the named output. */
export function hasOutput(model: tf.LayersModel, name: OutputName): boolean {
  return model.outputNames.includes(OUTPUT_LAYERS[name]);
}
