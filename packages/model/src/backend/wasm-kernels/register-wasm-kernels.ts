import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchMatMul } from './batch-mat-mul';
import { conv2dBackpropFilter } from './conv2d-backprop-filter';
import { makeConv2dBackpropInput } from './conv2d-backprop-input';
import { identity } from './identity';
import { maxPoolGrad } from './max-pool-grad';
import { sum } from './sum';
import { captureBaseKernels, type TensorInfo } from './wasm-ops';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap };

/** Names of the kernels `registerWasmKernels` installs for the `wasm` backend. */
export const WASM_KERNEL_NAMES = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul', 'Sum', 'Identity'] as const;

let installed: Map<string, tf.KernelConfig> | null = null;

/**
 * Registers the project's wasm training kernels in tfjs's kernel registry (replacing the stock ones
 * where the wasm backend has them): `Conv2DBackpropFilter` and `Conv2DBackpropInput` as XNNPACK
 * forward convolutions or im2col + XNNPACK GEMM, `BatchMatMul` without transposed operands, an exact
 * `MaxPoolGrad`, `Sum` over leading axes (bias gradients) without a transpose, and a copy-free
 * `Identity`.
 * Conv1d gradients go through the same conv2d kernels. Idempotent; may run before or after the wasm
 * backend is initialised. Returns the names of the kernels it installed.
 */
export function registerWasmKernels(): readonly string[] {
  if (installed != null && [...installed].every(([name, cfg]) => tf.getKernel(name, 'wasm') === cfg)) {
    return WASM_KERNEL_NAMES;
  }
  captureBaseKernels();
  const stockInput = stock('Conv2DBackpropInput');
  stock('BatchMatMul');
  stock('MaxPoolGrad');
  stock('Sum');
  stock('Identity');
  const configs: tf.KernelConfig[] = [
    { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: asKernelFunc(conv2dBackpropFilter) },
    {
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      kernelFunc: asKernelFunc(makeConv2dBackpropInput(stockInput.kernelFunc as unknown as (a: KernelArgs) => TensorInfo)),
    },
    { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: asKernelFunc(maxPoolGrad) },
    { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: asKernelFunc(batchMatMul) },
    { kernelName: 'Sum', backendName: 'wasm', kernelFunc: asKernelFunc(sum) },
    { kernelName: 'Identity', backendName: 'wasm', kernelFunc: asKernelFunc(identity) },
  ];
  const next = new Map<string, tf.KernelConfig>();
  for (const config of configs) {
    // The stock kernel we replace (or call) still needs its wasm bindings set up when the backend
    // initialises after this registration.
    const stockSetup = stockConfigs.get(config.kernelName)?.setupFunc;
    if (stockSetup != null) config.setupFunc = stockSetup;
    if (tf.getKernel(config.kernelName, 'wasm') != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    next.set(config.kernelName, config);
  }
  installed = next;
  return WASM_KERNEL_NAMES;
}

/** The stock wasm kernel of that name (captured once, before this module replaced it). */
const stockConfigs = new Map<string, tf.KernelConfig>();
function stock(name: string): tf.KernelConfig {
  let config = stockConfigs.get(name);
  if (config == null) {
    config = tf.getKernel(name, 'wasm');
    if (config == null) throw new Error(`The wasm backend has no stock '${name}' kernel to build on`);
    stockConfigs.set(name, config);
  }
  return config;
}

function asKernelFunc(fn: (args: KernelArgs) => TensorInfo): tf.KernelFunc {
  return fn as unknown as tf.KernelFunc;
}

/**
 * Puts the stock wasm kernels back (benchmarks compare before/after; the stock backend has no
 * `Conv2DBackpropFilter`, so that one is simply removed). No-op if nothing is installed.
 */
export function unregisterWasmKernels(): void {
  if (installed == null) return;
  for (const [name, cfg] of installed) {
    if (tf.getKernel(name, 'wasm') === cfg) tf.unregisterKernel(name, 'wasm');
    const original = stockConfigs.get(name);
    if (original != null) tf.registerKernel(original);
  }
  installed = null;
}
