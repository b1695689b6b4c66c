import * as tf from '@tensorflow/tfjs';

/**
 * Kernel layers: the one way the project puts its own kernels into tfjs's kernel registry.
 *
 * A layer is a named map kernel name -> implementation built from the kernel beneath it (the same
 * kernel of the layer below, or the backend's stock kernel at the bottom), to which it hands the
 * cases it does not cover. `installLayers(backend, [a, b])` makes the registry hold exactly that
 * stack (b over a over stock); installing the same stack again changes nothing, and the layers a
 * new stack shares at its bottom with the installed one are kept as they are.
 */

/** What a kernel is called with. */
export interface KernelArgs<B extends tf.KernelBackend = tf.KernelBackend> {
  readonly inputs: tf.NamedTensorInfoMap;
  readonly backend: B;
  readonly attrs: tf.NamedAttrMap;
}

/** A kernel implementation. */
export type Kernel<B extends tf.KernelBackend = tf.KernelBackend> = (args: KernelArgs<B>) => tf.TensorInfo | tf.TensorInfo[];

/** Builds a layer's kernel from the kernel beneath it (`below`: the cases the layer leaves alone). */
export type KernelFactory<B extends tf.KernelBackend = tf.KernelBackend> = (below: Kernel<B>) => Kernel<B>;

export interface KernelLayerArgs<B extends tf.KernelBackend = tf.KernelBackend> {
  /** Names the layer in stacks and messages (`'wasm'`, `'native'`); unique within a stack. */
  readonly name: string;
  /** Kernel name -> its implementation, built from the kernel beneath it. At least one. */
  readonly kernels: Readonly<Record<string, KernelFactory<B>>>;
}

/** A named set of kernels that sits on the kernels beneath it; see `defineKernelLayer`. */
export class KernelLayer<B extends tf.KernelBackend = tf.KernelBackend> {
  readonly name: string;
  /** The kernels this layer replaces. */
  readonly kernelNames: readonly string[];
  private readonly factories: ReadonlyMap<string, KernelFactory<B>>;

  constructor(args: KernelLayerArgs<B>) {
    if (args.name.trim() === '') throw new Error('Expected a kernel layer to have a name, found an empty string');
    this.factories = new Map(Object.entries(args.kernels));
    if (this.factories.size === 0) throw new Error(`Expected kernel layer '${args.name}' to define at least one kernel`);
    this.name = args.name;
    this.kernelNames = [...this.factories.keys()];
  }

  /** This layer's kernel `kernelName` on top of `below`. */
  build(kernelName: string, below: Kernel<B>): Kernel<B> {
    const factory = this.factories.get(kernelName);
    if (factory == null) throw new Error(`Kernel layer '${this.name}' has no '${kernelName}' kernel`);
    return factory(below);
  }
}

/** A kernel layer; e.g. `defineKernelLayer({ name: 'native', kernels: { Conv2D: (below) => (args) => ... } })`. */
export function defineKernelLayer<B extends tf.KernelBackend = tf.KernelBackend>(args: KernelLayerArgs<B>): KernelLayer<B> {
  return new KernelLayer(args);
}

/**
 * The usual factory: `covered(args)` computes the result, or returns null for a case it does not
 * cover, which then goes to the kernel beneath.
 */
export function orBelow<B extends tf.KernelBackend>(covered: (args: KernelArgs<B>) => tf.TensorInfo | null): KernelFactory<B> {
  return (below) => (args) => covered(args) ?? below(args);
}

/** A layer as installed: its registered configs, each built on the kernel beneath it. */
interface Installed {
  readonly layer: KernelLayer;
  readonly configs: ReadonlyMap<string, tf.KernelConfig>;
}

/** Per backend: its layers, bottom first. */
const stacks = new Map<string, readonly Installed[]>();

/**
 * Per backend: the kernel registered before any layer claimed its name (the stock kernel; null if the
 * backend has none), recorded when first needed.
 */
const stock = new Map<string, Map<string, tf.KernelConfig | null>>();

function stockConfig(backendName: string, kernelName: string): tf.KernelConfig | null {
  let byName = stock.get(backendName);
  if (byName == null) {
    byName = new Map();
    stock.set(backendName, byName);
  }
  if (!byName.has(kernelName)) byName.set(kernelName, tf.getKernel(kernelName, backendName) ?? null);
  return byName.get(kernelName) ?? null;
}

/** The config a stack registers for `kernelName`: its topmost layer's that has one. */
function topConfig(stack: readonly Installed[], kernelName: string): tf.KernelConfig | undefined {
  for (let i = stack.length - 1; i >= 0; i--) {
    const config = stack[i].configs.get(kernelName);
    if (config != null) return config;
  }
  return undefined;
}

/**
 * The backend's own kernel of that name, beneath every layer (what the layers' kernels are built
 * from); null if the backend has none.
 */
export function stockKernel<B extends tf.KernelBackend>(backendName: string, kernelName: string): Kernel<B> | null {
  const config = stockConfig(backendName, kernelName);
  return config == null ? null : (config.kernelFunc as unknown as Kernel<B>);
}

