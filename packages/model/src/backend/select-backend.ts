import * as path from 'node:path';
import { counted } from '@digitfuse/core';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from './backend-error';
import { silenceCpuBanner } from './silence-banner';
import { installGpuKernels } from './gpu-kernels/gpu-kernel-layer';
import { installLayers } from './kernel-layers';
import { loadNativeAddon } from './native-kernels/native-addon';
import { nativeKernelLayer } from './native-kernels/native-kernel-layer';
import { loadOptional, nodeRequire, shortName } from './optional-package';
import { registerWasmKernels, wasmKernelLayer } from './wasm-kernels/wasm-kernel-layer';
import { releaseWebgpu, useWebgpu } from './webgpu-backend';
import { DEFAULT_WEBGPU_RUNTIME, describeAdapter, passedOver, probeWebgpu, type AdapterDescription, type NoAdapter, type WebgpuProbe, type WebgpuRuntime } from './webgpu-probe';

/** `--backend` values: `auto` picks the fastest that loads. */
export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** All accepted `--backend` values, for CLI parsers. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/** The backend in use after `selectBackend`. */
export interface BackendInfo {
  /** tfjs backend name: `tensorflow` (tfjs-node / tfjs-node-gpu), `webgpu`, `wasm` or `cpu`. */
  readonly name: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  /** Why this backend: what was asked for and what was tried before it. */
  readonly reason: string;
  /** webgpu only: the adapter (GPU) in use. */
  readonly adapter?: AdapterDescription;
  /** wasm only: whether the SIMD binary runs. */
  readonly simd?: boolean;
  /** wasm only: XNNPACK threads. */
  readonly threads?: number;
  /**
   * wasm only: the native convolution kernels (packages/model/native) in use, with their instruction
   * set and threads; absent when they are not, with `nativeWhy` saying why.
   */
  readonly native?: { readonly isa: string; readonly threads: number };
  readonly nativeWhy?: string;
}

/**
 * Options of `selectBackend`: where the webgpu backend's parts come from. Default: the optional
 * packages `webgpu` and `@tensorflow/tfjs-backend-webgpu` and the system's Vulkan loader (specs pass
 * fakes).
 */
export type SelectBackendOptions = Partial<WebgpuRuntime>;

/** Native packages tried, in order, for the `tensorflow` backend. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * Chooses and initialises the tfjs backend, prints ONE line saying which and why, and returns it.
 *
 * `auto`: `@tensorflow/tfjs-node-gpu` if it loads (CUDA), else `webgpu` if a WebGPU adapter is found
 * (a GPU through Dawn: Vulkan on Linux), else `@tensorflow/tfjs-node` if installed, else `wasm` with
 * the project's training kernels (and, where the addon was built, the native kernels on top: see
 * `BackendInfo.native`), else `cpu`. The line says why each one before it was passed over. An
 * explicit choice that cannot be used throws `BackendError`. Calling it again is cheap and gives the
 * same answer.
 *
 * @param choice default `'auto'`
 * @param log where the one line goes; default `console.log`
 * @param options where the webgpu backend's parts come from; default the real ones
 */
export async function selectBackend(
  choice: BackendChoice = 'auto',
  log: (line: string) => void = console.log,
  options: SelectBackendOptions = {},
): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new BackendError(
      `Unknown --backend '${String(choice)}': expected one of ${BACKEND_CHOICES.join(', ')}`,
      String(choice),
    );
  }
  const runtime = Object.keys(options).length === 0 ? DEFAULT_WEBGPU_RUNTIME : { ...DEFAULT_WEBGPU_RUNTIME, ...options };
  const info = await choose(choice, runtime);
  log(`backend: ${describeBackend(info)} — ${info.reason}`);
  return info;
}

/** A backend as the `backend:` line names it: `wasm (SIMD, 1 thread) + native kernels (avx512, 2 threads)`, `tensorflow`. */
export function describeBackend(info: BackendInfo): string {
  return `${info.name}${details(info)}`;
}

/**
 * The smallest batch a GPU (webgpu) trains well at: below it a training step's time is mostly its
 * ~500 kernel dispatches, not its arithmetic (on an H200 a step took about as long at 1024 rows as
 * at 256, and an epoch at 64 rows longer than on the CPU path; README, "GPU through WebGPU").
 */
export const GPU_MIN_BATCH_SIZE = 256;

