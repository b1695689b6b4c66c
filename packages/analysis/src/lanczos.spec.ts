import { createRng } from '@digitfuse/data';
import { topEigenpairs } from './lanczos';

/** A symmetric matrix Q diag(values) Q^T with a random orthogonal Q (Gram-Schmidt of Gaussian columns), row-major, and its product. */
function withEigenvalues(values: readonly number[], seed: number): { a: Float64Array; apply: (v: Float64Array, out: Float64Array) => void } {
  const dim = values.length;
  const rng = createRng(seed);
  const q: Float64Array[] = [];
  while (q.length < dim) {
    const v = Float64Array.from({ length: dim }, () => rng.gaussian());
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        const c = u.reduce((s, x, d) => s + x * v[d], 0);
        u.forEach((x, d) => (v[d] -= c * x));
      }
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  const a = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) a[i * dim + j] = values.reduce((s, l, e) => s + l * q[e][i] * q[e][j], 0);
  const apply = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < dim; i++) out[i] = v.reduce((s, x, j) => s + a[i * dim + j] * x, 0);
  };
  return { a, apply };
}

/** Checks unit, orthogonal eigenvectors with A v = value v, to `tol` x the largest value. */
function expectEigenpairs(apply: (v: Float64Array, out: Float64Array) => void, dim: number, values: Float64Array, vectors: Float64Array, tol: number): void {
  const k = values.length;
  const vector = (a: number) => vectors.subarray(a * dim, (a + 1) * dim);
  const scale = Math.max(...Array.from(values, Math.abs));
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) expect(vector(a).reduce((s, x, d) => s + x * vector(b)[d], 0)).toBeCloseTo(a === b ? 1 : 0, 10);
    const av = new Float64Array(dim);
    apply(vector(a), av);
    av.forEach((x, d) => expect(Math.abs(x - values[a] * vector(a)[d])).toBeLessThan(tol * scale));
  }
}

describe('topEigenpairs()', () => {
  it('finds the largest eigenvalues, largest first, and their eigenvectors', () => {
    const spectrum = Array.from({ length: 120 }, (_, i) => 10 * Math.exp(-i / 15) + (i % 7) * 1e-3);
    const { apply } = withEigenvalues(spectrum, 1);
    const found = topEigenpairs(apply, 120, 8);
    expect(found).not.toBeNull();
    const expected = [...spectrum].sort((x, y) => y - x).slice(0, 8);
    found!.values.forEach((value, a) => expect(Math.abs(value - expected[a])).toBeLessThan(1e-10 * expected[0]));
    expectEigenpairs(apply, 120, found!.values, found!.vectors, 1e-9);
  });

  it('gives an eigenvalue of several eigenvectors as often as it occurs (breakdowns go on from a fresh direction)', () => {
    const spectrum = [9, 9, 9, 7, 7, 5, 3, 3, 2, 1, 1, 1, 0.5, 0.25, 0.125, 0.0625];
    const { apply } = withEigenvalues(spectrum, 2);
    const found = topEigenpairs(apply, spectrum.length, 7);
    expect(found).not.toBeNull();
    found!.values.forEach((value, a) => expect(value).toBeCloseTo([9, 9, 9, 7, 7, 5, 3][a], 10));
    expectEigenpairs(apply, spectrum.length, found!.values, found!.vectors, 1e-9);
  });

  it('gives zeros past the rank of a low-rank matrix, with orthonormal vectors', () => {
    const spectrum = [4, 2, 1, ...Array.from({ length: 37 }, () => 0)];
    const { apply } = withEigenvalues(spectrum, 3);
    const found = topEigenpairs(apply, 40, 6);
    expect(found).not.toBeNull();
    found!.values.forEach((value, a) => expect(Math.abs(value - [4, 2, 1, 0, 0, 0][a])).toBeLessThan(1e-10));
    expectEigenpairs(apply, 40, found!.values, found!.vectors, 1e-9);
  });

  it('says null when maxSteps vectors do not bring the top pairs within the tolerance', () => {
    const spectrum = Array.from({ length: 200 }, (_, i) => 1 + 1e-3 * ((i * 37) % 200));
    const { apply } = withEigenvalues(spectrum, 4);
    expect(topEigenpairs(apply, 200, 10, { maxSteps: 12 })).toBeNull();
    expect(topEigenpairs(apply, 200, 10)).not.toBeNull();
  });

  it('is deterministic: the same matrix gives the same bits', () => {
    const { apply } = withEigenvalues(Array.from({ length: 60 }, (_, i) => 60 - i), 5);
    expect(topEigenpairs(apply, 60, 5)).toEqual(topEigenpairs(apply, 60, 5));
  });
});
