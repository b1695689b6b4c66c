import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { runStock } from '../kernel-layers';
import type { TensorInfo } from '../kernel-support';

/** Names of the stock wasm kernels the project kernels are built from. */
export type BaseKernelName = 'Conv2D' | 'Transpose' | 'BatchMatMul' | 'Slice';

/**
 * Runs a stock wasm kernel (XNNPACK Conv2D, C++ Transpose, XNNPACK BatchMatMul...: the one beneath
 * every kernel layer) on kernel-level tensors; the caller owns (and disposes) the result.
 */
export function runBase(
  name: BaseKernelName,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): TensorInfo {
  return runStock('wasm', name, backend, inputs, attrs);
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
