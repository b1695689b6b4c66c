import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, release, runBase, transpose, view, type TensorInfo } from './wasm-ops';

/**
 * Filter gradient as one XNNPACK matrix product: dW[KH*KW*Ci, Co] = colsT[KH*KW*Ci, N] . dy[N, Co]
 * with N = B*OH*OW and colsT the transposed im2col of x, built in JS from x transposed to
 * [Ci,B,H,W] (so every copied row is contiguous). The product's rows are already in the filter's
 * [KH,KW,Ci,Co] order, so no transpose follows.
 */
export function conv2dBackpropFilterGemm(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const [b, h, w, ci] = x.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const co = dy.shape[3];
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const n = b * oh * ow;
  const xt = transpose(backend, x, [3, 0, 1, 2]); // [Ci,B,H,W]
  const cols = backend.makeOutput([kh * kw * ci, n], 'float32');
  const src = heapF32(backend, xt);
  const dst = heapF32(backend, cols);
  let d = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      // Output columns whose input column ow*sw + j - left is inside [0, w).
      const q0 = Math.max(0, Math.ceil((left - j) / sw));
      const q1 = Math.min(ow, Math.floor((w - 1 + left - j) / sw) + 1);
      for (let c = 0; c < ci; c++) {
        for (let bb = 0; bb < b; bb++) {
          const plane = (c * b + bb) * h;
          for (let r = 0; r < oh; r++) {
            const ih = r * sh + i - top;
            if (ih < 0 || ih >= h || q1 <= q0) {
              dst.fill(0, d, d + ow);
              d += ow;
              continue;
            }
            const row = (plane + ih) * w + j - left;
            let q = 0;
            for (; q < q0; q++) dst[d++] = 0;
            if (sw === 1) {
              for (; q < q1; q++) dst[d++] = src[row + q];
            } else {
              for (; q < q1; q++) dst[d++] = src[row + q * sw];
            }
            for (; q < ow; q++) dst[d++] = 0;
          }
        }
      }
    }
  }
  release(backend, xt);
  const grad = runBase('BatchMatMul', backend, { a: cols, b: view(dy, [n, co]) }, { transposeA: false, transposeB: false });
  release(backend, cols);
  grad.shape = [kh, kw, ci, co];
  return grad;
}
