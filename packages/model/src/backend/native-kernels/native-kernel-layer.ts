import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { defineKernelLayer, installedLayers, installLayers, orBelow, removeLayer, type KernelLayer } from '../kernel-layers';
import { conv2dInfo, heapF32, input, isNhwc, leadingAxesSum, pool2dInfo, type TensorInfo, type WasmKernelArgs } from '../kernel-support';
import { ADAM_KERNEL, adamConstants, adamInputs } from '../wasm-kernels/adam';
import { CONV2D_BIAS_RELU_KERNEL, RELU_BIAS_GRAD_KERNEL } from '../conv2d-bias-relu';
import type { NativeAddon } from './native-addon';

/** The native layer's name in the wasm backend's stack. */
const NATIVE_LAYER = 'native';

const layers = new WeakMap<NativeAddon, KernelLayer<BackendWasm>>();

/**
 * The native addon's kernels as a layer for the wasm backend (one layer object per addon): the
 * convolution kernels (forward, fused forward with bias + ReLU, both gradients), matrix products
 * (dense layers, transposed operands read in place), the max-pool gradient and the bias-gradient
 * sums and Adam's update of a variable (`DigitfuseAdam`), which run register-tiled products per instruction set (AVX-512, AVX2/FMA,
 * portable; convolutions read their input in place, `native/src/kernels.h`) on several threads, reading and writing the wasm heap in place. Cases they do not cover (NCHW, other
 * activations, overlapping pool windows, other reductions) go to the kernel beneath. The layer also
 * brings the two kernels of the training-time convolution + bias + ReLU (`conv2d-bias-relu.ts`: the
 * forward in the convolution's epilogue, the ReLU mask and bias gradient in one pass), which no
 * kernel beneath has.
 */
export function nativeKernelLayer(addon: NativeAddon): KernelLayer<BackendWasm> {
  let layer = layers.get(addon);
  if (layer == null) {
    layer = defineKernelLayer<BackendWasm>({
      name: NATIVE_LAYER,
      kernels: {
        Conv2D: orBelow((args) => conv2d(addon, args, false)),
        FusedConv2D: orBelow((args) => conv2d(addon, args, true)),
        Conv2DBackpropInput: orBelow((args) => conv2dBackpropInput(addon, args)),
        Conv2DBackpropFilter: orBelow((args) => conv2dBackpropFilter(addon, args)),
        MaxPoolGrad: orBelow((args) => maxPoolGrad(addon, args)),
        Sum: orBelow((args) => sumLeading(addon, args)),
        BatchMatMul: orBelow((args) => batchMatMul(addon, args)),
        [ADAM_KERNEL]: () => (args) => adam(addon, args),
        [CONV2D_BIAS_RELU_KERNEL]: () => (args) => conv2dBiasRelu(addon, args),
        [RELU_BIAS_GRAD_KERNEL]: () => (args) => reluBiasGrad(addon, args),
      },
    });
    layers.set(addon, layer);
  }
  return layer;
}

/** Puts the native kernels on top of the wasm backend's other kernel layers; a no-op when they are there. */
export function registerNativeKernels(addon: NativeAddon): void {
  const others = installedLayers<BackendWasm>('wasm').filter((layer) => layer.name !== NATIVE_LAYER);
  installLayers('wasm', [...others, nativeKernelLayer(addon)]);
}

/** Takes the native kernels off the wasm backend (tests, benchmarks); a no-op when they are not on. */
export function unregisterNativeKernels(): void {
  removeLayer('wasm', NATIVE_LAYER);
}

