/** Fields of a node, stored interleaved (stride {@link STRIDE}) for cache locality. */
const COM_X = 0;
const COM_Y = 1;
/** Squared side length of the cell. */
const WIDTH2 = 2;
const COUNT = 3;
/** Index of the first of four consecutive children, or -1 for a leaf. */
const CHILD = 4;
/** Offset of the node's points in the permutation array. */
const START = 5;
const CENTRE_X = 6;
const CENTRE_Y = 7;
const STRIDE = 8;

/**
 * A quadtree over 2-D points for Barnes-Hut t-SNE repulsion. Built once per iteration into a
 * reusable typed array, so memory stays flat over a run.
 */
export class QuadTree {
  private nodes = new Float64Array(0);
  private size = 0;
  private perm = new Int32Array(0);
  private scratch = new Int32Array(0);
  private stack = new Int32Array(0);
  private y: Float64Array = new Float64Array(0);

  /** Build the tree over `n` points stored as [x0, y0, x1, y1, ...]. */
  build(y: Float64Array, n: number): void {
    this.y = y;
    if (this.perm.length !== n) {
      this.perm = new Int32Array(n);
      this.scratch = new Int32Array(n);
    }
    for (let i = 0; i < n; i++) this.perm[i] = i;
    this.size = 0;
    this.ensure(Math.max(4 * n + 1, 16));
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const px = y[2 * i];
      const py = y[2 * i + 1];
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    const root = this.alloc(1);
    const half = Math.max(maxX - minX, maxY - minY) / 2 + 1e-9;
    this.nodes[root * STRIDE + CENTRE_X] = (minX + maxX) / 2;
    this.nodes[root * STRIDE + CENTRE_Y] = (minY + maxY) / 2;
    this.fill(root, 0, n, 0, half);
  }

  /**
   * Repulsive forces for every point: writes sum_j q_ij^2 (y_i - y_j) (unnormalised, q = 1/(1+d^2))
   * into `forces` and returns Z = sum_{i != j} q_ij. `theta` 0 gives the exact sums.
   */
  repulsion(n: number, theta: number, forces: Float64Array): number {
    const { y, nodes, perm } = this;
    if (this.stack.length < 4 * this.size + 4) this.stack = new Int32Array(4 * this.size + 4);
    const stack = this.stack;
    const theta2 = theta * theta;
    let z = 0;
    // Visit points in tree order: neighbours in a row walk similar paths (cache friendly).
    for (let r = 0; r < n; r++) {
      const i = perm[r];
      const xi = y[2 * i];
      const yi = y[2 * i + 1];
      let fx = 0;
      let fy = 0;
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const base = stack[--top] * STRIDE;
        const c = nodes[base + COUNT];
        if (c === 0) continue;
        const first = nodes[base + CHILD];
        if (first < 0) {
          const s = nodes[base + START];
          for (let p = s; p < s + c; p++) {
            const j = perm[p];
            if (j === i) continue;
            const dx = xi - y[2 * j];
            const dy = yi - y[2 * j + 1];
            const q = 1 / (1 + dx * dx + dy * dy);
            z += q;
            const qq = q * q;
            fx += qq * dx;
            fy += qq * dy;
          }
          continue;
        }
        const dx = xi - nodes[base + COM_X];
        const dy = yi - nodes[base + COM_Y];
        const d2 = dx * dx + dy * dy;
        if (nodes[base + WIDTH2] < theta2 * d2) {
          const q = 1 / (1 + d2);
          z += c * q;
          const cqq = c * q * q;
          fx += cqq * dx;
          fy += cqq * dy;
        } else {
          stack[top++] = first;
          stack[top++] = first + 1;
          stack[top++] = first + 2;
          stack[top++] = first + 3;
        }
      }
      forces[2 * i] = fx;
      forces[2 * i + 1] = fy;
    }
    return z;
  }

  private fill(node: number, from: number, to: number, depth: number, half: number): void {
    const { y, perm } = this;
    const base = node * STRIDE;
    const c = to - from;
    let nodes = this.nodes;
    nodes[base + COUNT] = c;
    nodes[base + START] = from;
    nodes[base + CHILD] = -1;
    nodes[base + WIDTH2] = 4 * half * half;
    if (c === 0) return;
    let sx = 0;
    let sy = 0;
    for (let p = from; p < to; p++) {
      sx += y[2 * perm[p]];
      sy += y[2 * perm[p] + 1];
    }
    nodes[base + COM_X] = sx / c;
    nodes[base + COM_Y] = sy / c;
    if (c === 1 || depth >= 48 || half < 1e-12) return;

    const cx = nodes[base + CENTRE_X];
    const cy = nodes[base + CENTRE_Y];
    // Counting sort of the range into the four quadrants: 0 = (-,-), 1 = (+,-), 2 = (-,+), 3 = (+,+).
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    for (let p = from; p < to; p++) {
      const j = perm[p];
      const q = (y[2 * j] >= cx ? 1 : 0) + (y[2 * j + 1] >= cy ? 2 : 0);
      if (q === 0) c0++;
      else if (q === 1) c1++;
      else if (q === 2) c2++;
    }
    const offsets = [from, from + c0, from + c0 + c1, from + c0 + c1 + c2, to];
    const cursor = offsets.slice(0, 4);
    const scratch = this.scratch;
    for (let p = from; p < to; p++) {
      const j = perm[p];
      scratch[cursor[(y[2 * j] >= cx ? 1 : 0) + (y[2 * j + 1] >= cy ? 2 : 0)]++] = j;
    }
    for (let p = from; p < to; p++) perm[p] = scratch[p];

    const first = this.alloc(4);
    nodes = this.nodes;
    nodes[base + CHILD] = first;
    const h = half / 2;
    for (let q = 0; q < 4; q++) {
      const cb = (first + q) * STRIDE;
      nodes[cb + CENTRE_X] = cx + (q & 1 ? h : -h);
      nodes[cb + CENTRE_Y] = cy + (q & 2 ? h : -h);
    }
    for (let q = 0; q < 4; q++) this.fill(first + q, offsets[q], offsets[q + 1], depth + 1, h);
  }

  private alloc(k: number): number {
    this.ensure(this.size + k);
    const at = this.size;
    this.size += k;
    return at;
  }

  private ensure(needed: number): void {
    if (needed * STRIDE <= this.nodes.length) return;
    const next = new Float64Array(Math.max(needed, (2 * this.nodes.length) / STRIDE) * STRIDE);
    next.set(this.nodes.subarray(0, this.size * STRIDE));
    this.nodes = next;
  }
}