/**
 * One line of advice on the backend a stage is about to train on, else null: webgpu on a software
 * (CPU) adapter, which only an explicit `--backend webgpu` picks, trains many times slower than the
 * CPU kernels `auto` takes (on the demo, minutes per trial instead of seconds); a GPU (webgpu on a
 * hardware adapter) at a batch size below {@link GPU_MIN_BATCH_SIZE} is mostly idle. `flag`: the
 * option that sets the batch size.
 */
export function backendAdvice(info: BackendInfo, batchSize: number, flag = '--batch-size'): string | null {
  if (info.name !== 'webgpu') return null;
  if (info.adapter?.fallback === true) {
    return (
      'note: webgpu runs here on a software adapter (the CPU draws what a GPU would), many times slower than ' +
      'the CPU kernels; leave out --backend (auto) to train on those'
    );
  }
  if (batchSize >= GPU_MIN_BATCH_SIZE) return null;
  return (
    `note: ${flag} ${batchSize} keeps the GPU mostly idle (a step's time goes to launching ~500 small kernels, ` +
    `about the same at ${GPU_MIN_BATCH_SIZE} or 1024 rows); pass ${flag} ${GPU_MIN_BATCH_SIZE} or more for epochs several times shorter`
  );
}

/**
 * Releases what the backend in use holds outside tfjs: the WebGPU device, while which Node does not
 * exit (and Dawn polls on the main thread). Call it when the work is done, also after an error; a
 * later `selectBackend` starts again. No-op for the other backends.
 */
export function releaseBackend(): void {
  defaultProbes.clear();
  releaseWebgpu();
}

function details(info: BackendInfo): string {
  if (info.name === 'webgpu' && info.adapter != null) return ` (${describeAdapter(info.adapter)})`;
  if (info.name !== 'wasm') return '';
  const wasm = `(${info.simd ? 'SIMD' : 'no SIMD'}, ${counted(info.threads, 'thread')})`;
  if (info.native != null) return ` ${wasm} + native kernels (${info.native.isa}, ${counted(info.native.threads, 'thread')})`;
  return ` ${wasm}, ${info.nativeWhy ?? 'no native kernels'}`;
}

async function choose(choice: BackendChoice, runtime: WebgpuRuntime): Promise<BackendInfo> {
  switch (choice) {
    case 'tensorflow': {
      const tried = await tryNative(NATIVE_PACKAGES);
      if (tried.ok) return { name: 'tensorflow', reason: `--backend tensorflow: using ${tried.pkg}` };
      throw new BackendError(`--backend tensorflow is not available: ${tried.why.join('; ')}`, choice);
    }
    case 'webgpu': {
      const gpu = await tryWebgpu(runtime, 'explicit');
      if (gpu.ok) return { name: 'webgpu', reason: '--backend webgpu', adapter: gpu.adapter };
      const { expected, found, fix } = gpu.failure;
      throw new BackendError(`--backend webgpu is not available: expected ${expected}, found ${found}; ${fix}`, choice);
    }
    case 'wasm': {
      const wasm = await tryWasm();
      if (wasm.ok) return { name: 'wasm', reason: '--backend wasm', ...wasm.details };
      throw new BackendError(`--backend wasm is not available: ${wasm.why}`, choice);
    }
    case 'cpu': {
      await useCpu();
      return { name: 'cpu', reason: '--backend cpu (pure JavaScript, slow)' };
    }
    case 'auto': {
      const why: string[] = [];
      const cuda = await tryNative(['@tensorflow/tfjs-node-gpu']);
      if (cuda.ok) return { name: 'tensorflow', reason: `auto: ${cuda.pkg} loaded` };
      why.push(...cuda.why);
      const gpu = await tryWebgpu(runtime, 'auto');
      if (gpu.ok) return { name: 'webgpu', reason: why.join(', '), adapter: gpu.adapter };
      why.push(gpu.failure.why);
      const node = await tryNative(['@tensorflow/tfjs-node']);
      if (node.ok) return { name: 'tensorflow', reason: `auto: ${node.pkg} loaded (${why.join(', ')})` };
      why.push(...node.why);
      const wasm = await tryWasm();
      if (wasm.ok) return { name: 'wasm', reason: why.join(', '), ...wasm.details };
      await useCpu();
      return { name: 'cpu', reason: `${why.join(', ')}, wasm failed (${wasm.why})` };
    }
  }
}

