import { input, type TensorInfo, type WasmKernelArgs } from '../kernel-support';

/**
 * `Identity` for wasm without a copy: the output shares the input's data (reference counted), as
 * the cpu backend does. The stock kernel copies the whole tensor; tf.layers and the gradient code
 * call it on every activation several times per step. Null for strings (the kernel beneath copies them).
 */
export function identity({ inputs, backend }: WasmKernelArgs): TensorInfo | null {
  const x = input(inputs, 'x');
  if (x.dtype === 'string') return null;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
