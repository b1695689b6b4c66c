import type * as tf from '@tensorflow/tfjs';
import { heapF32, input, leadingAxesSum, type TensorInfo, type WasmKernelArgs } from '../kernel-support';

/**
 * `Sum` for wasm. Reducing the leading axes of a float32 tensor (every bias gradient: dy [B,H,W,C]
 * summed to [C]) is a column sum, done in one pass in JS with float64 accumulators; the stock kernel
 * first transposes the whole tensor so the reduced axes are innermost. Null for other cases (the
 * kernel beneath, stock, reduces them).
 */
export function sum({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo | null {
  const x = input(inputs, 'x');
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const sum = leadingAxesSum(x, axis, keepDims);
  if (x.dtype !== 'float32' || sum == null) return null;
  const { rows, cols, outShape } = sum;
  const acc = new Float64Array(cols);
  const xv = heapF32(backend, x);
  // Four rows per pass: a quarter of the accumulator loads and stores.
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    for (let c = 0; c < cols; c++) acc[c] += xv[b0 + c] + xv[b1 + c] + (xv[b2 + c] + xv[b3 + c]);
  }
  for (; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += xv[base + c];
  }
  const out = backend.makeOutput(outShape, 'float32');
  heapF32(backend, out).set(acc);
  return out;
}
