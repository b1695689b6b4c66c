import type * as tf from '@tensorflow/tfjs';
import { heapF32, input, pool2dInfo, type TensorInfo, type WasmKernelArgs } from '../kernel-support';

/**
 * `MaxPoolGrad` for wasm: each output gradient goes to the first strict maximum of its window
 * (the `cpu` backend's rule), padding excluded, overlapping windows accumulated. Replaces the stock
 * kernel, a slow C++ loop that also drops the gradient of a window whose values are all <= 0.
 * One pass over x, in JS on the wasm heap.
 */
export function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const dy = input(inputs, 'dy');
  const x = input(inputs, 'input');
  const info = pool2dInfo(x.shape, attrs as unknown as tf.MaxPoolGradAttrs);
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
 * input position receives at most one output gradient. Same first-strict-maximum rule, as a
 * branch-free tournament for full windows (random data makes comparison branches unpredictable):
 * the first maximum of (x00, x01) against the first maximum of (x10, x11), the latter winning only
 * if strictly greater. A winner that is NaN or -Infinity, and windows cut by the bottom/right edge
 * ('same' on odd sizes), take the sequential rule.
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
        const d0 = ((b * outHeight + r) * outWidth + q) * c;
        if (!hasRow2 || !hasCol2) {
          edgeWindow(xv, dyv, dxv, p00, hasCol2 ? p00 + c : -1, hasRow2 ? p00 + rowStride : -1, d0, c);
          continue;
        }
        const p01 = p00 + c;
        const p10 = p00 + rowStride;
        const p11 = p10 + c;
        for (let ch = 0; ch < c; ch++) {
          const a = xv[p00 + ch];
          const bb = xv[p01 + ch];
          const cc = xv[p10 + ch];
          const dd = xv[p11 + ch];
          const top = bb > a ? bb : a;
          const topAt = bb > a ? p01 : p00;
          // A NaN bottom-left never wins its pair: else it would hide a bottom-right above the top's best.
          const bottomD = dd > cc || cc !== cc;
          const bottom = bottomD ? dd : cc;
          const bottomAt = bottomD ? p11 : p10;
          const best = bottom > top ? bottom : top;
          if (best > -Infinity) {
            dxv[(bottom > top ? bottomAt : topAt) + ch] = dyv[d0 + ch];
          } else {
            sequential(xv, dyv, dxv, [p00, p01, p10, p11], ch, d0);
          }
        }
      }
    }
  }
}

/** A window cut by the edge: in-bounds cells only (`-1` = outside), sequential rule. */
function edgeWindow(xv: Float32Array, dyv: Float32Array, dxv: Float32Array, p00: number, p01: number, p10: number, d0: number, c: number): void {
  const cells = [p00, p01, p10].filter((p) => p >= 0);
  for (let ch = 0; ch < c; ch++) sequential(xv, dyv, dxv, cells, ch, d0);
}

/** First strict maximum above -Infinity (NaN never wins); no gradient if there is none. */
function sequential(xv: Float32Array, dyv: Float32Array, dxv: Float32Array, cells: readonly number[], ch: number, d0: number): void {
  let best = -Infinity;
  let at = -1;
  for (const p of cells) {
    const v = xv[p + ch];
    if (v > best) {
      best = v;
      at = p + ch;
    }
  }
  if (at >= 0) dxv[at] = dyv[d0 + ch];
}
