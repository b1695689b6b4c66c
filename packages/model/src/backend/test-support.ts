/**
 * Helpers for the backend specs only (not exported from the package): seeded inputs and running the
 * same computation on two backends.
 */
import { mulberry32 } from '@digitfuse/core';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, NATIVE_ISAS, type NativeIsa } from './native-kernels/native-addon';
import { registerNativeKernels, unregisterNativeKernels } from './native-kernels/native-kernel-layer';
import { selectBackend, type BackendInfo, type SelectBackendOptions } from './select-backend';
import { silenceCpuBanner } from './silence-banner';
import type { GpuAdapterInfoLike, GpuAdapterLike, WebgpuBinding, WebgpuRuntime } from './webgpu-probe';

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
 * native-kernels.spec.ts), once per instruction set the CPU supports (`native avx512`,
 * `native avx2`, `native portable`), so every micro-kernel path is checked on one machine.
 */
export type KernelSet = 'project wasm' | `native ${NativeIsa}`;
const native = loadNativeAddon();
export const KERNEL_SETS: readonly KernelSet[] = [
  'project wasm',
  ...(native.ok ? NATIVE_ISAS.filter((isa) => native.addon.isas().includes(isa)).map((isa) => `native ${isa}` as const) : []),
];

/** The instruction set the native kernels use when no spec forces one (DIGITFUSE_ISA or the best). */
const defaultIsa = native.ok ? native.addon.info().isa : null;

/**
 * The wasm backend with exactly that kernel set's layers installed (`project wasm`: the native layer
 * off; `native <isa>`: on, with that instruction set's micro-kernels).
 */
export async function useKernels(set: KernelSet): Promise<void> {
  await initBackends();
  const loaded = loadNativeAddon();
  if (set === 'project wasm') {
    unregisterNativeKernels();
    return;
  }
  if (!loaded.ok) throw new Error(loaded.why);
  registerNativeKernels(loaded.addon);
  loaded.addon.setIsa(set.slice('native '.length));
}

/** Back to the instruction set the native kernels had before any `useKernels` (an afterAll of specs that switch). */
export function restoreDefaultIsa(): void {
  const loaded = loadNativeAddon();
  if (loaded.ok && defaultIsa != null) loaded.addon.setIsa(defaultIsa);
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

/** A `require` failure for a package that is not installed, as Node reports it. */
export function notInstalled(pkg: string): () => never {
  return () => {
    throw Object.assign(new Error(`Cannot find module '${pkg}'\nRequire stack:\n- ${__filename}`), { code: 'MODULE_NOT_FOUND' });
  };
}

/** Whether tfjs-node-gpu or tfjs-node is installed (on this project's machines neither is, so auto goes on to wasm). */
export function nativeInstalled(): boolean {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

/**
 * `selectBackend('auto')` with `options` (default: webgpu not installed), expecting it to settle on
 * wasm with one backend line; returns the answer and that line.
 */
export async function autoSelectsWasm(options: SelectBackendOptions = { loadWebgpu: notInstalled('webgpu/package.json') }): Promise<{ info: BackendInfo; line: string }> {
  const lines: string[] = [];
  const info = await selectBackend('auto', (line) => lines.push(line), options);
  expect(info.name).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
  expect(lines).toHaveLength(1);
  return { info, line: lines[0] };
}

/** What a fake adapter says about itself and how its device request goes. */
export interface FakeAdapterArgs {
  /** `adapter.info`; default `{ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200' }`. */
  readonly info?: GpuAdapterInfoLike;
  /** Make `requestDevice()` reject with this message. Default: it resolves. */
  readonly deviceError?: string;
}

/** A fake adapter (and what it was asked): enough for tfjs-backend-webgpu's constructor, not for running kernels. */
export function fakeAdapter(args: FakeAdapterArgs = {}): GpuAdapterLike & { readonly deviceRequests: object[]; readonly devices: { destroyed: boolean }[] } {
  const deviceRequests: object[] = [];
  const devices: { destroyed: boolean }[] = [];
  return {
    info: args.info ?? { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200' },
    features: new Set<string>(['timestamp-query']),
    limits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31, maxComputeWorkgroupSizeX: 1024 },
    deviceRequests,
    devices,
    async requestDevice(descriptor?: object) {
      deviceRequests.push(descriptor ?? {});
      if (args.deviceError != null) throw new Error(args.deviceError);
      const device = {
        queue: {},
        features: new Set<string>(),
        limits: {},
        lost: new Promise(() => undefined),
        destroyed: false,
        destroy() {
          device.destroyed = true;
        },
      };
      devices.push(device);
      return device;
    },
  };
}

/**
 * A webgpu runtime for `selectBackend(choice, log, runtime)`: Dawn's binding replaced by one whose
 * `requestAdapter()` returns `adapter` (null: no adapter), the Vulkan loader found; the real
 * tfjs-backend-webgpu. `calls.create` counts the GPUs created.
 */
export function fakeWebgpu(adapter: GpuAdapterLike | null, overrides: Partial<WebgpuRuntime> = {}): Partial<WebgpuRuntime> & { readonly calls: { create: number } } {
  const calls = { create: 0 };
  const binding: WebgpuBinding = {
    globals: {},
    create: () => {
      calls.create++;
      return { requestAdapter: async () => adapter };
    },
  };
  // No screen in a child process (the real one would ask this machine's Dawn) unless a spec gives one.
  return { loadWebgpu: () => binding, vulkanMissing: () => null, screenAdapter: undefined, ...overrides, calls };
}

/** Whether the real tfjs-backend-webgpu is installed (an optional dependency). */
export function tfjsWebgpuInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-backend-webgpu');
    return true;
  } catch {
    return false;
  }
}
