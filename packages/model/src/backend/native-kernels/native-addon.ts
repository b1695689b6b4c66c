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
  /** dz = dy * (y > 0), dbias = column sums of dz (as `sumRows`), over sizes [rows, cols], in one pass. */
  reluBiasGrad(dy: Float32Array, y: Float32Array, dz: Float32Array, dbias: Float32Array, sizes: Int32Array): void;
  /** Adam's update of sizes[0] values into xo, mo, vo (`constants`: see `adamConstants`), bit-identical to tfjs's. */
  adam(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, xo: Float32Array, mo: Float32Array, vo: Float32Array, constants: Float32Array, sizes: Int32Array): void;
  setThreads(threads: number): number;
  info(): { isa: string; threads: number };
  /** The instruction sets this CPU and build can run, best first (a subset of `NATIVE_ISAS`). */
  isas(): string[];
  /** Uses that instruction set's micro-kernels from now on; throws if the CPU lacks it. Returns it. */
  setIsa(isa: string): string;
  /** GFLOP/s of register-only FMAs (one FMA = 2) with the current instruction set and threads, best over about `seconds`. */
  fmaPeak(seconds: number): number;
}

/** The native kernels' instruction sets (micro-kernel sets), best first: the values of `DIGITFUSE_ISA`. */
export const NATIVE_ISAS = ['avx512', 'avx2', 'portable'] as const;
export type NativeIsa = (typeof NATIVE_ISAS)[number];

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
    throw new BackendError(`DIGITFUSE_THREADS must be a whole number from 1 to 256, found '${raw}'`, 'DIGITFUSE_THREADS');
  }
  return n;
}

/**
 * The instruction set `DIGITFUSE_ISA` forces (`avx512`, `avx2` or `portable`), or null when it is not
 * set (the best the CPU has is used). Throws on any other value, naming it and the choices.
 */
export function nativeIsaChoice(env: NodeJS.ProcessEnv = process.env): NativeIsa | null {
  const raw = env.DIGITFUSE_ISA;
  if (raw == null || raw.trim() === '') return null;
  const isa = NATIVE_ISAS.find((name) => name === raw.trim());
  if (isa == null) throw new BackendError(`DIGITFUSE_ISA must be one of ${NATIVE_ISAS.join(', ')}, found '${raw}'`, 'DIGITFUSE_ISA');
  return isa;
}

/**
 * Whether `DIGITFUSE_NATIVE` lets the native kernels load: unset, empty or `1` (the default) yes, `0`
 * no. Throws on any other value (`off`, `false`, ...), naming it, rather than leaving them on unsaid.
 */
export function nativeWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.DIGITFUSE_NATIVE;
  if (raw == null || raw.trim() === '' || raw.trim() === '1') return true;
  if (raw.trim() === '0') return false;
  throw new BackendError(`DIGITFUSE_NATIVE must be 0 (native kernels off) or 1 (on, the default), found '${raw}'`, 'DIGITFUSE_NATIVE');
}

/**
 * The native kernels' environment variables (DIGITFUSE_NATIVE, DIGITFUSE_ISA, DIGITFUSE_THREADS)
 * checked without loading the kernels: a BackendError naming the first bad one. A run checks them
 * before it writes anything: read only as the search's backend started, a bad one failed the run
 * after its data stage had written run.json, and the same command again was told to --resume.
 */
export function checkNativeEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  nativeWanted(env);
  nativeIsaChoice(env);
  nativeThreadCount(env);
}

/** Switches a loaded addon to `isa`, or throws a BackendError naming what the CPU has instead. */
export function useNativeIsa(addon: NativeAddon, isa: NativeIsa): void {
  const available = addon.isas();
  if (!available.includes(isa)) {
    throw new BackendError(`DIGITFUSE_ISA=${isa}: this CPU lacks it (it has ${available.join(', ')})`, 'DIGITFUSE_ISA');
  }
  addon.setIsa(isa);
}

let cached: NativeLoad | null = null;

/**
 * Loads the native kernels once: not when `DIGITFUSE_NATIVE=0` (another value than 0 or 1: a BackendError), and with a reason when the addon was
 * not built (no compiler at install time) or fails to load. The micro-kernels are the best the CPU
 * has, or those `DIGITFUSE_ISA` names (a BackendError when the value is unknown or the CPU lacks it).
 */
export function loadNativeAddon(): NativeLoad {
  if (!nativeWanted()) return { ok: false, why: 'native kernels off (DIGITFUSE_NATIVE=0)' };
  if (cached != null) return cached;
  const file = nativeAddonPath();
  if (!fs.existsSync(file)) {
    cached = { ok: false, why: 'native kernels not built (npx nx run model:build-native)' };
    return cached;
  }
  const wanted = nativeThreadCount();
  const isa = nativeIsaChoice();
  let addon: NativeAddon;
  try {
    const load: (id: string) => unknown = nodeRequire;
    addon = load(file) as NativeAddon;
    addon.setThreads(wanted);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    cached = { ok: false, why: `native kernels failed to load (${message})` };
    return cached;
  }
  // Outside the try: a forced instruction set the CPU lacks is the user's error, not a load failure.
  if (isa != null) useNativeIsa(addon, isa);
  cached = { ok: true, addon };
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

/**
 * The FMA peak of the machine in GFLOP/s for the native kernels' instruction set and thread count
 * (a register-only probe in the addon, best over about `seconds`), or null when they are not loaded.
 */
export function nativeFmaPeak(seconds = 0.5): number | null {
  const native = loadNativeAddon();
  return native.ok ? native.addon.fmaPeak(seconds) : null;
}
