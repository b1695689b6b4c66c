/** Symmetric sparse joint probabilities P (CSR), summing to 1 over all (i, j). */
export interface SparseAffinities {
  readonly n: number;
  /** Row start offsets, length n + 1. */
  readonly rowPtr: Int32Array;
  readonly cols: Int32Array;
  readonly values: Float64Array;
}

/**
 * Exact k nearest neighbours (squared Euclidean) of each of `n` points in `dim` dimensions.
 * Returns neighbour indices and squared distances, `k` per point, nearest first.
 */
export function nearestNeighbours(
  points: Float64Array,
  n: number,
  dim: number,
  k: number,
): { indices: Int32Array; distances: Float64Array } {
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += points[i * dim + d] ** 2;
    norms[i] = s;
  }
  // Max-heap of the k best so far (heapDist[0] is the worst kept).
  const heapDist = new Float64Array(k);
  const heapIdx = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    let size = 0;
    const rowI = i * dim;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const rowJ = j * dim;
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += points[rowI + d] * points[rowJ + d];
      const dist = Math.max(norms[i] + norms[j] - 2 * dot, 0);
      if (size < k) {
        // Sift up.
        let pos = size++;
        while (pos > 0) {
          const parent = (pos - 1) >> 1;
          if (heapDist[parent] >= dist) break;
          heapDist[pos] = heapDist[parent];
          heapIdx[pos] = heapIdx[parent];
          pos = parent;
        }
        heapDist[pos] = dist;
        heapIdx[pos] = j;
      } else if (dist < heapDist[0]) {
        // Replace the root and sift down.
        let pos = 0;
        for (;;) {
          const left = 2 * pos + 1;
          if (left >= k) break;
          const right = left + 1;
          const child = right < k && heapDist[right] > heapDist[left] ? right : left;
          if (heapDist[child] <= dist) break;
          heapDist[pos] = heapDist[child];
          heapIdx[pos] = heapIdx[child];
          pos = child;
        }
        heapDist[pos] = dist;
        heapIdx[pos] = j;
      }
    }
    // Sort the kept neighbours nearest first (k is small).
    const order = Array.from({ length: size }, (_, t) => t).sort(
      (a, b) => heapDist[a] - heapDist[b] || heapIdx[a] - heapIdx[b],
    );
    for (let t = 0; t < size; t++) {
      indices[i * k + t] = heapIdx[order[t]];
      distances[i * k + t] = heapDist[order[t]];
    }
  }
  return { indices, distances };
}

/**
 * Conditional probabilities p(j|i) over each point's `k` neighbours, with a Gaussian bandwidth
 * found by bisection so that the entropy equals log(perplexity). Returned row-major [n*k].
 */
export function conditionalProbabilities(
  distances: Float64Array,
  n: number,
  k: number,
  perplexity: number,
): Float64Array {
  const target = Math.log(perplexity);
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const off = i * k;
    const minDist = distances[off];
    let beta = 1;
    let lo = 0;
    let hi = Infinity;
    // Scale the starting beta to the data so bisection starts near the answer.
    const spread = distances[off + k - 1] - minDist;
    if (spread > 0) beta = 1 / spread;
    for (let iter = 0; iter < 100; iter++) {
      let sum = 0;
      let weighted = 0;
      for (let t = 0; t < k; t++) {
        const shifted = distances[off + t] - minDist;
        const w = Math.exp(-beta * shifted);
        p[off + t] = w;
        sum += w;
        weighted += shifted * w;
      }
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      for (let t = 0; t < k; t++) p[off + t] /= sum;
      const diff = entropy - target;
      if (Math.abs(diff) < 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
  }
  return p;
}

/**
 * t-SNE's joint probabilities P = (p(j|i) + p(i|j)) / 2n from k-nearest-neighbour conditionals,
 * as a symmetric sparse matrix.
 */
export function symmetricAffinities(
  indices: Int32Array,
  conditional: Float64Array,
  n: number,
  k: number,
): SparseAffinities {
  // Transpose of the neighbour graph: for each j, the rows i that list j.
  const inCount = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) inCount[indices[e] + 1]++;
  for (let j = 0; j < n; j++) inCount[j + 1] += inCount[j];
  const inRows = new Int32Array(n * k);
  const inVals = new Float64Array(n * k);
  const fill = inCount.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      const pos = fill[j]++;
      inRows[pos] = i;
      inVals[pos] = conditional[i * k + t];
    }
  }

  const acc = new Float64Array(n);
  const seen = new Uint8Array(n);
  const touched: number[] = [];
  const rowPtr = new Int32Array(n + 1);
  const cols: number[] = [];
  const values: number[] = [];
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    touched.length = 0;
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      if (!seen[j]) {
        seen[j] = 1;
        touched.push(j);
      }
      acc[j] += conditional[i * k + t];
    }
    for (let pos = inCount[i]; pos < inCount[i + 1]; pos++) {
      const j = inRows[pos];
      if (!seen[j]) {
        seen[j] = 1;
        touched.push(j);
      }
      acc[j] += inVals[pos];
    }
    touched.sort((a, b) => a - b);
    for (const j of touched) {
      cols.push(j);
      values.push(acc[j] * scale);
      acc[j] = 0;
      seen[j] = 0;
    }
    rowPtr[i + 1] = cols.length;
  }
  return { n, rowPtr, cols: Int32Array.from(cols), values: Float64Array.from(values) };
}
