import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, input, type TensorInfo } from './wasm-ops';

/**
 * `MaxPoolGrad` for wasm: each output gradient goes to the first strict maximum of its window
 * (the `cpu` backend's rule), padding excluded, overlapping windows accumulated. Replaces the stock
 * kernel, a slow C++ loop that also drops the gradient of a window whose values are all <= 0.
 * One pass over x, in JS on the wasm heap.
 */
export function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = input(inputs, 'dy');
  const x = input(inputs, 'input');
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  const dx = backend.makeOutput(x.shape, 'float32');
  const xv = heapF32(backend, x);
  const dyv = heapF32(backend, dy);
  const dxv = heapF32(backend, dx);
  dxv.fill(0);
  const rowStride = inWidth * c;
  if (filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && top === 0 && left === 0) {
    pool2x2Grad(xv, dyv, dxv, batchSize, inHeight, inWidth, c, outHeight, outWidth);
    return dx;
  }
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * rowStride;
    for (let r = 0; r < outHeight; r++) {
      const r0 = Math.max(r * strideHeight - top, 0);
      const r1 = Math.min(r * strideHeight - top + filterHeight, inHeight);
      for (let q = 0; q < outWidth; q++) {
        const q0 = Math.max(q * strideWidth - left, 0);
        const q1 = Math.min(q * strideWidth - left + filterWidth, inWidth);
        const dyBase = ((b * outHeight + r) * outWidth + q) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let i = r0; i < r1; i++) {
            const row = xBatch + i * rowStride + ch;
            for (let j = q0; j < q1; j++) {
              const v = xv[row + j * c];
              if (v > best) {
                best = v;
                at = row + j * c;
              }
            }
          }
          if (at >= 0) dxv[at] += dyv[dyBase + ch];
        }
      }
    }
  }
  return dx;
}

/**
 * The model's case (2x2 windows, stride 2, no top/left padding): windows do not overlap, so each
 * input position receives at most one output gradient. Same first-strict-maximum rule, unrolled.
 * A window cut by the bottom/right edge ('same' on odd sizes) keeps only its in-bounds cells.
 */
function pool2x2Grad(
  xv: Float32Array,
  dyv: Float32Array,
  dxv: Float32Array,
  batchSize: number,
  inHeight: number,
  inWidth: number,
  c: number,
  outHeight: number,
  outWidth: number,
): void {
  const rowStride = inWidth * c;
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < outHeight; r++) {
      const hasRow2 = 2 * r + 1 < inHeight;
      for (let q = 0; q < outWidth; q++) {
        const hasCol2 = 2 * q + 1 < inWidth;
        const p00 = (b * inHeight + 2 * r) * rowStride + 2 * q * c;
        const p01 = hasCol2 ? p00 + c : -1;
        const p10 = hasRow2 ? p00 + rowStride : -1;
        const p11 = hasRow2 && hasCol2 ? p00 + rowStride + c : -1;
        const d0 = ((b * outHeight + r) * outWidth + q) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = xv[p00 + ch];
          let at = best > -Infinity ? p00 + ch : -1;
          if (p01 >= 0) {
            const v = xv[p01 + ch];
            if (v > best || (at < 0 && v > -Infinity)) {
              best = v;
              at = p01 + ch;
            }
          }
          if (p10 >= 0) {
            const v = xv[p10 + ch];
            if (v > best || (at < 0 && v > -Infinity)) {
              best = v;
              at = p10 + ch;
            }
          }
          if (p11 >= 0) {
            const v = xv[p11 + ch];
            if (v > best || (at < 0 && v > -Infinity)) {
              at = p11 + ch;
            }
          }
          if (at >= 0) dxv[at] = dyv[d0 + ch];
        }
      }
    }
  }
}