/**
 * Runs the backend's own kernel `kernelName` (beneath every layer) on kernel-level tensors, as a
 * layer's kernel builds on them; the caller owns (and disposes) the result. Throws if the backend
 * has no such kernel.
 */
export function runStock<B extends tf.KernelBackend>(
  backendName: string,
  kernelName: string,
  backend: B,
  inputs: tf.NamedTensorInfoMap | tf.TensorInfo[],
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = stockKernel<B>(backendName, kernelName);
  if (kernel == null) throw new Error(`The ${backendName} backend has no '${kernelName}' kernel; is its package loaded?`);
  return kernel({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
}

/** The layers installed for a backend, bottom first (`B`: that backend's class, e.g. `BackendWasm`). */
export function installedLayers<B extends tf.KernelBackend = tf.KernelBackend>(backendName: string): readonly KernelLayer<B>[] {
  return (stacks.get(backendName) ?? []).map((installed) => installed.layer as unknown as KernelLayer<B>);
}

/**
 * Makes `layers` (bottom first) the kernel layers of `backendName`. The layers the installed stack
 * shares at its bottom are kept (their configs stay registered, the same objects); the rest are
 * rebuilt on them, and only the kernel names whose registered config changes are unregistered and
 * registered again. Installing the installed stack is a no-op; `[]` restores the stock kernels.
 * May run before or after the backend is initialised (a layer's kernel keeps the set-up function of
 * the kernel beneath it).
 */
export function installLayers<B extends tf.KernelBackend>(backendName: string, layers: readonly KernelLayer<B>[]): void {
  const names = layers.map((layer) => layer.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice != null) throw new Error(`Kernel layer '${twice}' appears twice in the stack [${names.join(', ')}] for backend '${backendName}'`);
  const current = stacks.get(backendName) ?? [];
  checkRegistered(backendName, current);
  let kept = 0;
  while (kept < current.length && kept < layers.length && current[kept].layer === (layers[kept] as unknown as KernelLayer)) kept++;
  if (kept === current.length && kept === layers.length) return;
  const next = current.slice(0, kept);
  for (const layer of layers.slice(kept)) next.push(instantiate(backendName, layer, next));
  const changed = new Set([...current.slice(kept), ...next.slice(kept)].flatMap((installed) => [...installed.configs.keys()]));
  for (const kernelName of changed) {
    const wanted = topConfig(next, kernelName) ?? stockConfig(backendName, kernelName);
    const registered = tf.getKernel(kernelName, backendName);
    if (registered === wanted) continue;
    if (registered != null) tf.unregisterKernel(kernelName, backendName);
    if (wanted != null) tf.registerKernel(wanted);
  }
  stacks.set(backendName, next);
}

/** Takes the layer of that name out of the backend's stack (the layers above it are rebuilt); no-op if absent. */
export function removeLayer(backendName: string, layerName: string): void {
  const layers = installedLayers(backendName);
  if (layers.some((layer) => layer.name === layerName)) {
    installLayers(backendName, layers.filter((layer) => layer.name !== layerName));
  }
}

/** A layer's configs for a backend, each kernel built on the one `beneath` registers (or the stock one). */
function instantiate<B extends tf.KernelBackend>(backendName: string, layer: KernelLayer<B>, beneath: readonly Installed[]): Installed {
  const configs = new Map<string, tf.KernelConfig>();
  for (const kernelName of layer.kernelNames) {
    const below = topConfig(beneath, kernelName) ?? stockConfig(backendName, kernelName);
    const belowKernel = below == null ? nothingBelow<B>(backendName, layer.name, kernelName) : (below.kernelFunc as unknown as Kernel<B>);
    configs.set(kernelName, {
      kernelName,
      backendName,
      kernelFunc: layer.build(kernelName, belowKernel) as unknown as tf.KernelFunc,
      setupFunc: below?.setupFunc,
      disposeFunc: below?.disposeFunc,
    });
  }
  return { layer: layer as unknown as KernelLayer, configs };
}

function nothingBelow<B extends tf.KernelBackend>(backendName: string, layerName: string, kernelName: string): Kernel<B> {
  return () => {
    throw new Error(`Kernel '${kernelName}' of layer '${layerName}' does not cover this case, and backend '${backendName}' has no '${kernelName}' beneath it`);
  };
}

/** Throws if a kernel the stack registered was replaced behind its back (then its fallbacks would be wrong). */
function checkRegistered(backendName: string, stack: readonly Installed[]): void {
  for (const installed of stack) {
    for (const kernelName of installed.configs.keys()) {
      if (tf.getKernel(kernelName, backendName) !== topConfig(stack, kernelName)) {
        throw new Error(
          `Kernel '${kernelName}' of backend '${backendName}' was re-registered outside the kernel layers ` +
            `[${stack.map((i) => i.layer.name).join(', ')}]; change kernels with installLayers()`,
        );
      }
    }
  }
}
