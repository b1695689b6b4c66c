import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadOptional, nodeRequire, shortName } from './optional-package';

/**
 * Finding a GPU for the `webgpu` backend: the optional packages `webgpu` (Dawn's Node binding, a
 * prebuilt `dawn.node` inside the npm package) and `@tensorflow/tfjs-backend-webgpu`, a Vulkan
 * loader, and an adapter. Only structural types here: both packages are optional, so nothing may
 * import their types.
 */

/** What a WebGPU adapter says about itself (`adapter.info`, or `requestAdapterInfo()` in older bindings). */
export interface GpuAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

/** The parts of a `GPUAdapter` this project uses. */
export interface GpuAdapterLike {
  readonly info?: GpuAdapterInfoLike;
  requestAdapterInfo?(): Promise<GpuAdapterInfoLike>;
  readonly isFallbackAdapter?: boolean;
  readonly features: { has(name: string): boolean };
  readonly limits: object;
  requestDevice(descriptor?: object): Promise<unknown>;
}

/** The parts of a `GPU` (`navigator.gpu` in a browser) this project uses. */
export interface GpuLike {
  requestAdapter(options?: { readonly powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

/** Dawn's Node binding as the `webgpu` package's `dawn.node` exports it. */
export interface WebgpuBinding {
  /** A `GPU` object; `flags` are Dawn's (e.g. `backend=vulkan`), `[]` for its defaults. */
  create(flags: string[]): GpuLike;
  /** The WebGPU interface objects and constants (`GPUBufferUsage`, `GPUMapMode`, ...) a browser has as globals. */
  readonly globals: object;
}

/** The parts of `@tensorflow/tfjs-backend-webgpu` this project uses (loading it registers its kernels). */
export interface TfjsWebgpu {
  readonly WebGPUBackend: new (device: never, adapterInfo?: GpuAdapterInfoLike) => tf.KernelBackend;
}

/** Where the webgpu backend's parts come from; every field can be replaced (specs pass fakes). */
export interface WebgpuRuntime {
  /** Loads Dawn's binding; throws as `require` does (MODULE_NOT_FOUND naming `webgpu` when it is not installed). */
  readonly loadWebgpu: () => WebgpuBinding;
  /** Loads `@tensorflow/tfjs-backend-webgpu`; throws as `require` does. */
  readonly loadTfjsWebgpu: () => TfjsWebgpu;
  /**
   * Why the system's Vulkan loader cannot be found (`libvulkan.so.1 not found`), or null when it can or
   * the platform does not use one. Checked before Dawn starts, which otherwise prints its own warnings.
   */
  readonly vulkanMissing: () => string | null;
  /**
   * The adapter Dawn would give, found in a child process (whose output is dropped), or null for
   * none; `{ error }` when that failed. `auto` asks it first: Dawn prints warnings of its own while it
   * lists the devices (Mesa's software Vulkan driver, lavapipe, installed on many desktops without a
   * GPU, gives two on every start), and a software adapter is passed over anyway. Absent: not asked.
   */
  readonly screenAdapter?: () => AdapterDescription | null | { readonly error: string };
}

/** The adapter in use, for the backend line and `BackendInfo`. */
export interface AdapterDescription {
  /** e.g. `nvidia`; '' when the driver does not say. */
  readonly vendor: string;
  /** e.g. `ampere`; '' when the driver does not say. */
  readonly architecture: string;
  /** The device or driver description, e.g. `NVIDIA H200`; '' when the driver does not say. */
  readonly device: string;
  /** A software (CPU) adapter, not a GPU. */
  readonly fallback: boolean;
}

/** A usable adapter, with what is needed to start tfjs's backend on it. */
export interface FoundAdapter {
  readonly ok: true;
  readonly binding: WebgpuBinding;
  readonly tfjs: TfjsWebgpu;
  readonly gpu: GpuLike;
  readonly adapter: GpuAdapterLike;
  readonly info: GpuAdapterInfoLike;
  readonly description: AdapterDescription;
}

/** No adapter: `why` for the `auto` line; `expected`, `found` and `fix` for an explicit `--backend webgpu`. */
export interface NoAdapter {
  readonly ok: false;
  readonly why: string;
  readonly expected: string;
  readonly found: string;
  readonly fix: string;
}

export type WebgpuProbe = FoundAdapter | NoAdapter;

/** The Vulkan loader Dawn opens on Linux. */
export const VULKAN_LOADER = 'libvulkan.so.1';

/** What to install for an adapter, per platform. */
export function driverHint(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'a Mac with Metal';
  if (platform === 'win32') return 'a GPU driver with Direct3D 12';
  return 'a GPU driver with Vulkan';
}

/** Where to look for the Vulkan loader and drivers; defaults are this process's. */
export interface VulkanLookup {
  /** Default `process.platform`; only `linux` is checked. */
  readonly platform?: NodeJS.Platform;
  /** LD_LIBRARY_PATH, VK_DRIVER_FILES / VK_ICD_FILENAMES, XDG_CONFIG_DIRS, XDG_DATA_DIRS, HOME. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The dynamic linker's cache. Default `/etc/ld.so.cache`. */
  readonly ldCache?: string;
  /** The linker's default folders. Default the usual glibc ones, multiarch included. */
  readonly libDirs?: readonly string[];
}

const DEFAULT_LIB_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/lib'].flatMap((dir) => [
  dir,
  ...(dir.endsWith('64') ? [] : ['x86_64-linux-gnu', 'aarch64-linux-gnu'].map((triple) => path.join(dir, triple))),
]);

const listOf = (value: string | undefined): string[] => (value ?? '').split(':').filter((s) => s !== '');

/** Whether `dir` holds a driver manifest (`*.json`). */
function hasManifest(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => name.endsWith('.json'));
  } catch {
    return false;
  }
}

