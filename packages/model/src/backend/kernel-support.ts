import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelArgs } from './kernel-layers';

/**
 * What every kernel layer on the wasm backend shares: the kernel signature, inputs by name, views on
 * the wasm heap, and the geometry of the cases the kernels cover.
 */

/** A tensor as kernels see it: data id, shape, dtype (no engine bookkeeping). */
export type TensorInfo = tf.TensorInfo;

/** What a wasm kernel is called with. */
export type WasmKernelArgs = KernelArgs<BackendWasm>;

/** A wasm kernel with one output. */
export type WasmKernel = (args: WasmKernelArgs) => TensorInfo;

/** Float32 view on the wasm heap of a tensor's data. Re-fetch after any allocation (the heap may grow). */
export function heapF32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** A kernel input by name; throws if the engine did not pass it. */
export function input(inputs: tf.NamedTensorInfoMap, name: string): TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`kernel input '${name}' is missing`);
  return t;
}

/** Whether a convolution's `dataFormat` attribute means channels last (absent = NHWC). */
export function isNhwc(dataFormat: unknown): boolean {
  return dataFormat == null || dataFormat === 'NHWC';
}

/** Geometry of an NHWC convolution (tfjs's computeConv2DInfo, channels last). */
export function conv2dInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: tf.Conv2DAttrs['pad'],
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** Geometry of a 2-d pooling (tfjs's computePool2DInfo, no dilation). */
export function pool2dInfo(xShape: readonly number[], attrs: tf.MaxPoolGradAttrs): tf.backend_util.Conv2DInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  return tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
}

/**
 * A `Sum` over the leading axes of a tensor (every bias gradient: [B,H,W,C] summed to [C]) as a
 * column sum of a [rows x cols] matrix, with the output shape (`keepDims`: the reduced axes kept as
 * 1s); null for other reductions.
 */
export function leadingAxesSum(x: TensorInfo, axis: number | number[], keepDims: boolean): { rows: number; cols: number; outShape: number[] } | null {
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  if (!(axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i))) return null;
  const kept = x.shape.slice(axes.length);
  return {
    rows: x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1),
    cols: kept.reduce((p, d) => p * d, 1),
    outShape: keepDims ? [...axes.map(() => 1), ...kept] : kept,
  };
}
