import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dInfo, heapF32, input, leadingAxesSum, type TensorInfo } from '../wasm-kernels/wasm-ops';
import type { NativeAddon } from './native-addon';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap };
type KernelFn = (args: KernelArgs) => TensorInfo;

/** Names of the wasm kernels `registerNativeKernels` replaces. */
export const NATIVE_KERNEL_NAMES = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'Sum', 'BatchMatMul'] as const;

/** The kernels that were registered before ours (stock or project wasm kernels): the fallbacks. */
const previous = new Map<string, tf.KernelConfig>();
const ours = new Map<string, tf.KernelConfig>();

/** Whether the native kernels are the ones registered for wasm now. */
export function nativeKernelsRegistered(): boolean {
  return ours.size > 0 && [...ours].every(([name, cfg]) => tf.getKernel(name, 'wasm') === cfg);
}

/**
 * Replaces the wasm backend's convolution kernels (forward, fused forward with bias + ReLU, both
 * gradients), matrix products (dense layers, transposed operands read in place), the max-pool
 * gradient and the bias-gradient sums with the native addon's, which run im2col + a blocked
 * matrix product (AVX2/FMA where the CPU has it) on several threads, reading and writing the wasm
 * heap in place. Cases they do not cover (NCHW, other activations, other pool windows) go to the
 * kernel registered before. Call after `registerWasmKernels`; idempotent.
 */
export function registerNativeKernels(addon: NativeAddon): void {
  if (nativeKernelsRegistered()) return;
  const fns: Record<(typeof NATIVE_KERNEL_NAMES)[number], (fallback: KernelFn) => KernelFn> = {
    Conv2D: (fallback) => (args) => conv2d(addon, args, false) ?? fallback(args),
    FusedConv2D: (fallback) => (args) => conv2d(addon, args, true) ?? fallback(args),
    Conv2DBackpropInput: (fallback) => (args) => conv2dBackpropInput(addon, args) ?? fallback(args),
    Conv2DBackpropFilter: (fallback) => (args) => conv2dBackpropFilter(addon, args) ?? fallback(args),
    MaxPoolGrad: (fallback) => (args) => maxPoolGrad(addon, args) ?? fallback(args),
    Sum: (fallback) => (args) => sumLeading(addon, args) ?? fallback(args),
    BatchMatMul: (fallback) => (args) => batchMatMul(addon, args) ?? fallback(args),
  };
  for (const name of NATIVE_KERNEL_NAMES) {
    const registered = tf.getKernel(name, 'wasm');
    // Ours may still be registered under some names (registerWasmKernels put its own back under others).
    const current = registered != null && registered === ours.get(name) ? previous.get(name) : registered;
    if (current == null) throw new Error(`The wasm backend has no '${name}' kernel to fall back on`);
    previous.set(name, current);
    const config: tf.KernelConfig = {
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: fns[name](current.kernelFunc as unknown as KernelFn) as unknown as tf.KernelFunc,
      setupFunc: current.setupFunc,
    };
    if (registered != null) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
    ours.set(name, config);
  }
}

/** Puts back the kernels that were registered before `registerNativeKernels` (tests, benchmarks). */
export function unregisterNativeKernels(): void {
  for (const [name, config] of ours) {
    if (tf.getKernel(name, 'wasm') !== config) continue;
    tf.unregisterKernel(name, 'wasm');
    const before = previous.get(name);
    if (before != null) tf.registerKernel(before);
  }
  ours.clear();
}

/** [batch, inH, inW, inC, filterH, filterW, outC, outH, outW, strideH, strideW, dilationH, dilationW, padTop, padLeft] */
function geometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]);
}

function isNhwc(dataFormat: unknown): boolean {
  return dataFormat == null || dataFormat === 'NHWC';
}

function empty(shape: readonly number[]): boolean {
  return shape.some((d) => d === 0);
}

