import * as tf from '@tensorflow/tfjs';
import { LAYER_NAMES } from './layer-names';

/** Names of the experts a robust model fuses, in the order of `ExpertFusion`'s inputs and weights. */
export const EXPERTS = ['fused', 'image', 'audio'] as const;
export type Expert = (typeof EXPERTS)[number];

/** Weight of each expert's log-probabilities in the product of experts. */
export type FusionWeights = Readonly<Record<Expert, number>>;

/** Weights a robust model starts with: the fused head alone (what early stopping watches), until calibration. */
export const INITIAL_FUSION_WEIGHTS: FusionWeights = Object.freeze({ fused: 1, image: 0, audio: 0 });

interface ExpertFusionArgs {
  name?: string;
  trainable?: boolean;
}

/**
 * Product of experts: softmax(sum_k w_k * log p_k) over the class probabilities p_k of its inputs
 * (the fused, image and audio heads). The weights are not trained by gradient descent; they are set by
 * calibration (`calibrateFusion`) and saved with the model's weights. With w = (1, 0, 0) the output is
 * the fused head's; with (0, 1, 1) it is the classic product of independent per-sense experts.
 */
export class ExpertFusion extends tf.layers.Layer {
  static readonly className = 'ExpertFusion';
  private weightsVar: tf.LayerVariable | null = null;

  constructor(args: ExpertFusionArgs = {}) {
    super({ ...args, trainable: false });
  }

  override build(): void {
    this.weightsVar = this.addWeight('expert_weights', [EXPERTS.length], 'float32', tf.initializers.zeros(), undefined, false);
    const initial = tf.tensor1d(EXPERTS.map((e) => INITIAL_FUSION_WEIGHTS[e]));
    this.weightsVar.write(initial);
    initial.dispose();
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const probs = Array.isArray(inputs) ? inputs : [inputs];
      if (probs.length !== EXPERTS.length) throw new Error(`ExpertFusion expects ${EXPERTS.length} inputs, got ${probs.length}`);
      const w = (this.weightsVar as tf.LayerVariable).read();
      const logits = probs
        .map((p, k) => tf.mul(tf.log(tf.clipByValue(p, 1e-7, 1)), tf.slice(w, [k], [1])))
        .reduce((a, b) => tf.add(a, b));
      return tf.softmax(logits);
    });
  }

  /** The current expert weights. */
  getFusionWeights(): FusionWeights {
    const v = (this.weightsVar as tf.LayerVariable).read().dataSync();
    return Object.freeze(Object.fromEntries(EXPERTS.map((e, k) => [e, v[k]]))) as FusionWeights;
  }

  /** Sets the expert weights (each finite and >= 0). */
  setFusionWeights(weights: FusionWeights): void {
    for (const e of EXPERTS) {
      if (!(Number.isFinite(weights[e]) && weights[e] >= 0)) {
        throw new RangeError(`Expected fusion weight \`${e}\` to be a finite number >= 0, found ${weights[e]}`);
      }
    }
    const t = tf.tensor1d(EXPERTS.map((e) => weights[e]));
    (this.weightsVar as tf.LayerVariable).write(t);
    t.dispose();
  }
}

tf.serialization.registerClass(ExpertFusion);

/** The model's `ExpertFusion` layer, or null when it has none (a 'concat' or single-branch model). */
export function fusionLayer(model: tf.LayersModel): ExpertFusion | null {
  const layer = model.layers.find((l) => l.name === LAYER_NAMES.output);
  return layer instanceof ExpertFusion ? layer : null;
}
