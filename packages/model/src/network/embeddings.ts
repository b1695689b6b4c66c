import * as tf from '@tensorflow/tfjs';
import type { ModelInputs } from '@digitfuse/data';
import { inputTensors, rowRange } from './feed';
import { LAYER_NAMES } from './layer-names';

/** Which embedding an output of `embeddingModel` holds. */
export type EmbeddingKind = 'image' | 'audio' | 'fused';

const LAYER_OF: Record<EmbeddingKind, string> = {
  image: LAYER_NAMES.imageEmbedding,
  audio: LAYER_NAMES.audioEmbedding,
  fused: LAYER_NAMES.fusedEmbedding,
};

/** The embedding kinds a model has, in the order `embeddingModel` outputs them (image, audio, fused). */
export function embeddingKinds(model: tf.LayersModel): EmbeddingKind[] {
  const names = new Set(model.layers.map((l) => l.name));
  return (Object.keys(LAYER_OF) as EmbeddingKind[]).filter((k) => names.has(LAYER_OF[k]));
}

/**
 * A model sharing `model`'s layers (and weights) that outputs its embeddings: the flattened image
 * branch, the flattened audio branch and the fused dense layer, in that order, skipping a branch the
 * model lacks (see `embeddingKinds`).
 */
export function embeddingModel(model: tf.LayersModel): tf.LayersModel {
  const outputs = embeddingKinds(model).map((k) => model.getLayer(LAYER_OF[k]).output as tf.SymbolicTensor);
  return tf.model({ inputs: model.inputs, outputs, name: `${model.name}_embeddings` });
}

/** One embedding of every row: `values` is [n * dim], row-major. */
export interface Embedding {
  readonly dim: number;
  readonly values: Float32Array;
}

/**
 * Computes the embeddings of all rows in batches; a kind the model lacks is absent from the result.
 * Reads each batch asynchronously (a GPU backend cannot read synchronously in Node).
 */
export async function computeEmbeddings(model: tf.LayersModel, inputs: ModelInputs, batchSize = 256): Promise<Partial<Record<EmbeddingKind, Embedding>>> {
  const kinds = embeddingKinds(model);
  const emb = embeddingModel(model);
  const dims = emb.outputs.map((o) => o.shape[o.shape.length - 1] as number);
  const values = dims.map((d) => new Float32Array(inputs.n * d));
  for (let start = 0; start < inputs.n; start += batchSize) {
    const end = Math.min(inputs.n, start + batchSize);
    const xs = inputTensors(emb, inputs, rowRange(start, end));
    const ys = tf.tidy(() => {
      const out = emb.predict(xs, { batchSize });
      return Array.isArray(out) ? out : [out];
    });
    try {
      const read = await Promise.all(ys.map((y) => y.data()));
      read.forEach((v, i) => values[i].set(v as Float32Array, start * dims[i]));
    } finally {
      tf.dispose([...xs, ...ys]);
    }
  }
  return Object.fromEntries(kinds.map((k, i) => [k, { dim: dims[i], values: values[i] }]));
}