/** Conv2D / FusedConv2D (bias of Co values or none, linear or ReLU); null = not covered. */
function conv2d(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs, fused: boolean): TensorInfo | null {
  const x = input(inputs, 'x');
  const filter = input(inputs, 'filter');
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
  let activation = 0;
  let bias: TensorInfo | null = null;
  if (fused) {
    const fusedAttrs = attrs as unknown as tf.FusedConv2DAttrs;
    if (fusedAttrs.activation === 'relu') activation = 1;
    else if (fusedAttrs.activation != null && fusedAttrs.activation !== 'linear') return null;
    if (inputs.preluActivationWeights != null) return null;
    bias = inputs.bias ?? null;
    if (bias != null && bias.shape.reduce((p, d) => p * d, 1) !== filter.shape[3]) return null;
  }
  if (!isNhwc(dataFormat) || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = conv2dInfo(x.shape, filter.shape, strides, dilations, pad, dimRoundingMode);
  const out = backend.makeOutput(info.outShape, 'float32');
  if (empty(info.outShape) || empty(x.shape)) {
    heapF32(backend, out).fill(0);
    return out;
  }
  addon.conv2d(
    heapF32(backend, x),
    heapF32(backend, filter),
    bias == null ? null : heapF32(backend, bias),
    heapF32(backend, out),
    geometry(info),
    activation,
  );
  return out;
}

function conv2dBackpropInput(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): TensorInfo | null {
  const dy = input(inputs, 'dy');
  const filter = input(inputs, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (!isNhwc(dataFormat) || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = conv2dInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode);
  const dx = backend.makeOutput(inputShape, 'float32');
  if (empty(inputShape) || empty(dy.shape)) {
    heapF32(backend, dx).fill(0);
    return dx;
  }
  addon.conv2dBackpropInput(heapF32(backend, dy), heapF32(backend, filter), heapF32(backend, dx), geometry(info));
  return dx;
}

function conv2dBackpropFilter(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): TensorInfo | null {
  const x = input(inputs, 'x');
  const dy = input(inputs, 'dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (!isNhwc(dataFormat) || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const info = conv2dInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
  const dw = backend.makeOutput(filterShape, 'float32');
  if (empty(x.shape) || empty(dy.shape)) {
    heapF32(backend, dw).fill(0);
    return dw;
  }
  addon.conv2dBackpropFilter(heapF32(backend, x), heapF32(backend, dy), heapF32(backend, dw), geometry(info));
  return dw;
}

/** Windows that do not overlap (stride = window: the model's 2x2 and [2,1] pools), no top/left padding; null = not covered. */
function maxPoolGrad(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): TensorInfo | null {
  const dy = input(inputs, 'dy');
  const x = input(inputs, 'input');
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  if (filterHeight !== strideHeight || filterWidth !== strideWidth) return null;
  if (info.padInfo.top !== 0 || info.padInfo.left !== 0 || x.dtype !== 'float32' || empty(x.shape) || empty(dy.shape)) return null;
  const dx = backend.makeOutput(x.shape, 'float32');
  const sizes = Int32Array.from([info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, filterHeight, filterWidth]);
  addon.maxPoolGrad(heapF32(backend, x), heapF32(backend, dy), heapF32(backend, dx), sizes);
  return dx;
}

/** Sum over the leading axes of a float32 tensor (bias gradients); null = not covered. */
function sumLeading(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): TensorInfo | null {
  const x = input(inputs, 'x');
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const sum = leadingAxesSum(x, axis, keepDims);
  if (x.dtype !== 'float32' || sum == null || sum.cols === 0) return null;
  const { rows, cols, outShape } = sum;
  const out = backend.makeOutput(outShape, 'float32');
  addon.sumRows(heapF32(backend, x), heapF32(backend, out), Int32Array.from([rows, cols]));
  return out;
}

/** Matrix products with batch dimensions equal or broadcast from 1, either operand transposed; null = not covered. */
function batchMatMul(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): TensorInfo | null {
  const a = input(inputs, 'a');
  const b = input(inputs, 'b');
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || a.shape.length !== b.shape.length) return null;
  const rank = a.shape.length;
  const m = transposeA ? a.shape[rank - 1] : a.shape[rank - 2];
  const k = transposeA ? a.shape[rank - 2] : a.shape[rank - 1];
  const n = transposeB ? b.shape[rank - 2] : b.shape[rank - 1];
  const kb = transposeB ? b.shape[rank - 1] : b.shape[rank - 2];
  const aBatches = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const bBatches = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchShape = aBatches >= bBatches ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  const batch = Math.max(aBatches, bBatches);
  if (k !== kb || (aBatches !== 1 && aBatches !== batch) || (bBatches !== 1 && bBatches !== batch)) return null;
  if (aBatches === bBatches && a.shape.slice(0, -2).some((d, i) => d !== b.shape[i])) return null;
  if (m === 0 || n === 0 || k === 0 || batch === 0) return null;
  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  addon.matMul(
    heapF32(backend, a),
    heapF32(backend, b),
    heapF32(backend, out),
    Int32Array.from([batch, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0, aBatches, bBatches]),
  );
  return out;
}
