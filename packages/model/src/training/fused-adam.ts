import * as tf from '@tensorflow/tfjs';
import { ADAM_DEVICE_KERNEL, type AdamDeviceAttrs } from '../backend/gpu-kernels/adam-device';
import { ADAM_KERNEL, type AdamAttrs } from '../backend/wasm-kernels/adam';

/** The AdamOptimizer fields tfjs keeps private, which this subclass shares with it. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/**
 * tfjs's Adam, with each variable's update done by one kernel where the backend has one, instead of
 * 13 element-wise kernels: `ADAM_KERNEL` (wasm: one pass, bit-identical to tfjs) or
 * `ADAM_DEVICE_KERNEL` (webgpu: three dispatches, this step's beta powers read on the device, so
 * nothing is read back to the host). The same state (moment variables, beta powers; `getWeights`,
 * `setWeights` and saving are tfjs's). Other backends run tfjs's own update. Serialised as 'Adam'.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const backend = tf.getBackend();
    const state = this as unknown as AdamState;
    let update: (x: tf.Tensor, gradient: tf.Tensor, m: tf.Tensor, v: tf.Tensor) => tf.Tensor[];
    if (tf.getKernel(ADAM_KERNEL, backend) != null) {
      const attrs: AdamAttrs = {
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
        learningRate: this.learningRate,
        // tfjs's sub(1, accBeta): float32 1 minus the float32 power.
        oneMinusAccBeta1: Math.fround(1 - state.accBeta1.dataSync()[0]),
        oneMinusAccBeta2: Math.fround(1 - state.accBeta2.dataSync()[0]),
      };
      update = (x, gradient, m, v) => tf.engine().runKernel(ADAM_KERNEL, { x, gradient, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    } else if (tf.getKernel(ADAM_DEVICE_KERNEL, backend) != null) {
      const attrs: AdamDeviceAttrs = { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, learningRate: this.learningRate };
      const powers = { accBeta1: state.accBeta1, accBeta2: state.accBeta2 };
      update = (x, gradient, m, v) => tf.engine().runKernel(ADAM_DEVICE_KERNEL, { x, gradient, m, v, ...powers }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    } else {
      super.applyGradients(variableGradients);
      return;
    }
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [x1, m1, v1] = update(value, gradient, m, v);
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
