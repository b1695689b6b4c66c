import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { defineKernelLayer, installedLayers, installLayers, orBelow } from '../kernel-layers';
import { adam, ADAM_KERNEL } from './adam';
import { batchMatMul } from './batch-mat-mul';
import { conv2dBackpropFilter } from './conv2d-backprop-filter';
import { conv2dBackpropInput } from './conv2d-backprop-input';
import { identity } from './identity';
import { maxPoolGrad } from './max-pool-grad';
import { sum } from './sum';

/**
 * The project's wasm training kernels, a layer on the stock wasm kernels: `Conv2DBackpropFilter`
 * (the stock backend has none) and `Conv2DBackpropInput` as XNNPACK forward convolutions or im2col +
 * XNNPACK GEMM, `BatchMatMul` without transposed operands, an exact `MaxPoolGrad`, `Sum` over
 * leading axes (bias gradients) without a transpose, and a copy-free `Identity`; cases they leave
 * (large explicit padding, other reductions, strings) go to the stock kernels. Conv1d gradients go
 * through the same conv2d kernels. `DigitfuseAdam` (no stock kernel) is Adam's update of a variable in
 * one pass (`FusedAdamOptimizer`).
 */
export const wasmKernelLayer = defineKernelLayer<BackendWasm>({
  name: 'wasm',
  kernels: {
    Conv2DBackpropFilter: () => conv2dBackpropFilter,
    Conv2DBackpropInput: orBelow(conv2dBackpropInput),
    MaxPoolGrad: () => maxPoolGrad,
    BatchMatMul: () => batchMatMul,
    Sum: orBelow(sum),
    Identity: orBelow(identity),
    [ADAM_KERNEL]: () => adam,
  },
});

/**
 * Puts the project's wasm kernels at the bottom of the wasm backend's kernel layers (the layers
 * installed above them stay); a no-op when they are there. May run before or after the wasm
 * backend is initialised. Returns the names of the kernels the layer replaces.
 */
export function registerWasmKernels(): readonly string[] {
  const others = installedLayers<BackendWasm>('wasm').filter((layer) => layer !== wasmKernelLayer);
  installLayers('wasm', [wasmKernelLayer, ...others]);
  return wasmKernelLayer.kernelNames;
}
