import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackendError } from '../backend-error';

/** The compiled addon's functions (packages/model/native/src/addon.cc). */
export interface NativeAddon {
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, geometry: Int32Array, activation: number): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: Int32Array): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, sizes: Int32Array): void;
  matMul(a: Float32Array, b: Float32Array, c: Float32Array, sizes: Int32Array): void;
  sumRows(x: Float32Array, out: Float32Array, sizes: Int32Array): void;
  setThreads(threads: number): number;
  info(): { isa: string; threads: number };
}

/** Outcome of loading the addon: its functions (`addon.info()` tells its instruction set and threads), or why not. */
export type NativeLoad = { ok: true; addon: NativeAddon } | { ok: false; why: string };

const nodeRequire: NodeJS.Require = typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'noop.js'));

/** Where `native/build.cjs` puts the addon. */
export function nativeAddonPath(): string {
  const pkg = nodeRequire.resolve('@digitfuse/model/package.json');
  return path.join(path.dirname(pkg), 'native', 'build', 'Release', 'digitfuse_native.node');
}

/**
 * Threads for the native kernels: `DIGITFUSE_THREADS` if set (a positive integer), else the cores
 * Node reports. Throws on a malformed value, naming it.
 */
export function nativeThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DIGITFUSE_THREADS;
  if (raw == null || raw.trim() === '') return Math.max(1, os.availableParallelism());
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new BackendError(`DIGITFUSE_THREADS must be a whole number from 1 to 256, got '${raw}'`, 'DIGITFUSE_THREADS');
  }
  return n;
}

let cached: NativeLoad | null = null;

/**
 * Loads the native kernels once: not when `DIGITFUSE_NATIVE=0`, and with a reason when the addon was
 * not built (no compiler at install time) or fails to load.
 */
export function loadNativeAddon(): NativeLoad {
  if (process.env.DIGITFUSE_NATIVE === '0') return { ok: false, why: 'native kernels off (DIGITFUSE_NATIVE=0)' };
  if (cached != null) return cached;
  const file = nativeAddonPath();
  if (!fs.existsSync(file)) {
    cached = { ok: false, why: 'native kernels not built (npx nx run model:build-native)' };
    return cached;
  }
  const wanted = nativeThreadCount();
  try {
    const load: (id: string) => unknown = nodeRequire;
    const addon = load(file) as NativeAddon;
    addon.setThreads(wanted);
    cached = { ok: true, addon };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    cached = { ok: false, why: `native kernels failed to load (${message})` };
  }
  return cached;
}

/**
 * Threads for the native kernels from now on (e.g. fewer when several worker processes share the
 * cores). Returns the count in use, or null when the native kernels are not loaded.
 */
export function setNativeThreads(threads: number): number | null {
  const native = loadNativeAddon();
  return native.ok ? native.addon.setThreads(threads) : null;
}
