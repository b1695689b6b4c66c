import { createRng, permutation, subset, type PreparedData } from '@digitfuse/data';
import { computeEmbeddings, disposeModel, loadModel } from '@digitfuse/model';
import { createHash } from 'node:crypto';
import type { RunContext } from './context';
import { EMBEDDING_KINDS, type EmbeddingMaps, type EmbeddingsInput, type MapSettings } from './report';
import { readKeyed, trialModelDir, writeKeyed } from './run-artifacts';

/** Points in the t-SNE plots (a seeded sample of the validation rows). */
export const EMBEDDING_SAMPLE = 2000;

/** The report's t-SNE and K-means settings for a run (seeded by `report --seed`, else by the run's seed). */
export const reportMapSettings = (ctx: RunContext): MapSettings => ({ seed: ctx.mapSeed ?? ctx.options.seed, clusters: 10, tsne: {} });

/**
 * The report's embeddings: the best trial's model (trained on the split's training rows) on a seeded
 * sample of the validation rows. Null for a model without all three (fused, image, audio).
 */
export async function reportEmbeddings(ctx: RunContext, data: PreparedData, trial: number): Promise<EmbeddingsInput | null> {
  const rng = createRng(ctx.options.seed);
  const valRows = data.split.val;
  const pick = permutation(valRows.length, rng).subarray(0, Math.min(EMBEDDING_SAMPLE, valRows.length));
  const sample = subset(data.train, Int32Array.from(pick, (i) => valRows[i]));
  const { model } = await loadModel(trialModelDir(ctx.layout, trial));
  try {
    const emb = await computeEmbeddings(model, sample);
    // Each kind the model has (an image-only one has no audio embedding).
    const kinds = EMBEDDING_KINDS.filter((kind) => emb[kind]);
    if (kinds.length === 0) return null;
    return {
      labels: sample.labels as Int32Array,
      ...Object.fromEntries(kinds.map((kind) => [kind, emb[kind]?.values])),
      dims: Object.fromEntries(kinds.map((kind) => [kind, emb[kind]?.dim])),
    };
  } finally {
    disposeModel(model);
  }
}

/** A digest of everything a map depends on: the points, their labels and the settings. */
function mapsKey(e: EmbeddingsInput, settings: MapSettings): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ dims: e.dims, settings }));
  for (const a of [e.labels, e.fused, e.image, e.audio]) if (a) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest('hex');
}

/** Maps as JSON: plain arrays (float32 values print and parse back exactly). */
type MapsJson = Record<string, { coords: number[]; assigned: number[] }>;

/** Saves maps computed ahead of the report (`embedding-maps.json`, atomically), keyed by their inputs. */
export function saveMaps(ctx: RunContext, e: EmbeddingsInput, settings: MapSettings, maps: EmbeddingMaps): void {
  const json: MapsJson = Object.fromEntries(Object.entries(maps).map(([kind, m]) => [kind, { coords: Array.from(m.coords), assigned: Array.from(m.assigned) }]));
  writeKeyed(ctx.layout.embeddingMaps, mapsKey(e, settings), json);
}

/** The saved maps when they were computed from these embeddings and settings, else null. */
export function savedMaps(ctx: RunContext, e: EmbeddingsInput, settings: MapSettings): EmbeddingMaps | null {
  const json = readKeyed<MapsJson>(ctx.layout.embeddingMaps, mapsKey(e, settings));
  if (json === null) return null;
  const maps: EmbeddingMaps = {};
  for (const kind of EMBEDDING_KINDS) {
    const m = json[kind];
    if (m) maps[kind] = { coords: Float32Array.from(m.coords), assigned: Int32Array.from(m.assigned) };
  }
  return maps;
}
