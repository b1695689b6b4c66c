import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dInfo, heapF32, input, isNhwc, type TensorInfo, type WasmKernelArgs } from '../kernel-support';
import { conv2d, release, slice } from './wasm-ops';

/**
 * `Conv2DBackpropInput` for wasm as one XNNPACK forward convolution (the stock kernel is a plain C++
 * loop): dx = conv(dy', W') with W'[a,b,co,ci] = W[KH-1-a, KW-1-b, ci, co] (reversed in space, channel
 * axes swapped), padding KH-1-padTop on top, and dy' = dy for stride 1 or dy with stride-1 zeros
 * inserted between its rows/columns for larger strides. Exact (same sums, other order).
 *
 * Null for the cases this formulation does not cover (explicit padding larger than the filter),
 * which the kernel beneath (stock) handles.
 */
export function conv2dBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo | null {
  const dy = input(inputs, 'dy');
  const filter = input(inputs, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (!isNhwc(dataFormat)) throw new Error(`wasm Conv2DBackpropInput supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  const info = conv2dInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode);
  const [b, h, w, ci] = inputShape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const co = filter.shape[3];
  const [, oh, ow] = dy.shape;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  if (top < 0 || left < 0) return null;
  const ohd = (oh - 1) * sh + 1;
  const owd = (ow - 1) * sw + 1;
  const bottom = h - ohd - top + kh - 1;
  const right = w - owd - left + kw - 1;

  const flipped = flipFilter(backend, filter);
  const dyd = sh === 1 && sw === 1 ? dy : dilate(backend, dy, sh, sw);
  let dx = conv2d(backend, dyd, flipped, [1, 1], [1, 1], [top, Math.max(bottom, 0), left, Math.max(right, 0)]);
  release(backend, flipped);
  if (dyd !== dy) release(backend, dyd);
  if (dx.shape[1] !== h || dx.shape[2] !== w) {
    const cropped = slice(backend, dx, [0, 0, 0, 0], [b, h, w, ci]);
    release(backend, dx);
    dx = cropped;
  }
  if (dx.shape[3] !== ci || co !== dy.shape[3]) {
    throw new Error(`internal: input gradient shape ${dx.shape} does not match input ${inputShape}`);
  }
  return dx;
}

/** [KH,KW,Ci,Co] -> [KH,KW,Co,Ci], reversed in both spatial axes. */
function flipFilter(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, out);
  for (let a = 0; a < kh; a++) {
    for (let c = 0; c < kw; c++) {
      const s0 = ((kh - 1 - a) * kw + (kw - 1 - c)) * ci * co;
      const d0 = (a * kw + c) * co * ci;
      for (let i = 0; i < ci; i++) {
        const s1 = s0 + i * co;
        for (let o = 0; o < co; o++) dst[d0 + o * ci + i] = src[s1 + o];
      }
    }
  }
  return out;
}

/** [B,OH,OW,C] -> [B,(OH-1)*sh+1,(OW-1)*sw+1,C] with zeros between the original rows/columns. */
function dilate(backend: BackendWasm, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [b, oh, ow, c] = dy.shape;
  const ohd = (oh - 1) * sh + 1;
  const owd = (ow - 1) * sw + 1;
  const out = backend.makeOutput([b, ohd, owd, c], 'float32');
  const src = heapF32(backend, dy);
  const dst = heapF32(backend, out);
  dst.fill(0);
  for (let n = 0; n < b; n++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        const s = ((n * oh + r) * ow + q) * c;
        dst.set(src.subarray(s, s + c), ((n * ohd + r * sh) * owd + q * sw) * c);
      }
    }
  }
  return out;
}