/**
 * Why Vulkan cannot work here, or null when it may (or the platform does not use it). Looked up as
 * `dlopen("libvulkan.so.1")` and the Vulkan loader do: the loader in LD_LIBRARY_PATH's folders, the
 * linker cache or the default folders; then a driver manifest (`icd.d/*.json`, e.g. NVIDIA's
 * `nvidia_icd.json`) in the files VK_DRIVER_FILES (or VK_ICD_FILENAMES) names, else in the loader's
 * search folders. Checked so that Dawn is not started for nothing: it prints its own warnings then.
 */
export function checkVulkan(lookup: VulkanLookup = {}): string | null {
  if ((lookup.platform ?? process.platform) !== 'linux') return null;
  const env = lookup.env ?? process.env;
  const libDirs = [...listOf(env['LD_LIBRARY_PATH']), ...(lookup.libDirs ?? DEFAULT_LIB_DIRS)];
  let loader = libDirs.some((dir) => existsSync(path.join(dir, VULKAN_LOADER)));
  if (!loader) {
    try {
      loader = readFileSync(lookup.ldCache ?? '/etc/ld.so.cache').includes(VULKAN_LOADER);
    } catch {
      // no cache: the folders above were all there is
    }
  }
  if (!loader) return `${VULKAN_LOADER} not found`;
  const listed = env['VK_DRIVER_FILES'] != null ? 'VK_DRIVER_FILES' : env['VK_ICD_FILENAMES'] != null ? 'VK_ICD_FILENAMES' : null;
  if (listed != null) {
    const entries = listOf(env[listed]);
    return entries.some((entry) => (entry.endsWith('.json') ? existsSync(entry) : hasManifest(entry))) ? null : `${listed} names no driver manifest that exists`;
  }
  const home = env['HOME'];
  const searched = [
    ...(listOf(env['XDG_CONFIG_DIRS']).length > 0 ? listOf(env['XDG_CONFIG_DIRS']) : ['/etc/xdg']),
    '/etc',
    ...(listOf(env['XDG_DATA_DIRS']).length > 0 ? listOf(env['XDG_DATA_DIRS']) : ['/usr/local/share', '/usr/share']),
    ...(home != null ? [path.join(home, '.local', 'share')] : []),
  ].map((dir) => path.join(dir, 'vulkan', 'icd.d'));
  if (searched.some(hasManifest) || listOf(env['VK_ADD_DRIVER_FILES']).some((f) => existsSync(f))) return null;
  return 'no Vulkan driver manifest found in the icd.d folders';
}

