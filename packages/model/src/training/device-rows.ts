import * as tf from '@tensorflow/tfjs';
import { AUDIO_SIZE, IMAGE_SIZE, NUM_CLASSES, type ModelInputs } from '@digitfuse/data';
import { LAYER_NAMES } from '../network/layer-names';
import { inputTensors, oneHot, rowRange } from '../network/feed';

/**
 * Where `train()` keeps the training rows during an epoch: `true` uploads them to the backend once and
 * gathers each batch there (a GPU backend then copies no rows per step), `false` copies each batch
 * from the host arrays, `'auto'` uploads on GPU backends (`webgpu`, `tensorflow`) when the rows need
 * no host-side change per batch (augmentation, modality dropout) and fit `DEVICE_ROWS_MAX_BYTES`.
 */
export type DataOnDevice = boolean | 'auto';

/** The most bytes of training rows (images, audio and one-hot labels as float32) `'auto'` uploads: 1 GiB. */
export const DEVICE_ROWS_MAX_BYTES = 1024 ** 3;

/** Backends whose tensors live on a GPU, where a batch copied from the host costs a transfer per step. */
const GPU_BACKENDS = new Set(['webgpu', 'tensorflow']);

/** Float32 bytes of `inputs`' rows as `DeviceRows` holds them (the model's inputs and one-hot labels). */
export function deviceRowBytes(model: tf.LayersModel, inputs: ModelInputs): number {
  const perRow = model.inputNames.reduce((sum, name) => sum + (name === LAYER_NAMES.imageInput ? IMAGE_SIZE : AUDIO_SIZE), NUM_CLASSES);
  return perRow * inputs.n * 4;
}

/**
 * Whether `train()` keeps the rows on the device: the choice, with `'auto'` decided by the backend,
 * whether batches are changed on the host, and the rows' size.
 */
export function keepRowsOnDevice(choice: DataOnDevice, backend: string, hostTransforms: boolean, bytes: number): boolean {
  if (choice !== 'auto') return choice;
  return GPU_BACKENDS.has(backend) && !hostTransforms && bytes <= DEVICE_ROWS_MAX_BYTES;
}

/**
 * The training rows uploaded once (inputs shaped as the model takes them, one-hot labels), and each
 * batch gathered from them on the backend. The batches hold the same values as `inputTensors` and
 * `oneHot` make from the host arrays. `dispose()` frees the uploaded rows.
 */
export class DeviceRows {
  private readonly inputs: tf.Tensor[];
  private readonly labels: tf.Tensor2D;

  constructor(model: tf.LayersModel, data: ModelInputs) {
    const all = rowRange(0, data.n);
    // Every row, in order: the host arrays themselves, shaped by the same code as the host batches.
    this.inputs = inputTensors(model, data, all, { images: data.images, audio: data.audio });
    this.labels = tf.tensor2d(oneHot(data.labels as Int32Array, all), [data.n, NUM_CLASSES]);
  }

  /** The model's inputs and the one-hot labels of `rows`; the caller disposes them. */
  batch(rows: Int32Array): { xs: tf.Tensor[]; y: tf.Tensor } {
    return tf.tidy(() => {
      const index = tf.tensor1d(rows, 'int32');
      return { xs: this.inputs.map((t) => tf.gather(t, index)), y: tf.gather(this.labels, index) };
    });
  }

  dispose(): void {
    tf.dispose([...this.inputs, this.labels]);
  }
}
