import * as tf from '@tensorflow/tfjs';
import { LAYER_NAMES } from '../layer-names';
import type { FusionInputs, FusionStrategy } from './fusion-strategy';
import { denseFeatures } from './heads';
import { expertOutputs, ROBUST_FUSION } from './robust-fusion';

/** Attention heads of `attention` fusion. */
export const ATTENTION_HEADS = 4;

/** Options of `CrossModalAttention`. */
export interface CrossModalAttentionArgs {
  /** Attention heads; the query's width must be a multiple of it. Default 4. */
  readonly numHeads?: number;
  readonly name?: string;
}

/**
 * Multi-head scaled dot-product attention of one query vector over a sequence. Inputs (already
 * projected): query [batch, d], keys [batch, frames, d], values [batch, frames, d]; output [batch, d]:
 * for each of `numHeads` heads (d / numHeads channels each) softmax over the frames of
 * q·k / sqrt(d / numHeads) weights the values, and the heads are concatenated. No weights of its own
 * (the projections are dense layers around it); tf ops only, so autodiff gives the gradients.
 * Registered with tf.serialization so models with it save and load.
 */
export class CrossModalAttention extends tf.layers.Layer {
  static readonly className = 'CrossModalAttention';
  readonly numHeads: number;

  constructor(args: CrossModalAttentionArgs = {}) {
    super(args);
    this.numHeads = args.numHeads ?? ATTENTION_HEADS;
    if (!(Number.isInteger(this.numHeads) && this.numHeads >= 1)) throw new RangeError(`Expected \`numHeads\` to be a positive integer, found ${this.numHeads}`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [q, k, v] = inputShape as tf.Shape[];
    const d = q?.[1];
    if (q?.length !== 2 || k?.length !== 3 || v?.length !== 3 || typeof d !== 'number' || k[2] !== d || v[2] !== d || k[1] !== v[1]) {
      throw new Error(`CrossModalAttention expects query [batch, d], keys and values [batch, frames, d], got ${JSON.stringify(inputShape)}`);
    }
    if (d % this.numHeads !== 0) throw new Error(`CrossModalAttention: width ${d} is not a multiple of ${this.numHeads} heads`);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [q, k, v] = inputs as tf.Tensor[];
      const [frames, d] = [k.shape[1] as number, q.shape[1] as number];
      const h = this.numHeads;
      const dh = d / h;
      // [batch, frames, d] -> [batch * heads, frames, d / heads]
      const split = (x: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(x, [-1, frames, h, dh]), [0, 2, 1, 3]), [-1, frames, dh]);
      const scores = tf.div(tf.matMul(tf.reshape(q, [-1, 1, dh]), split(k), false, true), Math.sqrt(dh)); // [batch * heads, 1, frames]
      return tf.reshape(tf.matMul(tf.softmax(scores), split(v)), [-1, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads };
  }
}

tf.serialization.registerClass(CrossModalAttention);

/**
 * The image attends to the audio: the image embedding, projected, is the query; the audio branch's
 * frames (its last convolution, before pooling) give keys and values; `ATTENTION_HEADS`-head attention
 * over the frames, an output projection, and the attended audio concatenated with the image embedding
 * -> dense(units, ReLU) -> dropout. Width: units rounded up to a multiple of the heads. Draws four
 * initialisers (query, key, value, output) and one for the dense layer.
 */
export function attentionFeatures(inputs: FusionInputs): tf.SymbolicTensor {
  const width = Math.ceil(inputs.config.units / ATTENTION_HEADS) * ATTENTION_HEADS;
  const project = (name: string, x: tf.SymbolicTensor) =>
    tf.layers.dense({ units: width, kernelInitializer: inputs.kernelInitializer(), name }).apply(x) as tf.SymbolicTensor;
  const query = project('attention_query', inputs.image);
  const keys = project('attention_key', inputs.audioFrames);
  const values = project('attention_value', inputs.audioFrames);
  const attended = new CrossModalAttention({ numHeads: ATTENTION_HEADS, name: 'cross_attention' }).apply([query, keys, values]) as tf.SymbolicTensor;
  const heard = project('attention_output', attended);
  const joined = tf.layers.concatenate({ name: LAYER_NAMES.fusion }).apply([inputs.image, heard]) as tf.SymbolicTensor;
  return denseFeatures(joined, inputs.config, inputs.kernelInitializer);
}

/**
 * Cross-modal attention fusion (after the competition's best public solution, which attends over the
 * audio frames with multi-head attention): robust fusion's experts, losses, modality dropout and
 * calibrated product of experts, with the attention head as the fused expert.
 */
export const ATTENTION_FUSION: FusionStrategy = Object.freeze({
  ...ROBUST_FUSION,
  name: 'attention',
  title: 'attention fusion',
  description: "robust fusion whose fused expert lets the image attend to the audio's frames (4-head cross-modal attention)",
  build: (inputs: FusionInputs) => expertOutputs(inputs, attentionFeatures(inputs)),
});
