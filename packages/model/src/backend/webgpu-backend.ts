import * as tf from '@tensorflow/tfjs';
import { installGpuKernels } from './gpu-kernels/gpu-kernel-layer';
import type { FoundAdapter, GpuAdapterLike } from './webgpu-probe';

/**
 * Starts tfjs's `webgpu` backend (`@tensorflow/tfjs-backend-webgpu`) on an adapter `probeWebgpu`
 * found. The wasm kernel layers stay off; the GPU kernel layer (`gpu-kernels/`) replaces the
 * backend's convolution filter gradient (a batched matrix product) and adds Adam's update in WGSL. The package expects a browser: `navigator.gpu` and the WebGPU constants
 * (`GPUBufferUsage`, ...) as globals; Dawn's binding provides both.
 */

/** Limits the backend asks the device for, as tfjs-backend-webgpu's own factory does: the adapter's. */
const REQUIRED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

/** The device the registered `webgpu` backend runs on, and the adapter and GPU it came from. */
let registered: { readonly adapter: GpuAdapterLike; readonly device: unknown; readonly gpu: unknown } | null = null;

/** `navigator.gpu` and the WebGPU constants, where tfjs-backend-webgpu looks for them. */
function installGlobals(found: FoundAdapter): void {
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(found.binding.globals)) {
    if (!(name in g)) Object.defineProperty(g, name, { value, configurable: true, writable: true });
  }
  // Node >= 21 has a `navigator` of its own (without `gpu`); Node 20 has none.
  if (g['navigator'] == null) Object.defineProperty(g, 'navigator', { value: {}, configurable: true, writable: true });
  const navigator = g['navigator'] as Record<string, unknown>;
  if (navigator['gpu'] !== found.gpu) Object.defineProperty(navigator, 'gpu', { value: found.gpu, configurable: true, writable: true });
}

function deviceDescriptor(adapter: GpuAdapterLike): object {
  const limits = adapter.limits as Record<string, number | undefined>;
  const requiredLimits = Object.fromEntries(REQUIRED_LIMITS.flatMap((name) => (typeof limits[name] === 'number' ? [[name, limits[name]]] : [])));
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  return { requiredFeatures, requiredLimits };
}

/** Device errors would otherwise pass silently in Node (a browser prints them): one line each, the first few. */
function reportDeviceErrors(device: unknown): void {
  type ErrorEvent = { error?: { message?: string } };
  const d = device as {
    lost?: Promise<{ reason?: string; message?: string }>;
    addEventListener?: (type: string, listener: (event: ErrorEvent) => void) => void;
    onuncapturederror?: ((event: ErrorEvent) => void) | null;
  };
  void d.lost?.then((info) => {
    if (info.reason !== 'destroyed') process.stderr.write(`warning: the WebGPU device was lost (${info.message ?? info.reason ?? 'no reason given'})\n`);
  });
  let shown = 0;
  const onError = (event: ErrorEvent): void => {
    if (shown++ < 3) process.stderr.write(`warning: WebGPU error: ${(event.error?.message ?? 'unknown').split('\n')[0]}\n`);
  };
  if (typeof d.addEventListener === 'function') d.addEventListener('uncapturederror', onError);
  else if ('onuncapturederror' in d) d.onuncapturederror = onError;
}

/** What `dataSync()` / `arraySync()` of a tensor held on the GPU throws on this backend. */
export const NO_SYNC_READ =
  'Synchronous reads (dataSync, arraySync) of GPU tensors do not work on the webgpu backend in Node: ' +
  'tfjs-backend-webgpu reads synchronously through OffscreenCanvas, which Node lacks; read with `await tensor.data()`';

/**
 * tfjs-backend-webgpu's `readSync` copies a GPU buffer through an OffscreenCanvas, which Node does not
 * have (it would fail with `OffscreenCanvas is not defined` after a warning). Values still held on the
 * CPU (uploaded lazily) are returned as before; reading a GPU buffer throws `NO_SYNC_READ` instead.
 */
function withNodeReadSync(backend: tf.KernelBackend): tf.KernelBackend {
  const stored = (backend as unknown as { tensorMap?: { get(dataId: object): { values?: unknown } | undefined } }).tensorMap;
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    if (stored?.get(dataId)?.values != null) return readSync(dataId);
    throw new Error(NO_SYNC_READ);
  };
  return backend;
}

/**
 * Makes `webgpu` the tfjs backend on `found`'s adapter (creating its device the first time). Throws
 * when the device cannot be created or tfjs cannot start the backend.
 */
export async function useWebgpu(found: FoundAdapter): Promise<void> {
  installGlobals(found);
  if (registered?.adapter !== found.adapter || tf.findBackendFactory('webgpu') == null) {
    const device = await found.adapter.requestDevice(deviceDescriptor(found.adapter));
    reportDeviceErrors(device);
    if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
    const { WebGPUBackend } = found.tfjs;
    // Priority 3, as tfjs-backend-webgpu's own registration (which does not happen here: the package
    // registers its backend on load only when `navigator.gpu` already exists).
    tf.registerBackend('webgpu', () => withNodeReadSync(new WebGPUBackend(device as never, found.info)), 3);
    registered = { adapter: found.adapter, device, gpu: found.gpu };
    // A command that ends with process.exit() (runMain) destroys the device first, as releaseBackend would.
    process.once('exit', releaseWebgpu);
  }
  installGpuKernels('webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its webgpu backend');
  await tf.ready();
}

/**
 * Takes the `webgpu` backend out of tfjs and destroys its device. Until then Node does not exit: from
 * `requestDevice()` on, Dawn's binding polls for events on the main thread (dawn-gpu/node-webgpu#17).
 * No-op when no device was created here.
 */
export function releaseWebgpu(): void {
  const current = registered;
  if (current == null) return;
  registered = null;
  process.removeListener('exit', releaseWebgpu);
  if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  (current.device as { destroy?: () => void }).destroy?.();
  const navigator = (globalThis as Record<string, unknown>)['navigator'] as Record<string, unknown> | undefined;
  if (navigator != null && navigator['gpu'] === current.gpu) delete navigator['gpu'];
}
