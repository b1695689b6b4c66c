import type * as tf from '@tensorflow/tfjs';
import { input, type TensorInfo } from '../kernel-support';

/**
 * Adam's update of one variable on a GPU backend, in three dispatches instead of tfjs's 13: the new
 * first moment, second moment and value, each a flat WGSL program over the variable's elements (a
 * tfjs-backend-webgpu program has one output). Unlike the wasm `ADAM_KERNEL`, this step's bias
 * corrections come as inputs (`accBeta1`, `accBeta2`: the optimizer's beta^t variables), so nothing
 * is read back to the host between steps.
 */

/** Name of the on-device Adam kernel (`FusedAdamOptimizer` uses it where the backend has it). */
export const ADAM_DEVICE_KERNEL = 'DigitfuseAdamDevice';

/** `ADAM_DEVICE_KERNEL`'s attributes: the optimizer's constants. */
export interface AdamDeviceAttrs {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly learningRate: number;
}

/** What the three programs compute. */
type Output = 'm' | 'v' | 'x';

/**
 * The update in tfjs's order of operations (AdamOptimizer.applyGradients):
 * m1 = m*beta1 + g*(1-beta1); v1 = v*beta2 + g^2*(1-beta2);
 * x1 = (m1/(1-beta1^t)) / (sqrt(v1/(1-beta2^t)) + epsilon) * -lr + x.
 * Each program computes all three and writes the one it is for: tfjs-backend-webgpu builds the bind
 * group layout from what the shader uses ('auto'), so a program must read every input it is given.
 */
function shaderBody(output: Output): string {
  return `let m1 = adamM[index] * uniforms.beta1 + gi * uniforms.oneMinusBeta1;
          let v1 = adamV[index] * uniforms.beta2 + (gi * gi) * uniforms.oneMinusBeta2;
          let mHat = m1 / (1.0 - adamAccBeta1[0]);
          let vHat = v1 / (1.0 - adamAccBeta2[0]);
          let x1 = (mHat / (sqrt(vHat) + uniforms.epsilon)) * uniforms.negLearningRate + adamX[index];
          let result1 = ${output}1;`;
}

/** A tfjs-backend-webgpu program (the fields its `runWebGPUProgram` reads). */
class AdamProgram {
  readonly variableNames = ['adamX', 'adamG', 'adamM', 'adamV', 'adamAccBeta1', 'adamAccBeta2'];
  readonly uniforms = 'beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32, epsilon : f32, negLearningRate : f32,';
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;

  constructor(
    shape: readonly number[],
    private readonly output: Output,
  ) {
    this.outputShape = [...shape];
    // tfjs-backend-webgpu's flat layout: every output axis on x, 64 elements a workgroup.
    this.dispatchLayout = { x: this.outputShape.map((_, i) => i) };
    const size = this.outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(size / this.workgroupSize[0]), 1, 1];
    this.shaderKey = `digitfuseAdam_${output}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let gi = adamG[index];
          ${shaderBody(this.output)}
          setOutputAtIndex(index, result1);
        }
      }`;
  }
}

/** The part of tfjs-backend-webgpu's backend this kernel uses. */
interface WebgpuBackendLike {
  runWebGPUProgram(program: object, inputs: TensorInfo[], outputDtype: 'float32', uniforms: { type: 'float32'; data: number[] }[]): TensorInfo;
}

/** The uniforms as tfjs makes its scalars (float32 of the JS numbers): beta1, 1-beta1, beta2, 1-beta2, epsilon, -lr. */
export function adamDeviceUniforms(attrs: AdamDeviceAttrs): number[] {
  const { beta1, beta2, epsilon, learningRate } = attrs;
  return [beta1, 1 - beta1, beta2, 1 - beta2, epsilon, -learningRate].map(Math.fround);
}

/** `ADAM_DEVICE_KERNEL` on the webgpu backend: inputs x, gradient, m, v, accBeta1, accBeta2; outputs the new x, m, v. */
export function adamWebgpu({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): TensorInfo[] {
  const ts = ['x', 'gradient', 'm', 'v', 'accBeta1', 'accBeta2'].map((name) => input(inputs, name));
  for (const t of ts) if (t.dtype !== 'float32') throw new Error(`${ADAM_DEVICE_KERNEL}: expected float32 tensors, got ${t.dtype}`);
  const uniforms = adamDeviceUniforms(attrs as unknown as AdamDeviceAttrs).map((v) => ({ type: 'float32' as const, data: [v] }));
  const gpu = backend as unknown as WebgpuBackendLike;
  const run = (output: Output): TensorInfo => gpu.runWebGPUProgram(new AdamProgram(ts[0].shape, output), ts, 'float32', uniforms);
  return [run('x'), run('m'), run('v')];
}
