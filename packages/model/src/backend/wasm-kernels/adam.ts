import type * as tf from '@tensorflow/tfjs';
import { heapF32, input, type TensorInfo, type WasmKernelArgs } from '../kernel-support';

/** Name of the one-pass Adam update kernel (`FusedAdamOptimizer`); the project's own, no stock backend has it. */
export const ADAM_KERNEL = 'DigitfuseAdam';

/** What `ADAM_KERNEL` is called with: the optimizer's constants and this step's bias corrections. */
export interface AdamAttrs {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly learningRate: number;
  /** 1 - beta1^t and 1 - beta2^t of this step (tfjs keeps beta^t as a float32 variable). */
  readonly oneMinusAccBeta1: number;
  readonly oneMinusAccBeta2: number;
}

/**
 * Adam's update of one variable in one pass over the wasm heap: inputs `x` (the variable), `gradient`,
 * `m` and `v` (the moments); outputs the new x, m and v. tfjs's AdamOptimizer does the same with 13
 * element-wise kernels per variable (each a dispatch, an allocation and a pass over memory). Every
 * operation is rounded to float32 in tfjs's order (`Math.fround` after each double operation is the
 * correctly rounded float32 result for +, *, / and sqrt), so the result is bit-identical to tfjs's.
 */
/** The four float32 inputs of an `ADAM_KERNEL` call (x, gradient, m, v); throws on another dtype. */
export function adamInputs(inputs: tf.NamedTensorInfoMap): [TensorInfo, TensorInfo, TensorInfo, TensorInfo] {
  const ts = [input(inputs, 'x'), input(inputs, 'gradient'), input(inputs, 'm'), input(inputs, 'v')] as const;
  for (const t of ts) {
    if (t.dtype !== 'float32') throw new Error(`${ADAM_KERNEL}: expected float32 tensors, got ${t.dtype}`);
  }
  return [...ts];
}

/**
 * The update's constants as tfjs makes them (float32 scalars of the JS numbers it is given): beta1,
 * 1 - beta1, beta2, 1 - beta2, 1 - beta1^t, 1 - beta2^t, epsilon, -learningRate.
 */
export function adamConstants(attrs: tf.NamedAttrMap): Float32Array {
  const a = attrs as unknown as AdamAttrs;
  return Float32Array.of(a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, -a.learningRate);
}

/**
 * Adam's update of one variable in one pass over the wasm heap: inputs `x` (the variable), `gradient`,
 * `m` and `v` (the moments); outputs the new x, m and v. tfjs's AdamOptimizer does the same with 13
 * element-wise kernels per variable (each a dispatch, an allocation and a pass over memory). Every
 * operation is rounded to float32 in tfjs's order (`Math.fround` after each double operation is the
 * correctly rounded float32 result for +, *, / and sqrt), so the result is bit-identical to tfjs's.
 * The native layer does the same in C++ (`adamUpdate`).
 */
export function adam({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const [x, g, m, v] = adamInputs(inputs);
  const [b1, c1, b2, c2, d1, d2, eps, negLr] = adamConstants(attrs);
  const f = Math.fround;
  const outs = [x, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
  // Views after every allocation (the heap may have grown).
  const [xv, gv, mv, vv] = [x, g, m, v].map((t) => heapF32(backend, t));
  const [xo, mo, vo] = outs.map((t) => heapF32(backend, t));
  for (let i = 0; i < xv.length; i++) {
    const gi = gv[i];
    const mi = f(f(mv[i] * b1) + f(gi * c1));
    const vi = f(f(vv[i] * b2) + f(f(gi * gi) * c2));
    mo[i] = mi;
    vo[i] = vi;
    const step = f(f(f(mi / d1) / f(f(Math.sqrt(f(vi / d2))) + eps)) * negLr);
    xo[i] = step + xv[i];
  }
  return outs;
}
