import { kmeans, tsne, type TsneOptions } from '@digitfuse/analysis';
import type { EmbeddingKind, EmbeddingsInput } from './types';

/** The embedding kinds the report maps, in order. */
export const EMBEDDING_KINDS: readonly EmbeddingKind[] = ['fused', 'image', 'audio'];

/**
 * An embedding kind as the report names it: `fused` is the dense layer after the branches, which fuses
 * nothing in a model without audio (an image-only run's): there it is the dense layer's. `hasAudio`:
 * whether the model has an audio branch (an audio embedding).
 */
export function embeddingLabel(kind: EmbeddingKind, hasAudio: boolean): string {
  return kind === 'fused' && !hasAudio ? 'dense-layer' : kind;
}

/** One embedding's 2-D t-SNE and its K-means clusters. */
export interface EmbeddingMap {
  /** [x0, y0, x1, y1, ...] of the n points. */
  readonly coords: Float32Array;
  /** K-means cluster of each point (0..clusters-1). */
  readonly assigned: Int32Array;
}

export type EmbeddingMaps = Partial<Record<EmbeddingKind, EmbeddingMap>>;

/** What a map depends on besides the embedding: the report's seed, cluster count and t-SNE settings. */
export interface MapSettings {
  readonly seed: number;
  readonly clusters: number;
  readonly tsne: Omit<TsneOptions, 'seed'>;
}

/** Whether n points of `dim` dimensions are enough to map with `clusters` clusters. */
export const mappable = (n: number, dim: number, clusters: number): boolean => n >= Math.max(clusters, 4) && dim > 0;

/** t-SNE of n points of `dim` dimensions (row-major) to 2-D, then K-means on the 2-D points; deterministic for the settings. */
export function embeddingMap(values: Float32Array, n: number, dim: number, settings: MapSettings): EmbeddingMap {
  const coords = tsne(values, n, dim, { ...settings.tsne, seed: settings.seed });
  return { coords, assigned: Int32Array.from(kmeans(coords, n, settings.clusters, settings.seed)) };
}

/**
 * The map of every kind the report draws, computed ahead of the report (e.g. in the process beside
 * the retraining) and handed to it as `EmbeddingsInput.maps`: the same numbers the report would compute.
 */
export function embeddingMaps(e: EmbeddingsInput, settings: MapSettings): EmbeddingMaps {
  const n = e.labels.length;
  const maps: Record<string, EmbeddingMap> = {};
  for (const kind of EMBEDDING_KINDS) {
    const values = e[kind];
    const dim = e.dims[kind];
    if (values !== undefined && dim !== undefined && mappable(n, dim, settings.clusters)) maps[kind] = embeddingMap(values, n, dim, settings);
  }
  return maps;
}
