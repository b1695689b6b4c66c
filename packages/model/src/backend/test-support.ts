/**
 * Helpers for the backend specs only (not exported from the package): seeded inputs and running the
 * same computation on two backends.
 */
import { mulberry32 } from '@digitfuse/core';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from './native-kernels/native-addon';
import { registerNativeKernels, unregisterNativeKernels } from './native-kernels/native-kernel-layer';
import { selectBackend } from './select-backend';
import { silenceCpuBanner } from './silence-banner';

/** Deterministic uniform floats in [lo, hi) (mulberry32). */
export function seededArray(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: size }, () => lo + (hi - lo) * next());
}

/**
 * Relative error used by the kernel specs: max|a - b| / max(1, max|b|), with b the reference (cpu).
 * Behaves like an absolute error for small values and a relative one for large values.
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return Number.isNaN(diff) ? Infinity : diff / scale;
}

/** Makes the wasm backend (with the project kernels) available; quiet. */
export async function initBackends(): Promise<void> {
  await selectBackend('wasm', () => undefined);
  silenceCpuBanner();
}

/**
 * The wasm kernel sets the kernel specs compare against cpu: the project's wasm kernels, and the
 * native kernels on top of them when the addon is built (`npm ci` builds it; CI requires it, see
 * native-kernels.spec.ts).
 */
export type KernelSet = 'project wasm' | 'native';
export const KERNEL_SETS: readonly KernelSet[] = loadNativeAddon().ok ? ['project wasm', 'native'] : ['project wasm'];

/** The wasm backend with exactly that kernel set's layers installed (`project wasm`: the native layer off). */
export async function useKernels(set: KernelSet): Promise<void> {
  await initBackends();
  const loaded = loadNativeAddon();
  if (set === 'project wasm') unregisterNativeKernels();
  else if (loaded.ok) registerNativeKernels(loaded.addon);
  else throw new Error(loaded.why);
}

/**
 * Runs `fn` with `backend` active and returns the values of the tensors it returns. Throws if it
 * leaks tensors or backend buffers.
 */
export async function runOn(
  backend: 'wasm' | 'cpu',
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const dataIdsBefore = tf.backend().numDataIds();
  const outs = tf.tidy(fn);
  const list = Array.isArray(outs) ? outs : [outs];
  const values = list.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  const shapes = list.map((t) => [...t.shape]);
  tf.dispose(list);
  if (tf.memory().numTensors !== before) throw new Error(`leaked ${tf.memory().numTensors - before} tensors`);
  // Kernel-level intermediates (never seen by the engine) must be released too.
  const leakedData = tf.backend().numDataIds() - dataIdsBefore;
  if (leakedData !== 0) throw new Error(`leaked ${leakedData} ${backend} buffers`);
  return { values, shapes };
}

/** Runs one kernel by name with the given inputs (made from arrays) and attributes. */
export function kernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
}
