import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A tensor as kernels see it: data id, shape, dtype (no engine bookkeeping). */
export type TensorInfo = tf.TensorInfo;

type KernelFn = (args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }) => TensorInfo;

/**
 * The wasm backend's own kernel functions that the project kernels are built from, captured from the
 * kernel registry before any project kernel replaces them (see `captureBaseKernels`).
 */
const base = new Map<string, KernelFn>();

/** Names of the stock wasm kernels the project kernels call into. */
const BASE_KERNELS = ['Conv2D', 'Transpose', 'BatchMatMul', 'Slice', 'Sum', 'Identity'] as const;
export type BaseKernelName = (typeof BASE_KERNELS)[number];

/**
 * Remembers the stock wasm kernels (XNNPACK Conv2D, C++ Transpose, XNNPACK BatchMatMul...). Must run
 * before the project kernels are registered; later calls are no-ops.
 */
export function captureBaseKernels(): void {
  for (const name of BASE_KERNELS) {
    if (base.has(name)) continue;
    const config = tf.getKernel(name, 'wasm');
    if (config == null) {
      throw new Error(`The wasm backend has no '${name}' kernel; is @tensorflow/tfjs-backend-wasm loaded?`);
    }
    base.set(name, config.kernelFunc as unknown as KernelFn);
  }
}

/** Runs a stock wasm kernel on kernel-level tensors; the caller owns (and disposes) the result. */
export function runBase(
  name: BaseKernelName,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): TensorInfo {
  const fn = base.get(name);
  if (fn == null) throw new Error(`Stock wasm kernel '${name}' was not captured; call registerWasmKernels() first`);
  return fn({ inputs, backend, attrs });
}

/** Releases a kernel-level intermediate. */
export function release(backend: BackendWasm, ...tensors: TensorInfo[]): void {
  for (const t of tensors) backend.disposeData(t.dataId);
}

/** The same data seen with another shape (no copy; valid while `t` lives). */
export function view(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** XNNPACK-backed transpose (C++ in the wasm module). */
export function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runBase('Transpose', backend, { x }, { perm });
}

/**
 * XNNPACK forward convolution, NHWC, with explicit padding [top, bottom, left, right].
 * `filter` is [KH, KW, Ci, Co].
 */
export function conv2d(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pad: readonly [number, number, number, number],
): TensorInfo {
  const explicit: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [pad[0], pad[1]],
    [pad[2], pad[3]],
    [0, 0],
  ];
  return runBase('Conv2D', backend, { x, filter }, {
    strides,
    dilations,
    pad: explicit as unknown as tf.NamedAttrMap['pad'],
    dataFormat: 'NHWC',
    dimRoundingMode: null as unknown as string,
  });
}

/** A slice `[begin, begin + size)` of every axis. */
export function slice(backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return runBase('Slice', backend, { x }, { begin, size });
}

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
