import { defineKernelLayer, installLayers, orBelow, type KernelLayer } from '../kernel-layers';
import { conv2dBackpropFilterMatMul } from './conv2d-backprop-filter-matmul';

/**
 * The project's kernels for a GPU backend (`webgpu`), a layer on its stock kernels and built from
 * them: the convolution filter gradient as a batched matrix product (see
 * `conv2dBackpropFilterMatMul`); the cases it leaves go to the stock kernel. The layer is made per
 * backend name (its kernels call that backend's stock kernels), once; the pure-JS `cpu` backend,
 * whose stock filter gradient loops the same way, gets it too.
 */
const layers = new Map<string, KernelLayer>();

export function gpuKernelLayer(backendName: string): KernelLayer {
  let layer = layers.get(backendName);
  if (layer == null) {
    layer = defineKernelLayer({
      name: 'gpu',
      kernels: { Conv2DBackpropFilter: orBelow((args) => conv2dBackpropFilterMatMul(backendName, args)) },
    });
    layers.set(backendName, layer);
  }
  return layer;
}

/** Makes the GPU layer the kernel layers of `backendName` (a no-op when it is installed). */
export function installGpuKernels(backendName = 'webgpu'): void {
  installLayers(backendName, [gpuKernelLayer(backendName)]);
}
