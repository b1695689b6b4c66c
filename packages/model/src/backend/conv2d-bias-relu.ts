import * as tf from '@tensorflow/tfjs';

/**
 * A convolution with bias and ReLU that stays one kernel while a gradient is recorded.
 *
 * tfjs's `tf.fused.conv2d(..., bias, activation: 'relu')` (what tf.layers' Conv2D calls) runs the fused
 * kernel only when no gradient is being recorded; in training it runs Conv2D, Add and Relu, and the
 * backward pass Relu's gradient (Step, Cast, Multiply) and the bias gradient (Sum) as separate kernels,
 * each a dispatch, an allocation and a pass over the layer's output. This op is the same computation
 * as two kernels of the project's own, which only backends that have them run (the native layer;
 * `conv2dBiasReluAvailable`):
 *
 * - `CONV2D_BIAS_RELU_KERNEL` (inputs x, filter, bias; attrs `Conv2DBiasReluAttrs`): y = relu(conv(x,
 *   filter) + bias), NHWC, in the convolution's epilogue;
 * - `RELU_BIAS_GRAD_KERNEL` (inputs dy, y): dz = dy * step(y) and the bias gradient (dz summed over
 *   every axis but the last) in one pass; the input and filter gradients are then the backend's
 *   Conv2DBackpropInput / Conv2DBackpropFilter of dz, as tfjs's Conv2D gradient runs them.
 *
 * Every value is the one tfjs's unfused path computes with the same kernels (the native layer's bias
 * add, mask and sums are the same float operations in the same order), so training takes the same
 * steps bit for bit; a spec checks it.
 */

/** Forward kernel: relu(conv2d(x, filter) + bias); the project's own, no stock backend has it. */
export const CONV2D_BIAS_RELU_KERNEL = 'DigitfuseConv2DBiasRelu';

/** Backward kernel: [dy * step(y), the sum of that over all axes but the last]. */
export const RELU_BIAS_GRAD_KERNEL = 'DigitfuseReluBiasGrad';

/** Attributes of `CONV2D_BIAS_RELU_KERNEL`: those of tfjs's Conv2D, channels last (NHWC) only. */
export interface Conv2DBiasReluAttrs {
  readonly strides: [number, number];
  readonly pad: 'valid' | 'same';
  /** Dilations; 1 only (tfjs's Conv2D gradient has no other). */
  readonly dilations: [number, number];
}

/** Whether `backendName` (default: the active backend) runs both kernels of the op. */
export function conv2dBiasReluAvailable(backendName: string = tf.getBackend()): boolean {
  return tf.getKernel(CONV2D_BIAS_RELU_KERNEL, backendName) != null && tf.getKernel(RELU_BIAS_GRAD_KERNEL, backendName) != null;
}

/**
 * relu(conv2d(x, filter, strides, pad) + bias) for x [B,H,W,Ci] (NHWC), filter [KH,KW,Ci,Co], bias [Co],
 * as one kernel forward and one plus the convolution gradients backward. Only where
 * `conv2dBiasReluAvailable()`; throws otherwise (callers take tfjs's ops there).
 */
export function conv2dBiasRelu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, attrs: Conv2DBiasReluAttrs): tf.Tensor4D {
  if (!attrs.dilations.every((d) => d === 1)) throw new Error(`${CONV2D_BIAS_RELU_KERNEL}: dilations must be 1, got [${attrs.dilations.join(', ')}]`);
  return tf.engine().runKernel(CONV2D_BIAS_RELU_KERNEL, { x, filter, bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** What tfjs's conv2DBackpropInput / conv2DBackpropFilter ops pass to their kernels (NHWC, no rounding mode). */
function backpropAttrs(attrs: Conv2DBiasReluAttrs): Record<string, unknown> {
  return { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
}

tf.registerGradient({
  kernelName: CONV2D_BIAS_RELU_KERNEL,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved;
    const a = attrs as unknown as Conv2DBiasReluAttrs;
    // Needed by the filter and bias gradients (every training step); computed once, here, and freed
    // with the backward pass's other intermediate gradients.
    const [dz, dbias] = tf.engine().runKernel(RELU_BIAS_GRAD_KERNEL, { dy: dy as tf.Tensor, y }, {}) as tf.Tensor[];
    return {
      x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter }, { ...backpropAttrs(a), inputShape: x.shape } as tf.NamedAttrMap) as tf.Tensor,
      filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { ...backpropAttrs(a), filterShape: filter.shape } as tf.NamedAttrMap) as tf.Tensor,
      bias: () => dbias,
    };
  },
});
