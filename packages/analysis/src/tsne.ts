import { QuadTree } from './barnes-hut';
import { AnalysisError } from './errors';
import { pcaProject } from './pca';
import { createRng } from '@digitfuse/data';
import { conditionalProbabilities, nearestNeighbours, symmetricAffinities } from './tsne-affinities';

/** Options for {@link tsne}. */
export interface TsneOptions {
  /** Effective number of neighbours. Default 30; lowered to (n - 1) / 3 for tiny inputs. */
  readonly perplexity?: number;
  /** Gradient-descent iterations. Default 1000. */
  readonly iterations?: number;
  /** Seed for the initial layout. Default 0. */
  readonly seed?: number;
  /** Reduce the input to this many dimensions with PCA first (0 = never). Default 50. */
  readonly pcaDims?: number;
  /** Barnes-Hut accuracy: 0 computes exact repulsion, larger is faster and coarser. Default 0.5. */
  readonly theta?: number;
  /** Step size; 'auto' is max(n / earlyExaggeration, 200). Default 'auto'. */
  readonly learningRate?: number | 'auto';
  /** Factor on the attractive forces during the first phase. Default 12. */
  readonly earlyExaggeration?: number;
  /** Length of the early-exaggeration phase, in iterations. Default 250. */
  readonly exaggerationIterations?: number;
}

/**
 * Barnes-Hut t-SNE (van der Maaten 2014) of `n` points of `dim` dimensions (row-major) to 2-D.
 * Sparse input affinities over the 3 * perplexity nearest neighbours (exact search after PCA),
 * quadtree repulsion, momentum and gains as in the reference implementation. Deterministic for a
 * given seed. Returns [x0, y0, x1, y1, ...].
 */
export function tsne(points: ArrayLike<number>, n: number, dim: number, options: TsneOptions = {}): Float32Array {
  const {
    perplexity = 30,
    iterations = 1000,
    seed = 0,
    pcaDims = 50,
    theta = 0.5,
    learningRate = 'auto',
    earlyExaggeration = 12,
    exaggerationIterations = 250,
  } = options;
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(dim) || dim < 1) {
    throw new AnalysisError(`tsne: expected integer n >= 0 and dim >= 1, got n=${n}, dim=${dim}`);
  }
  if (points.length !== n * dim) {
    throw new AnalysisError(`tsne: expected ${n} x ${dim} = ${n * dim} values, got ${points.length}`);
  }
  if (!(perplexity > 0)) throw new AnalysisError(`tsne: expected perplexity > 0, got ${perplexity}`);
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) {
      throw new AnalysisError(`tsne: value ${i} (row ${Math.floor(i / dim)}) is ${points[i]}, expected a finite number`);
    }
  }
  const out = new Float32Array(2 * n);
  if (n <= 1) return out;

  const reducedDims = pcaDims > 0 && dim > pcaDims ? pcaDims : dim;
  const reduced = pcaProject(points, n, dim, reducedDims);
  const perp = Math.min(perplexity, Math.max((n - 1) / 3, 1));
  const k = Math.min(n - 1, Math.floor(3 * perp));
  const { indices, distances } = nearestNeighbours(reduced, n, reducedDims, k);
  const conditional = conditionalProbabilities(distances, n, k, perp);
  const P = symmetricAffinities(indices, conditional, n, k);

  const rng = createRng(seed + 1);
  const y = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) y[i] = rng.gaussian() * 1e-4;
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  const repulsive = new Float64Array(2 * n);
  const attractive = new Float64Array(2 * n);
  const eta = learningRate === 'auto' ? Math.max(n / earlyExaggeration, 200) : learningRate;
  const tree = new QuadTree();
  const { rowPtr, cols, values } = P;

  for (let iter = 0; iter < iterations; iter++) {
    const exaggeration = iter < exaggerationIterations ? earlyExaggeration : 1;
    const momentum = iter < exaggerationIterations ? 0.5 : 0.8;
    tree.build(y, n);
    const z = tree.repulsion(n, theta, repulsive);
    const invZ = z > 0 ? 1 / z : 0;
    for (let i = 0; i < n; i++) {
      const xi = y[2 * i];
      const yi = y[2 * i + 1];
      let ax = 0;
      let ay = 0;
      for (let e = rowPtr[i]; e < rowPtr[i + 1]; e++) {
        const j = cols[e];
        const dx = xi - y[2 * j];
        const dy = yi - y[2 * j + 1];
        const pq = values[e] / (1 + dx * dx + dy * dy);
        ax += pq * dx;
        ay += pq * dy;
      }
      attractive[2 * i] = ax;
      attractive[2 * i + 1] = ay;
    }
    let meanX = 0;
    let meanY = 0;
    for (let idx = 0; idx < 2 * n; idx++) {
      const grad = exaggeration * attractive[idx] - repulsive[idx] * invZ;
      const gain = Math.sign(grad) !== Math.sign(update[idx]) ? gains[idx] + 0.2 : gains[idx] * 0.8;
      gains[idx] = gain < 0.01 ? 0.01 : gain;
      update[idx] = momentum * update[idx] - eta * gains[idx] * grad;
      y[idx] += update[idx];
      if (idx & 1) meanY += y[idx];
      else meanX += y[idx];
    }
    meanX /= n;
    meanY /= n;
    for (let i = 0; i < n; i++) {
      y[2 * i] -= meanX;
      y[2 * i + 1] -= meanY;
    }
  }
  for (let i = 0; i < 2 * n; i++) out[i] = y[i];
  return out;
}
