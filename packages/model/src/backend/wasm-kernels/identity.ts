import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { input, runBase, type TensorInfo } from './wasm-ops';

/**
 * `Identity` for wasm without a copy: the output shares the input's data (reference counted), as
 * the cpu backend does. The stock kernel copies the whole tensor; tf.layers and the gradient code
 * call it on every activation several times per step. Strings go to the stock kernel.
 */
export function identity(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): TensorInfo {
  const { inputs, backend } = args;
  const x = input(inputs, 'x');
  if (x.dtype === 'string') return runBase('Identity', backend, { x });
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
