import * as tf from '@tensorflow/tfjs';
import { runStock, type KernelArgs } from '../kernel-layers';
import { conv2dInfo, input, isNhwc, type TensorInfo } from '../kernel-support';

/**
 * A convolution's filter gradient as one batched matrix product on the backend's own kernels, for a
 * GPU backend whose stock kernel does not parallelise over the batch.
 *
 * tfjs-backend-webgpu's `Conv2DBackpropFilter` runs one GPU thread per filter weight, each summing
 * over every batch row and output position: 288 threads for a 3x3x1x32 filter, each adding up
 * 200,704 products at batch 256, so an epoch's time grows with the batch (measured on an H200:
 * 21 s per 48,000-row epoch at batch 256 and 1024 alike). Here the same sum is an im2col matrix
 * product, dW[KH*KW*Ci, Co] = cols^T . dy, split along the batch into chunks that run side by side
 * (`BatchMatMul` over [S, rows, ...]) and added up (`Sum` over the chunks):
 *
 *   padded = PadV2(x)                                  [B, OH+KH-1, OW+KW-1, Ci]
 *   cols   = Concat(Slice(padded) for each tap)        [B, OH, OW, KH*KW*Ci]   (the filter's order)
 *   dW     = Sum(BatchMatMul(cols^T, dy) per chunk)    [KH*KW*Ci, Co] -> [KH, KW, Ci, Co]
 *
 * Covers channels-last convolutions with stride and dilation 1 (every convolution of the two-branch
 * model, conv1d included: tfjs runs it as a conv2d of height 1); the rest returns null (the kernel
 * beneath). Only kernels every tfjs backend has are used, so the cpu backend checks it in the specs.
 */

/** Rows of the im2col matrix one chunk of the batched product takes (a chunk is whole batch rows). */
export const CHUNK_ROWS = 2048;

/**
 * Batch rows per chunk: the largest divisor of `batch` whose chunk holds at most about `target`
 * im2col rows (at least one batch row), so the chunks split the batch exactly.
 */
export function rowsPerChunk(batch: number, positions: number, target = CHUNK_ROWS): number {
  const wanted = Math.max(1, Math.ceil(target / Math.max(1, positions)));
  for (let g = Math.min(batch, wanted); g > 1; g--) if (batch % g === 0) return g;
  return 1;
}

type Run = (name: string, inputs: tf.NamedTensorInfoMap | TensorInfo[], attrs?: tf.NamedAttrMap) => TensorInfo;

/** Runs the backend's stock kernels (beneath every layer) on kernel-level tensors. */
function stockRunner(backendName: string, backend: tf.KernelBackend): Run {
  return (name, inputs, attrs = {}) => runStock(backendName, name, backend, inputs, attrs);
}

/**
 * The filter gradient on `backendName`'s stock kernels, or null for a case it does not cover.
 * `target`: im2col rows per chunk (CHUNK_ROWS).
 */
export function conv2dBackpropFilterMatMul(backendName: string, args: KernelArgs, target = CHUNK_ROWS): TensorInfo | null {
  const { attrs, backend } = args;
  const x = input(args.inputs, 'x');
  const dy = input(args.inputs, 'dy');
  if (!isNhwc(attrs['dataFormat']) || x.shape.length !== 4 || x.dtype !== 'float32') return null;
  const filterShape = attrs['filterShape'] as [number, number, number, number];
  const info = conv2dInfo(x.shape, filterShape, attrs['strides'] as [number, number], 1, attrs['pad'] as 'same', attrs['dimRoundingMode'] as 'floor' | undefined);
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const [b, h, w, ci] = x.shape;
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { top, left } = info.padInfo;
  // The padded input every tap's window lies in: rows [-top, oh - 1 + kh - top) of x.
  const bottom = oh - 1 + kh - top - h;
  const right = ow - 1 + kw - left - w;
  if (top < 0 || left < 0 || bottom < 0 || right < 0 || oh < 1 || ow < 1) return null;

  const run = stockRunner(backendName, backend);
  const temps: TensorInfo[] = [];
  const keep = (t: TensorInfo): TensorInfo => (temps.push(t), t);
  try {
    const padded =
      top + bottom + left + right === 0
        ? x
        : keep(run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]] as unknown as tf.NamedAttrMap['paddings'], constantValue: 0 }));
    const taps: TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        taps.push(oh === padded.shape[1] && ow === padded.shape[2] ? padded : keep(run('Slice', { x: padded }, { begin: [0, i, j, 0], size: [b, oh, ow, ci] })));
      }
    }
    const cols = taps.length === 1 ? taps[0] : keep(run('Concat', taps, { axis: 3 }));
    const positions = oh * ow;
    const g = rowsPerChunk(b, positions, target);
    const chunks = b / g;
    const k = kh * kw * ci;
    const a = keep(run('Reshape', { x: cols }, { shape: [chunks, g * positions, k] }));
    const d = keep(run('Reshape', { x: dy }, { shape: [chunks, g * positions, co] }));
    const products = keep(run('BatchMatMul', { a, b: d }, { transposeA: true, transposeB: false })); // [S, K, Co]
    const total = chunks === 1 ? products : keep(run('Sum', { x: products }, { axis: [0], keepDims: false }));
    return run('Reshape', { x: total }, { shape: [kh, kw, ci, co] });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}