/**
 * Loads the `webgpu` package's prebuilt binding (`dist/<platform>-<arch>/dawn.node`, as its index.js
 * does). The package's entry is an ES module, which `require` loads only on Node >= 20.19 and jest's
 * module registry not at all; the binding is a plain native addon and loads everywhere.
 */
export function loadDawnBinding(): WebgpuBinding {
  return nodeRequire(dawnBindingPath()) as WebgpuBinding;
}

/** The `webgpu` package's `dawn.node` for this platform; throws when the package or the file is missing. */
function dawnBindingPath(): string {
  const dir = path.dirname(nodeRequire.resolve('webgpu/package.json'));
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const file = path.join(dir, 'dist', `${process.platform}-${arch}`, 'dawn.node');
  if (!existsSync(file)) throw new Error(`the webgpu package has no prebuilt dawn.node for ${process.platform}-${arch}`);
  return file;
}

/**
 * Loads tfjs-backend-webgpu (plain JavaScript) by its literal name, so that a bundle (gpu-pack.sh)
 * takes it in together with the one tfjs-core it must share with tfjs.
 */
function loadTfjsWebgpu(): TfjsWebgpu {
  if (typeof require !== 'function') return nodeRequire('@tensorflow/tfjs-backend-webgpu') as TfjsWebgpu;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: a static import would fail where it is not installed
  return require('@tensorflow/tfjs-backend-webgpu') as TfjsWebgpu;
}

/**
 * What the child process of `screenAdapterInChild` runs: Dawn's binding (argv[1]) asked for an
 * adapter; one JSON line with its info's fields as they are (`describeAdapterInfo` reads them here).
 */
const SCREEN_SCRIPT = `
const say = (v) => { process.stdout.write(JSON.stringify(v) + '\\n', () => process.exit(0)); };
try {
  const gpu = require(process.argv[1]).create([]);
  gpu.requestAdapter({ powerPreference: 'high-performance' }).then((a) => {
    if (a == null) return say(null);
    const i = a.info || {};
    say({ vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter === true || a.isFallbackAdapter === true });
  }, (e) => say({ error: String((e && e.message) || e).split('\\n')[0] }));
} catch (e) {
  say({ error: String((e && e.message) || e).split('\\n')[0] });
}`;

