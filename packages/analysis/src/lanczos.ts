import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** The top eigenpairs {@link topEigenpairs} found. */
export interface Eigenpairs {
  /** The `k` largest eigenvalues, largest first. */
  readonly values: Float64Array;
  /** Their unit eigenvectors, row-major [k * dim] (each one's sign as it came out). */
  readonly vectors: Float64Array;
}

/** Options of {@link topEigenpairs}. */
export interface LanczosOptions {
  /** Most Lanczos vectors (default `dim`: then the basis can span the whole space). */
  readonly maxSteps?: number;
  /** A Ritz pair counts as converged when its residual norm is at most `tolerance` x the largest eigenvalue's magnitude (default 1e-10). */
  readonly tolerance?: number;
}

/**
 * The `k` largest eigenvalues and their eigenvectors of a symmetric `dim` x `dim` matrix A given as
 * `apply(v, out)` (out = A v), by the Lanczos method with full reorthogonalisation (each new vector
 * made orthogonal to all earlier ones, twice), from a fixed start vector, so the result is
 * deterministic. The Krylov basis grows (2k + 20 vectors first, then by a quarter) until the residual
 * norm |beta_m s_m| of each of the top `k` Ritz pairs is within the tolerance; when the basis
 * spans an invariant subspace before that (a breakdown: A has few distinct eigenvalues, or a low
 * rank), it goes on from a fresh direction orthogonal to the basis, so eigenvalues of several
 * eigenvectors (zeros included) come out as often as they occur. Null when `maxSteps` vectors are
 * not enough (the caller then takes a full eigendecomposition).
 *
 * The cost is one product with A and two passes over the basis per vector, against the full
 * decomposition's O(dim^3): a PCA of 800 embeddings of 2,079 dimensions to 50 (the demo report's)
 * took 51 s by `ml-matrix`'s `EigenvalueDecomposition` of the covariance and takes 2.2 s this way;
 * 2,000 points of 2,079 dimensions, 74 s and 5.4 s (packages/analysis/README.md).
 */
export function topEigenpairs(apply: (v: Float64Array, out: Float64Array) => void, dim: number, k: number, options: LanczosOptions = {}): Eigenpairs | null {
  const maxSteps = Math.min(options.maxSteps ?? dim, dim);
  const tolerance = options.tolerance ?? 1e-10;
  if (k < 1 || k > maxSteps) return null;
  const directions = startVectors(dim);
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  // beta[j] couples basis[j] and basis[j + 1]; the last one is the residual norm of the basis so far.
  const beta: number[] = [];
  let next: Float64Array | null = fresh(directions(), basis);
  let scale = 0;
  let target = Math.min(maxSteps, 2 * k + 20);
  for (;;) {
    while (basis.length < target && next != null) {
      const q: Float64Array = next;
      basis.push(q);
      const w = new Float64Array(dim);
      apply(q, w);
      const a = dot(q, w);
      alpha.push(a);
      orthogonalise(w, basis);
      const norm = Math.sqrt(dot(w, w));
      scale = Math.max(scale, Math.abs(a) + norm);
      if (norm > 1e-12 * scale) {
        beta.push(norm);
        for (let d = 0; d < dim; d++) w[d] /= norm;
        next = w;
      } else {
        // Breakdown: the basis spans an invariant subspace; go on from a direction outside it (none left: the basis spans everything).
        beta.push(0);
        next = fresh(directions(), basis);
      }
    }
    const m = basis.length;
    const ritz = ritzPairs(alpha, beta, m);
    const top = ritz.order.slice(0, Math.min(k, m));
    const largest = Math.max(Math.abs(ritz.values[ritz.order[0]]), Math.abs(ritz.values[ritz.order[m - 1]]), Number.MIN_VALUE);
    const residual = beta[m - 1];
    const converged = top.length === k && top.every((i) => Math.abs(residual * ritz.vectors.get(m - 1, i)) <= tolerance * largest);
    if (converged) return assemble(ritz, top, basis, dim);
    if (next == null || m >= maxSteps) return null;
    target = Math.min(maxSteps, Math.ceil(m * 1.25));
  }
}

/** Eigenvalues and eigenvectors of the m x m tridiagonal matrix (alpha on the diagonal, beta beside it), and their order, largest first. */
function ritzPairs(alpha: readonly number[], beta: readonly number[], m: number): { values: number[]; vectors: Matrix; order: number[] } {
  const t = new Matrix(m, m);
  for (let j = 0; j < m; j++) {
    t.set(j, j, alpha[j]);
    if (j + 1 < m) {
      t.set(j, j + 1, beta[j]);
      t.set(j + 1, j, beta[j]);
    }
  }
  const evd = new EigenvalueDecomposition(t, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  return { values, vectors: evd.eigenvectorMatrix, order };
}

/** The Ritz vectors of `top` (basis times the tridiagonal's eigenvectors), normalised. */
function assemble(ritz: { values: number[]; vectors: Matrix }, top: readonly number[], basis: readonly Float64Array[], dim: number): Eigenpairs {
  const values = Float64Array.from(top, (i) => ritz.values[i]);
  const vectors = new Float64Array(top.length * dim);
  top.forEach((i, a) => {
    const y = vectors.subarray(a * dim, (a + 1) * dim);
    basis.forEach((q, j) => axpy(ritz.vectors.get(j, i), q, y));
    const norm = Math.sqrt(dot(y, y));
    for (let d = 0; d < dim; d++) y[d] /= norm;
  });
  return { values, vectors };
}

/** `v` made orthogonal to every basis vector, by classical Gram-Schmidt twice ("twice is enough"). */
function orthogonalise(v: Float64Array, basis: readonly Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) for (const q of basis) axpy(-dot(q, v), q, v);
}

/** A unit direction orthogonal to the basis from the candidates `v`, or null when the basis spans the space (after dim candidates at most). */
function fresh(v: Float64Array, basis: readonly Float64Array[]): Float64Array | null {
  if (basis.length >= v.length) return null;
  orthogonalise(v, basis);
  const norm = Math.sqrt(dot(v, v));
  if (norm < 1e-8) return null;
  for (let d = 0; d < v.length; d++) v[d] /= norm;
  return v;
}

/** Fixed pseudo-random unit-range vectors (xorshift32 from a constant): the start vector and the directions after a breakdown. */
function startVectors(dim: number): () => Float64Array {
  let state = 0x2545f491;
  return () =>
    Float64Array.from({ length: dim }, () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 4294967296 - 0.5;
    });
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** y += c x */
function axpy(c: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += c * x[i];
}
