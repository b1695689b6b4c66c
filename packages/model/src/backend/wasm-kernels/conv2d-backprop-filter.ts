import type * as tf from '@tensorflow/tfjs';
import { conv2dInfo, input, isNhwc, type TensorInfo, type WasmKernelArgs } from '../kernel-support';
import { conv2dBackpropFilterGemm } from './conv2d-backprop-filter-gemm';
import { conv2d, release, slice, transpose } from './wasm-ops';

/**
 * The im2col matrix is KH*KW*Ci/Co times the size of dy. Up to this ratio the explicit im2col + GEMM
 * is faster (measured inside a training step: 28x28x1->48, ratio 0.19: 23 -> 13 ms); above it the
 * forward-convolution formulation wins (14x14x48->128, ratio 3.4: 71-73 ms vs 77-85 ms with GEMM;
 * 7x7x128->64, ratio 18: 22 vs 25 ms) because building the im2col matrix in JS and packing dy cost
 * more than the convolution's own filter packing.
 */
const MAX_IM2COL_RATIO = 1;

function chooseGemm(rowsPerPosition: number, co: number): boolean {
  return rowsPerPosition <= MAX_IM2COL_RATIO * co;
}

/**
 * `Conv2DBackpropFilter` for wasm (the stock backend has none). Small im2col: one XNNPACK matrix
 * product (see conv2d-backprop-filter-gemm.ts). Otherwise one XNNPACK forward convolution:
 *
 *   dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s + kh - padTop, ow*s + kw - padLeft, ci] * dy[b,oh,ow,co]
 *
 * is a convolution whose "batch" is ci, whose "channels" are b, and whose filter is dy:
 * x -> [Ci,H,W,B], dy -> [OH,OW,B,Co], stride 1, dilation = the original stride, explicit padding
 * chosen so the output is exactly [Ci,KH,KW,Co], then transposed back to [KH,KW,Ci,Co].
 */
export function conv2dBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const x = input(inputs, 'x');
  const dy = input(inputs, 'dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (!isNhwc(dataFormat)) throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  const info = conv2dInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const [, h, w, ci] = x.shape as [number, number, number, number];
  const co = dy.shape[3];
  if (chooseGemm(info.filterHeight * info.filterWidth * ci, co)) return conv2dBackpropFilterGemm(backend, x, dy, info);
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Rows/columns of x the last filter tap of the last output reaches, beyond which nothing is used.
  let bottom = kh - 1 + (oh - 1) * sh + 1 - h - top;
  let right = kw - 1 + (ow - 1) * sw + 1 - w - left;

  let xt = transpose(backend, x, [3, 1, 2, 0]); // [Ci,H,W,B]
  if (bottom < 0 || right < 0) {
    const [ci, , , b] = xt.shape;
    const cropped = slice(backend, xt, [0, 0, 0, 0], [ci, h + Math.min(bottom, 0), w + Math.min(right, 0), b]);
    release(backend, xt);
    xt = cropped;
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const dyt = transpose(backend, dy, [1, 2, 0, 3]); // [OH,OW,B,Co]
  const grad = conv2d(backend, xt, dyt, [1, 1], [sh, sw], [top, bottom, left, right]); // [Ci,KH,KW,Co]
  release(backend, xt, dyt);
  if (grad.shape[1] !== kh || grad.shape[2] !== kw) {
    throw new Error(`internal: filter gradient shape ${grad.shape} does not match filter ${filterShape}`);
  }
  const out = transpose(backend, grad, [1, 2, 0, 3]);
  release(backend, grad);
  return out;
}
