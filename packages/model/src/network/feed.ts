import * as tf from '@tensorflow/tfjs';
import { AUDIO_COEFFS, AUDIO_FRAMES, AUDIO_SIZE, DataError, IMAGE_SIDE, IMAGE_SIZE, NUM_CLASSES, type ModelInputs } from '@digitfuse/data';
import { LAYER_NAMES } from './layer-names';

/** Throws a DataError unless the arrays have the sizes `n` implies (and labels, when required, are 0..9). */
export function checkInputs(inputs: ModelInputs, what: string, needLabels: boolean): void {
  const { n, images, audio, labels } = inputs;
  if (!Number.isInteger(n) || n < 0) throw new DataError(`Expected ${what}.n to be a non-negative integer, found ${n}`);
  if (images.length !== n * IMAGE_SIZE) {
    throw new DataError(`Expected ${what}.images to hold ${n} x ${IMAGE_SIZE} values, found ${images.length}`);
  }
  if (audio.length !== n * AUDIO_SIZE) {
    throw new DataError(`Expected ${what}.audio to hold ${n} x ${AUDIO_SIZE} values, found ${audio.length}`);
  }
  if (needLabels) {
    if (labels === null) throw new DataError(`Expected ${what} to have labels, found none`);
    if (labels.length !== n) throw new DataError(`Expected ${what}.labels to hold ${n} values, found ${labels.length}`);
    for (let i = 0; i < n; i++) {
      if (!(labels[i] >= 0 && labels[i] < NUM_CLASSES)) {
        throw new DataError(`Expected ${what}.labels in 0..${NUM_CLASSES - 1}, found ${labels[i]} at row ${i}`);
      }
    }
  }
}

/** Copies the given rows of a flat row-major array into a new array. */
export function gatherRows(src: Float32Array, width: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
  return out;
}

/** One-hot encodes the given rows' labels as [rows, 10]. */
export function oneHot(labels: Int32Array, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * NUM_CLASSES);
  for (let i = 0; i < rows.length; i++) out[i * NUM_CLASSES + labels[rows[i]]] = 1;
  return out;
}

/** Rows start..end-1. */
export function rowRange(start: number, end: number): Int32Array {
  const out = new Int32Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

/**
 * The model's input tensors for the given rows, in `model.inputNames` order (a single-branch model
 * gets only its branch). `replace.images` / `replace.audio` may stand in for the rows' images
 * ([rows*784]) or audio ([rows*507]), e.g. augmented copies.
 */
export function inputTensors(
  model: tf.LayersModel,
  inputs: ModelInputs,
  rows: ArrayLike<number>,
  replace: { readonly images?: Float32Array; readonly audio?: Float32Array } = {},
): tf.Tensor[] {
  const { images, audio } = replace;
  const b = rows.length;
  return model.inputNames.map((name) => {
    if (name === LAYER_NAMES.imageInput) {
      return tf.tensor4d(images ?? gatherRows(inputs.images, IMAGE_SIZE, rows), [b, IMAGE_SIDE, IMAGE_SIDE, 1]);
    }
    if (name === LAYER_NAMES.audioInput) {
      return tf.tensor3d(audio ?? gatherRows(inputs.audio, AUDIO_SIZE, rows), [b, AUDIO_FRAMES, AUDIO_COEFFS]);
    }
    throw new Error(`Model input \`${name}\` is not one of \`${LAYER_NAMES.imageInput}\`, \`${LAYER_NAMES.audioInput}\``);
  });
}
