import { QuadTree } from './barnes-hut';
import { createRng } from '@digitfuse/data';

function bruteForce(y: Float64Array, n: number): { forces: Float64Array; z: number } {
  const forces = new Float64Array(2 * n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy);
      z += q;
      forces[2 * i] += q * q * dx;
      forces[2 * i + 1] += q * q * dy;
    }
  }
  return { forces, z };
}

describe('QuadTree.repulsion()', () => {
  const n = 300;
  const rng = createRng(9);
  const y = Float64Array.from({ length: 2 * n }, () => rng.gaussian() * 5);
  // Two duplicate points exercise the leaf that holds several points.
  y[2] = y[0];
  y[3] = y[1];
  const exact = bruteForce(y, n);

  it('equals the brute-force sums when theta is 0', () => {
    const tree = new QuadTree();
    tree.build(y, n);
    const forces = new Float64Array(2 * n);
    expect(tree.repulsion(n, 0, forces)).toBeCloseTo(exact.z, 8);
    for (let i = 0; i < 2 * n; i++) expect(forces[i]).toBeCloseTo(exact.forces[i], 10);
  });

  it('approximates them closely when theta is 0.5', () => {
    const tree = new QuadTree();
    tree.build(y, n);
    const forces = new Float64Array(2 * n);
    const z = tree.repulsion(n, 0.5, forces);
    expect(Math.abs(z - exact.z) / exact.z).toBeLessThan(0.01);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < 2 * n; i++) {
      err += (forces[i] - exact.forces[i]) ** 2;
      norm += exact.forces[i] ** 2;
    }
    expect(Math.sqrt(err / norm)).toBeLessThan(0.05);
  });
});
