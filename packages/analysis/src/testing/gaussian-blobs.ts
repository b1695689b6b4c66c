import { createRng } from '@digitfuse/data';

/** `n` points in `dim` dimensions from `k` isotropic Gaussian blobs; labels are the blob index. */
export function gaussianBlobs(
  n: number,
  dim: number,
  k: number,
  seed: number,
  { separation = 10, spread = 1 }: { readonly separation?: number; readonly spread?: number } = {},
): { points: Float32Array; labels: Int32Array } {
  const rng = createRng(seed);
  const centres = new Float64Array(k * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = rng.gaussian() * separation;
  const points = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels[i] = c;
    for (let d = 0; d < dim; d++) points[i * dim + d] = centres[c * dim + d] + rng.gaussian() * spread;
  }
  return { points, labels };
}