/** Whether the native kernels are installed for wasm. */
export function nativeKernelsRegistered(): boolean {
  return installedLayers('wasm').some((layer) => layer.name === NATIVE_LAYER);
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

function empty(shape: readonly number[]): boolean {
  return shape.some((d) => d === 0);
}

/**
 * A float32 output of `shape` filled by `compute`, or zeros when it or an operand is empty (the
 * addon takes positive sizes only).
 */
function output(backend: BackendWasm, shape: readonly number[], operands: readonly TensorInfo[], compute: (out: TensorInfo) => void): TensorInfo {
  const out = backend.makeOutput([...shape], 'float32');
  if (empty(shape) || operands.some((t) => empty(t.shape))) heapF32(backend, out).fill(0);
  else compute(out);
  return out;
}

/** Conv2D / FusedConv2D (bias of Co values or none, linear or ReLU); null = not covered. */
function conv2d(addon: NativeAddon, { inputs, backend, attrs }: WasmKernelArgs, fused: boolean): TensorInfo | null {
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
  return output(backend, info.outShape, [x], (y) =>
    addon.conv2d(heapF32(backend, x), heapF32(backend, filter), bias == null ? null : heapF32(backend, bias), heapF32(backend, y), geometry(info), activation),
  );
}

/** `CONV2D_BIAS_RELU_KERNEL`: the fused forward with ReLU; throws for what it does not cover (its callers check first). */
function conv2dBiasRelu(addon: NativeAddon, args: WasmKernelArgs): TensorInfo {
  input(args.inputs, 'bias');
  const y = conv2d(addon, { ...args, attrs: { ...args.attrs, dataFormat: 'NHWC', activation: 'relu' } }, true);
  if (y == null) throw new Error(`${CONV2D_BIAS_RELU_KERNEL}: expected float32 x and filter and a bias of ${args.inputs.filter?.shape[3]} values`);
  return y;
}

/** `RELU_BIAS_GRAD_KERNEL`: [dy * (y > 0), its sum over all axes but the last], in one pass. */
function reluBiasGrad(addon: NativeAddon, { inputs, backend }: WasmKernelArgs): TensorInfo[] {
  const dy = input(inputs, 'dy');
  const y = input(inputs, 'y');
  if (dy.dtype !== 'float32' || y.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, y.shape) || y.shape.length === 0) {
    throw new Error(`${RELU_BIAS_GRAD_KERNEL}: expected float32 dy and y of one shape, got ${dy.dtype} [${dy.shape}] and ${y.dtype} [${y.shape}]`);
  }
  const cols = y.shape[y.shape.length - 1];
  const rows = cols === 0 ? 0 : tf.util.sizeFromShape(y.shape) / cols;
  const dz = backend.makeOutput([...dy.shape], 'float32');
  const dbias = backend.makeOutput([cols], 'float32');
  if (rows === 0) heapF32(backend, dbias).fill(0);
  else addon.reluBiasGrad(heapF32(backend, dy), heapF32(backend, y), heapF32(backend, dz), heapF32(backend, dbias), Int32Array.of(rows, cols));
  return [dz, dbias];
}

function conv2dBackpropInput(addon: NativeAddon, { inputs, backend, attrs }: WasmKernelArgs): TensorInfo | null {
  const dy = input(inputs, 'dy');
  const filter = input(inputs, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (!isNhwc(dataFormat) || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = conv2dInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode);
  return output(backend, inputShape, [dy], (dx) =>
    addon.conv2dBackpropInput(heapF32(backend, dy), heapF32(backend, filter), heapF32(backend, dx), geometry(info)),
  );
}

function conv2dBackpropFilter(addon: NativeAddon, { inputs, backend, attrs }: WasmKernelArgs): TensorInfo | null {
  const x = input(inputs, 'x');
  const dy = input(inputs, 'dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (!isNhwc(dataFormat) || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const info = conv2dInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
  return output(backend, filterShape, [x, dy], (dw) =>
    addon.conv2dBackpropFilter(heapF32(backend, x), heapF32(backend, dy), heapF32(backend, dw), geometry(info)),
  );
}

/** Windows that do not overlap (stride = window: the model's 2x2 and [2,1] pools), no top/left padding; null = not covered. */
function maxPoolGrad(addon: NativeAddon, { inputs, backend, attrs }: WasmKernelArgs): TensorInfo | null {
  const dy = input(inputs, 'dy');
  const x = input(inputs, 'input');
  const info = pool2dInfo(x.shape, attrs as unknown as tf.MaxPoolGradAttrs);
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  if (filterHeight !== strideHeight || filterWidth !== strideWidth) return null;
  if (info.padInfo.top !== 0 || info.padInfo.left !== 0 || x.dtype !== 'float32' || empty(x.shape) || empty(dy.shape)) return null;
  const dx = backend.makeOutput(x.shape, 'float32');
  const sizes = Int32Array.from([info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, filterHeight, filterWidth]);
  addon.maxPoolGrad(heapF32(backend, x), heapF32(backend, dy), heapF32(backend, dx), sizes);
  return dx;
}

/** Sum over the leading axes of a float32 tensor (bias gradients); null = not covered. */
function sumLeading(addon: NativeAddon, { inputs, backend, attrs }: WasmKernelArgs): TensorInfo | null {
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
function batchMatMul(addon: NativeAddon, { inputs, backend, attrs }: WasmKernelArgs): TensorInfo | null {
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

/** `DigitfuseAdam`: the three outputs of adamUpdate, written on the wasm heap. */
function adam(addon: NativeAddon, { inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const ins = adamInputs(inputs);
  const outs = [ins[0], ins[2], ins[3]].map((t) => backend.makeOutput([...t.shape], 'float32'));
  const [x, g, m, v, xo, mo, vo] = [...ins, ...outs].map((t) => heapF32(backend, t));
  addon.adam(x, g, m, v, xo, mo, vo, adamConstants(attrs), Int32Array.of(x.length));
  return outs;
}