type NativeResult = { ok: true; pkg: string } | { ok: false; why: string[] };

async function tryNative(packages: readonly string[]): Promise<NativeResult> {
  const why: string[] = [];
  for (const pkg of packages) {
    const loaded = loadOptional(pkg);
    if (!loaded.ok) {
      why.push(`${shortName(pkg)} ${loaded.why}`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') == null) {
      why.push(`${shortName(pkg)} loaded but registered no 'tensorflow' backend (another @tensorflow/tfjs-core copy?)`);
      continue;
    }
    if (await tf.setBackend('tensorflow')) return { ok: true, pkg };
    why.push(`${shortName(pkg)} failed to initialise`);
  }
  return { ok: false, why };
}

type WebgpuResult =
  | { ok: true; adapter: AdapterDescription }
  | { ok: false; failure: Omit<NoAdapter, 'ok'> };

/** The probes of the real packages, per mode (`auto` passes over a software adapter before starting Dawn). */
const defaultProbes = new Map<'auto' | 'explicit', Promise<WebgpuProbe>>();

/**
 * The webgpu backend on the adapter found. `auto` passes over a software (CPU) adapter: the wasm
 * backend with the project's kernels is faster on a CPU.
 */
async function tryWebgpu(runtime: WebgpuRuntime, mode: 'auto' | 'explicit'): Promise<WebgpuResult> {
  const options = { passOverSoftware: mode === 'auto' };
  let found: WebgpuProbe;
  if (runtime === DEFAULT_WEBGPU_RUNTIME) {
    let probe = defaultProbes.get(mode);
    if (probe == null) defaultProbes.set(mode, (probe = probeWebgpu(runtime, options)));
    found = await probe;
  } else {
    found = await probeWebgpu(runtime, options);
  }
  if (!found.ok) return { ok: false, failure: found };
  const adapter = describeAdapter(found.description);
  if (mode === 'auto' && found.description.fallback) return { ok: false, failure: passedOver(found.description) };
  try {
    await useWebgpu(found);
    return { ok: true, adapter: found.description };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return {
      ok: false,
      failure: { why: `webgpu failed to initialise on ${adapter} (${message})`, expected: 'a working WebGPU device', found: `${adapter} failing (${message})`, fix: 'check the GPU driver (vulkaninfo)' },
    };
  }
}

type WasmDetails = Pick<BackendInfo, 'simd' | 'threads' | 'native' | 'nativeWhy'>;
type WasmResult = { ok: true; details: WasmDetails } | { ok: false; why: string };

let wasmPathsSet = false;

async function tryWasm(): Promise<WasmResult> {
  try {
    if (!wasmPathsSet) {
      // Point the loader at the package's dist folder explicitly so it also works when this code is
      // bundled or run from another working directory.
      const dist = path.join(path.dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm')), path.sep);
      setWasmPaths(dist);
      wasmPathsSet = true;
    }
    registerWasmKernels();
    const ok = await tf.setBackend('wasm');
    if (!ok) return { ok: false, why: 'the wasm module could not be instantiated' };
    await tf.ready();
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    return { ok: true, details: { simd, threads: getThreadsCount(), ...useKernelLayers() } };
  } catch (error) {
    if (error instanceof BackendError) throw error;
    return { ok: false, why: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The wasm backend's kernel layers: the project's wasm kernels, with the native kernels on top when
 * the addon loads (DIGITFUSE_NATIVE=0 turns them off). Installing the stack that is already installed
 * changes nothing.
 */
function useKernelLayers(): Pick<BackendInfo, 'native' | 'nativeWhy'> {
  const loaded = loadNativeAddon();
  installLayers('wasm', loaded.ok ? [wasmKernelLayer, nativeKernelLayer(loaded.addon)] : [wasmKernelLayer]);
  if (!loaded.ok) return { nativeWhy: loaded.why };
  // Read now, not at load time: the thread count may have been changed since (setNativeThreads).
  const { isa, threads } = loaded.addon.info();
  return { native: { isa, threads } };
}

/**
 * The pure-JS backend, with the GPU kernel layer: its stock filter gradient loops over the batch per
 * weight as webgpu's does; with the batched matrix product its training steps are 6-9 times faster.
 */
async function useCpu(): Promise<void> {
  installGpuKernels('cpu');
  silenceCpuBanner();
  await tf.setBackend('cpu');
  silenceCpuBanner();
}
