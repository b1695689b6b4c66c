import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from './backend-error';
import { silenceCpuBanner } from './silence-banner';
import { installLayers } from './kernel-layers';
import { loadNativeAddon } from './native-kernels/native-addon';
import { nativeKernelLayer } from './native-kernels/native-kernel-layer';
import { registerWasmKernels, wasmKernelLayer } from './wasm-kernels/wasm-kernel-layer';

/** `--backend` values: `auto` picks the fastest that loads. */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** All accepted `--backend` values, for CLI parsers. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** The backend in use after `selectBackend`. */
export interface BackendInfo {
  /** tfjs backend name: `tensorflow` (tfjs-node / tfjs-node-gpu), `wasm` or `cpu`. */
  readonly name: 'tensorflow' | 'wasm' | 'cpu';
  /** Why this backend: what was asked for and what was tried before it. */
  readonly reason: string;
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

/** CommonJS `require` (also when this file is loaded as an ES module). */
const nodeRequire: NodeJS.Require = typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'noop.js'));

/** Native packages tried, in order, for the `tensorflow` backend. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * Chooses and initialises the tfjs backend, prints ONE line saying which and why, and returns it.
 *
 * `auto`: `@tensorflow/tfjs-node-gpu` if it loads (CUDA), else `@tensorflow/tfjs-node` if installed,
 * else `wasm` with the project's training kernels (and, where the addon was built, the native
 * kernels on top: see `BackendInfo.native`), else `cpu`. An explicit choice that cannot be
 * used throws `BackendError`. Calling it again is cheap and gives the same answer.
 *
 * @param choice default `'auto'`
 * @param log where the one line goes; default `console.log`
 */
export async function selectBackend(
  choice: BackendChoice = 'auto',
  log: (line: string) => void = console.log,
): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new BackendError(
      `Unknown --backend '${String(choice)}': expected one of ${BACKEND_CHOICES.join(', ')}`,
      String(choice),
    );
  }
  const info = await choose(choice);
  const details = info.name === 'wasm' ? wasmDetails(info) : '';
  log(`backend: ${info.name}${details} — ${info.reason}`);
  return info;
}

function plural(n: number | undefined, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function wasmDetails(info: BackendInfo): string {
  const wasm = `(${info.simd ? 'SIMD' : 'no SIMD'}, ${plural(info.threads, 'thread')})`;
  if (info.native != null) return ` ${wasm} + native kernels (${info.native.isa}, ${plural(info.native.threads, 'thread')})`;
  return ` ${wasm}, ${info.nativeWhy ?? 'no native kernels'}`;
}

async function choose(choice: BackendChoice): Promise<BackendInfo> {
  switch (choice) {
    case 'tensorflow': {
      const tried = await tryNative();
      if (tried.ok) return { name: 'tensorflow', reason: `--backend tensorflow: using ${tried.pkg}` };
      throw new BackendError(`--backend tensorflow is not available: ${tried.why.join('; ')}`, choice);
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
      const native = await tryNative();
      if (native.ok) return { name: 'tensorflow', reason: `auto: ${native.pkg} loaded` };
      const wasm = await tryWasm();
      if (wasm.ok) return { name: 'wasm', reason: native.why.join(', '), ...wasm.details };
      await useCpu();
      return { name: 'cpu', reason: `${native.why.join(', ')}, wasm failed (${wasm.why})` };
    }
  }
}

type NativeResult = { ok: true; pkg: string } | { ok: false; why: string[] };

async function tryNative(): Promise<NativeResult> {
  const why: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    const loaded = loadOptional(pkg);
    if (loaded !== true) {
      why.push(`${pkg.replace('@tensorflow/', '')} ${loaded}`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') == null) {
      why.push(`${pkg.replace('@tensorflow/', '')} loaded but registered no 'tensorflow' backend (another @tensorflow/tfjs-core copy?)`);
      continue;
    }
    if (await tf.setBackend('tensorflow')) return { ok: true, pkg };
    why.push(`${pkg.replace('@tensorflow/', '')} failed to initialise`);
  }
  return { ok: false, why };
}

/** `true` if the package loaded, else a short reason ("not installed", "failed to load: ..."). */
function loadOptional(pkg: string): true | string {
  try {
    // A computed name keeps bundlers and the type checker away from the optional native packages.
    const load: (id: string) => unknown = nodeRequire;
    load(pkg);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'MODULE_NOT_FOUND' && message.includes(pkg)) return 'not installed';
    return `failed to load (${message.split('\n')[0]})`;
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

async function useCpu(): Promise<void> {
  silenceCpuBanner();
  await tf.setBackend('cpu');
  silenceCpuBanner();
}
