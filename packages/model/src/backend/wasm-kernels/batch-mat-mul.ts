import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { input, type TensorInfo, type WasmKernelArgs } from '../kernel-support';
import { release, runBase, transpose, view } from './wasm-ops';

/**
 * `BatchMatMul` for wasm that always reaches the stock kernel's XNNPACK path: a transposed operand
 * (every dense-layer gradient has one) is transposed explicitly first, since the stock kernel runs
 * transposed products through a slow generic loop.
 */
export function batchMatMul(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  let a = input(inputs, 'a');
  let b = input(inputs, 'b');
  const owned: TensorInfo[] = [];
  if (transposeA) {
    a = swapLastTwo(backend, a);
    owned.push(a);
  }
  if (transposeB) {
    b = swapLastTwo(backend, b);
    owned.push(b);
  }
  const out = runBase('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
  release(backend, ...owned);
  return out;
}

function swapLastTwo(backend: BackendWasm, t: TensorInfo): TensorInfo {
  const shape = t.shape;
  const rank = shape.length;
  const rows = shape[rank - 2];
  const cols = shape[rank - 1];
  const batch = shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const out = transpose(backend, view(t, [batch, rows, cols]), [0, 2, 1]);
  out.shape = [...shape.slice(0, -2), cols, rows];
  return out;
}
