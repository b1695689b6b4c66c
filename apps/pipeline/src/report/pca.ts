import { createRng } from '@digitfuse/data';

/**
 * Project `n` points of `dim` dimensions (row-major) onto an approximate top-`outDims` principal
 * subspace, after centring. Uses seeded subspace iteration on the covariance matrix, so it is
 * deterministic for a given seed. The basis is an orthonormal basis of the subspace (not
 * necessarily the individual principal axes), which preserves the distances t-SNE needs.
 * When `dim <= outDims` the points are only centred.
 */
export function pcaProject(
  points: ArrayLike<number>,
  n: number,
  dim: number,
  outDims: number,
  seed = 0,
  iterations = 12,
): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += points[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(n, 1);
  const centred = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) centred[i * dim + d] = points[i * dim + d] - mean[d];
  if (dim <= outDims) return centred;

  const k = outDims;
  // Covariance (up to a constant factor, which does not change the subspace).
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let a = 0; a < dim; a++) {
      const xa = centred[row + a];
      if (xa === 0) continue;
      const base = a * dim;
      for (let b = a; b < dim; b++) cov[base + b] += xa * centred[row + b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a];

  // Basis stored column-major: column c is basis[c*dim .. c*dim+dim).
  const rng = createRng(seed);
  let basis = new Float64Array(dim * k);
  for (let i = 0; i < basis.length; i++) basis[i] = rng.gaussian();
  orthonormaliseColumns(basis, dim, k);
  let product = new Float64Array(dim * k);
  for (let it = 0; it < iterations; it++) {
    product.fill(0);
    for (let c = 0; c < k; c++) {
      const col = c * dim;
      for (let a = 0; a < dim; a++) {
        const base = a * dim;
        let s = 0;
        for (let b = 0; b < dim; b++) s += cov[base + b] * basis[col + b];
        product[col + a] = s;
      }
    }
    orthonormaliseColumns(product, dim, k);
    [basis, product] = [product, basis];
  }

  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let c = 0; c < k; c++) {
      const col = c * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += centred[row + d] * basis[col + d];
      out[i * k + c] = s;
    }
  }
  return out;
}

/** Modified Gram-Schmidt on `k` column-major columns of length `dim`, in place. */
function orthonormaliseColumns(m: Float64Array, dim: number, k: number): void {
  for (let c = 0; c < k; c++) {
    const col = c * dim;
    let before = 0;
    for (let d = 0; d < dim; d++) before += m[col + d] * m[col + d];
    for (let p = 0; p < c; p++) {
      const prev = p * dim;
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += m[col + d] * m[prev + d];
      for (let d = 0; d < dim; d++) m[col + d] -= dot * m[prev + d];
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += m[col + d] * m[col + d];
    norm = Math.sqrt(norm);
    if (norm === 0 || norm < 1e-9 * Math.sqrt(before)) {
      // Rank-deficient data: this direction carries nothing; a zero column projects to 0.
      m.fill(0, col, col + dim);
      continue;
    }
    for (let d = 0; d < dim; d++) m[col + d] /= norm;
  }
}
