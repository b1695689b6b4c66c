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
