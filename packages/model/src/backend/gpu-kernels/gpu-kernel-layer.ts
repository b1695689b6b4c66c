import { defineKernelLayer, installLayers, orBelow, type KernelLayer } from '../kernel-layers';
import { ADAM_DEVICE_KERNEL, adamWebgpu } from './adam-device';
import { conv2dBackpropFilterMatMul } from './conv2d-backprop-filter-matmul';

/**
 * The project's kernels for a GPU backend (`webgpu`), a layer on its stock kernels: the convolution
 * filter gradient as a batched matrix product built from them (see `conv2dBackpropFilterMatMul`; the
 * cases it leaves go to the stock kernel), and on webgpu Adam's update in three WGSL dispatches
 * (`ADAM_DEVICE_KERNEL`, which `FusedAdamOptimizer` uses). The layer is made per backend name (its
 * kernels call that backend's stock kernels), once; the pure-JS `cpu` backend, whose stock filter
 * gradient loops the same way, gets the filter gradient too.
 */
const layers = new Map<string, KernelLayer>();

export function gpuKernelLayer(backendName: string): KernelLayer {
  let layer = layers.get(backendName);
  if (layer == null) {
    layer = defineKernelLayer({
      name: 'gpu',
      kernels: {
        Conv2DBackpropFilter: orBelow((args) => conv2dBackpropFilterMatMul(backendName, args)),
        ...(backendName === 'webgpu' ? { [ADAM_DEVICE_KERNEL]: () => adamWebgpu } : {}),
      },
    });
    layers.set(backendName, layer);
  }
  return layer;
}

/** Makes the GPU layer the kernel layers of `backendName` (a no-op when it is installed). */
export function installGpuKernels(backendName = 'webgpu'): void {
  installLayers(backendName, [gpuKernelLayer(backendName)]);
}
