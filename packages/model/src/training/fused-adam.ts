import * as tf from '@tensorflow/tfjs';
import { ADAM_KERNEL, type AdamAttrs } from '../backend/wasm-kernels/adam';

/** The AdamOptimizer fields tfjs keeps private, which this subclass shares with it. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/**
 * tfjs's Adam, with each variable's update done by one kernel (`ADAM_KERNEL`) where the backend has it
 * (wasm, the training backend) instead of 13 element-wise kernels: the same state (moment variables,
 * beta powers; `getWeights`, `setWeights` and saving are tfjs's), the same float32 results bit for
 * bit, far fewer dispatches per step. Other backends run tfjs's own update. Serialised as 'Adam'.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getKernel(ADAM_KERNEL, tf.getBackend()) == null) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const attrs: AdamAttrs = {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      learningRate: this.learningRate,
      // tfjs's sub(1, accBeta): float32 1 minus the float32 power.
      oneMinusAccBeta1: Math.fround(1 - state.accBeta1.dataSync()[0]),
      oneMinusAccBeta2: Math.fround(1 - state.accBeta2.dataSync()[0]),
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [x1, m1, v1] = tf.engine().runKernel(ADAM_KERNEL, { x: value, gradient, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m1);
        v.assign(v1);
        value.assign(x1);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}
