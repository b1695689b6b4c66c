import { IMAGE_SIDE, IMAGE_SIZE, type ModelInputs } from '@digitfuse/data';
import { predictProba } from '@digitfuse/model';

/** Image shifts (dx, dy) in pixels averaged by test-time augmentation: the original and one pixel each way. */
export const TTA_SHIFTS: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];

/** Images [n * 784] moved by (dx, dy) pixels (right and down are positive), the uncovered border filled with 0. */
export function shiftImages(images: Float32Array, dx: number, dy: number): Float32Array {
  const out = new Float32Array(images.length);
  const n = images.length / IMAGE_SIZE;
  for (let i = 0; i < n; i++) {
    const base = i * IMAGE_SIZE;
    for (let y = Math.max(0, dy); y < Math.min(IMAGE_SIDE, IMAGE_SIDE + dy); y++) {
      const src = base + (y - dy) * IMAGE_SIDE;
      const dst = base + y * IMAGE_SIDE;
      for (let x = Math.max(0, dx); x < Math.min(IMAGE_SIDE, IMAGE_SIDE + dx); x++) out[dst + x] = images[src + x - dx];
    }
  }
  return out;
}

/**
 * Class probabilities [n * 10] averaged over the original images and their one-pixel shifts
 * (test-time augmentation); the audio is left as it is.
 */
export async function predictProbaTta(model: Parameters<typeof predictProba>[0], inputs: ModelInputs, batchSize = 256): Promise<Float32Array> {
  let sum: Float32Array | null = null;
  for (const [dx, dy] of TTA_SHIFTS) {
    const images = dx === 0 && dy === 0 ? inputs.images : shiftImages(inputs.images, dx, dy);
    const p = await predictProba(model, { ...inputs, images }, batchSize);
    if (!sum) sum = p;
    else for (let i = 0; i < p.length; i++) sum[i] += p[i];
  }
  const out = sum as Float32Array;
  for (let i = 0; i < out.length; i++) out[i] /= TTA_SHIFTS.length;
  return out;
}
