import { AUDIO_SIZE, createRng, IMAGE_SIZE, NUM_CLASSES, type ModelInputs, type PreprocessStats } from '@digitfuse/data';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel, type LoadedModel } from '../io/model-files';
import { disposeModel } from '../network/build-model';
import type { ModelConfig } from '../network/config';
import { train, type TrainData, type TrainOptions, type TrainResult } from '../training/train';

/** A tiny config (filters 2-4, 8 units) that trains fast on the cpu backend. */
export const TINY_CONFIG: Partial<ModelConfig> = Object.freeze({
  imageFilters: Object.freeze([2, 3, 4]),
  audioFilters: Object.freeze([2, 3, 4]),
  units: 8,
  dropout: 0.25,
  learningRate: 0.01,
  seed: 7,
});

/**
 * `n` random rows: images uniform in [0,1], audio roughly standard normal, labels 0..9 (or null).
 * With `learnable`, each label brightens an image stripe and shifts the audio, so a model can learn it.
 */
export function randomInputs(n: number, seed = 1, opts: { labels?: boolean; learnable?: boolean } = {}): ModelInputs {
  const rng = createRng(seed);
  const images = new Float32Array(n * IMAGE_SIZE);
  const audio = new Float32Array(n * AUDIO_SIZE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = rng.int(NUM_CLASSES);
    labels[i] = label;
    for (let j = 0; j < IMAGE_SIZE; j++) {
      const row = Math.floor(j / 28);
      const boost = opts.learnable && Math.floor(row / 3) === label ? 0.6 : 0;
      images[i * IMAGE_SIZE + j] = Math.min(1, rng.next() * 0.4 + boost);
    }
    for (let j = 0; j < AUDIO_SIZE; j++) {
      const gauss = (rng.next() + rng.next() + rng.next() - 1.5) * 2;
      audio[i * AUDIO_SIZE + j] = gauss + (opts.learnable && j % 13 === label ? 1.5 : 0);
    }
  }
  return { n, images, audio, labels: opts.labels === false ? null : labels };
}

/** Plausible preprocessing statistics (for save/load tests). */
export function fakeStats(seed = 3): PreprocessStats {
  const rng = createRng(seed);
  return {
    imageScale: 255,
    audioMean: Float32Array.from({ length: AUDIO_SIZE }, () => rng.next()),
    audioStd: Float32Array.from({ length: AUDIO_SIZE }, () => 0.1 + rng.next()),
  };
}

/** `model` saved with `config` (and fake statistics) to a temporary folder, disposed, and loaded back; the folder is removed. */
export async function saveAndReload(model: tf.LayersModel, config: ModelConfig): Promise<LoadedModel> {
  const dir = mkdtempSync(join(tmpdir(), 'digitfuse-reload-'));
  try {
    await saveModel(dir, model, { config, stats: fakeStats() });
    disposeModel(model);
    return await loadModel(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `train()`, expecting the same number of tensors in memory after every epoch (a long run must not grow). */
export async function trainWithFlatMemory(model: tf.LayersModel, data: TrainData, options: TrainOptions): Promise<TrainResult> {
  const counts: number[] = [];
  const result = await train(model, data, { ...options, callbacks: [...(options.callbacks ?? []), { onEpochEnd: () => void counts.push(tf.memory().numTensors) }] });
  expect(new Set(counts).size).toBe(1);
  return result;
}