/** The adapter Dawn gives, asked in a child process so that its warnings stay there (see `WebgpuRuntime.screenAdapter`). */
export function screenAdapterInChild(env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): AdapterDescription | null | { readonly error: string } {
  let binding: string;
  try {
    binding = dawnBindingPath();
  } catch (error) {
    return { error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
  const child = spawnSync(process.execPath, ['-e', SCREEN_SCRIPT, binding], { encoding: 'utf8', env, timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.error != null) return { error: `the adapter probe failed (${child.error.message})` };
  const line = child.stdout.trim().split('\n').pop() ?? '';
  let answer: GpuAdapterInfoLike | null | { error: string };
  try {
    answer = JSON.parse(line) as GpuAdapterInfoLike | null | { error: string };
  } catch {
    return { error: `the adapter probe ended without an answer (exit ${child.status ?? child.signal})` };
  }
  return answer == null || 'error' in answer ? answer : describeAdapterInfo(answer);
}

/** The real packages and the real Vulkan lookup. */
export const DEFAULT_WEBGPU_RUNTIME: WebgpuRuntime = {
  loadWebgpu: loadDawnBinding,
  loadTfjsWebgpu,
  vulkanMissing: () => checkVulkan(),
  screenAdapter: () => screenAdapterInChild(),
};

/** The answer for `auto` when the only adapter is a software one (the wasm backend is faster on a CPU). */
export function passedOver(adapter: AdapterDescription): NoAdapter {
  const described = describeAdapter(adapter);
  return { ok: false, why: `webgpu passed over (only a ${described})`, expected: 'a GPU', found: described, fix: '' };
}

/** `nvidia ampere, NVIDIA GeForce RTX 3080` (the parts the driver gives). */
export function describeAdapter(d: AdapterDescription): string {
  const name = [d.vendor, d.architecture].filter((s) => s !== '').join(' ');
  const parts = [name, d.device].filter((s) => s !== '');
  if (parts.length === 0) parts.push('unnamed adapter');
  if (d.fallback) parts.push('software fallback adapter');
  return parts.join(', ');
}

/** The adapter as the backend line names it, from what its driver says (`fallback`: the adapter itself says it is one). */
function describeAdapterInfo(info: GpuAdapterInfoLike, fallback = false): AdapterDescription {
  return {
    vendor: textOf(info.vendor),
    architecture: textOf(info.architecture),
    device: textOf(info.device) || textOf(info.description),
    fallback: info.isFallbackAdapter === true || fallback,
  };
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * Finds an adapter; never throws (every failure is a `NoAdapter` saying why). `passOverSoftware`
 * (what `auto` asks): a software adapter is refused, found first by `runtime.screenAdapter` where
 * there is one, so that Dawn does not start in this process for it.
 */
export async function probeWebgpu(runtime: WebgpuRuntime = DEFAULT_WEBGPU_RUNTIME, options: { readonly passOverSoftware?: boolean } = {}): Promise<WebgpuProbe> {
  const hint = driverHint();
  const install = 'npm ci installs the optional packages webgpu and @tensorflow/tfjs-backend-webgpu (they need a supported platform: linux-x64, linux-arm64, darwin, win32)';
  const binding = loadOptional('webgpu', runtime.loadWebgpu);
  if (!binding.ok) {
    return { ok: false, why: `webgpu ${binding.why}`, expected: 'the optional package webgpu', found: `it ${binding.why}`, fix: install };
  }
  const pkg = '@tensorflow/tfjs-backend-webgpu';
  const tfjs = loadOptional(pkg, runtime.loadTfjsWebgpu);
  if (!tfjs.ok) {
    return { ok: false, why: `${shortName(pkg)} ${tfjs.why}`, expected: `the optional package ${pkg}`, found: `it ${tfjs.why}`, fix: install };
  }
  const noAdapter = (cause: string): NoAdapter => ({
    ok: false,
    why: `no WebGPU adapter (${cause === '' ? '' : `${cause}; `}needs ${hint})`,
    expected: 'a WebGPU adapter',
    found: cause === '' ? 'none' : `none (${cause})`,
    fix: `install ${hint}${hint.includes('Vulkan') ? ` (the Vulkan loader ${VULKAN_LOADER}, e.g. Debian's libvulkan1, and the GPU vendor's driver)` : ''}`,
  });
  const missing = runtime.vulkanMissing();
  if (missing != null) return noAdapter(missing);
  if (options.passOverSoftware && runtime.screenAdapter) {
    const screened = runtime.screenAdapter();
    if (screened === null) return noAdapter('');
    if (!('error' in screened) && screened.fallback) return passedOver(screened);
    // An error there is found again, and said, by the probe below.
  }
  try {
    const gpu = binding.value.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter == null) return noAdapter('');
    const info: GpuAdapterInfoLike = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
    const description = describeAdapterInfo(info, adapter.isFallbackAdapter === true);
    return { ok: true, binding: binding.value, tfjs: tfjs.value, gpu, adapter, info, description };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, why: `webgpu failed to start (${message.split('\n')[0]})`, expected: 'a WebGPU adapter', found: `an error (${message.split('\n')[0]})`, fix: `install ${hint}` };
  }
}
