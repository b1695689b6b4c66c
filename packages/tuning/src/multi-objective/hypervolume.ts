import { ConfigError } from '../errors';
import { dominates } from './pareto';

/** Module-level aliases: inside Jest's vm sandbox every global lookup (Math, Infinity) in a hot loop is ~10x slower. */
const M = Math;

/**
 * Exact hypervolume of loss vectors (every objective minimised): the measure of the region that at
 * least one point dominates and that dominates `reference`. Two objectives: one sweep, O(n log n).
 * More: the WFG algorithm (While, Bradstreet and Barone, "A Fast Way of Calculating Exact
 * Hypervolumes", 2012), exact in any dimension but exponential in the worst case, meant for small
 * dimensions and fronts (hundreds of points in 3-4 objectives).
 * @throws ConfigError when a point is worse than the reference in some objective, or dimensions differ.
 */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const d = reference.length;
  if (d === 0) throw new ConfigError('hypervolume(): expected a reference point with at least one objective');
  points.forEach((p, i) => {
    if (p.length !== d) throw new ConfigError(`hypervolume(): point ${i} has ${p.length} objectives, the reference ${d}`);
    for (let k = 0; k < d; k++) {
      if (!(p[k] <= reference[k])) {
        throw new ConfigError(`hypervolume(): point ${i} [${p.join(', ')}] is not within the reference point [${reference.join(', ')}] (objective ${k})`);
      }
    }
  });
  if (points.length === 0) return 0;
  if (reference.some((r) => !Number.isFinite(r))) return Number.POSITIVE_INFINITY;
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const hv = d === 1 ? reference[0] - sorted[0][0] : d === 2 ? hv2d(sorted, reference) : wfg(nonDominated(sorted), reference);
  return Number.isNaN(hv) ? Number.POSITIVE_INFINITY : hv;
}

/** Two objectives, points sorted by the first: each point below all earlier ones adds one strip. */
function hv2d(sorted: readonly (readonly number[])[], ref: readonly number[]): number {
  let hv = 0;
  let lowestY = ref[1];
  for (const p of sorted) {
    if (p[1] < lowestY) {
      hv += (ref[0] - p[0]) * (lowestY - p[1]);
      lowestY = p[1];
    }
  }
  return hv;
}

function inclusive(p: readonly number[], ref: readonly number[]): number {
  let v = 1;
  for (let k = 0; k < ref.length; k++) v *= ref[k] - p[k];
  return v;
}

/** Points that no other point dominates, duplicates dropped; keeps the order (sorted by the first objective). */
function nonDominated(sorted: readonly (readonly number[])[]): (readonly number[])[] {
  const out: (readonly number[])[] = [];
  for (const p of sorted) {
    if (out.some((q) => dominates(q, p) || q.every((v, k) => v === p[k]))) continue;
    // A later point can dominate an earlier one only on a tie in the first objective.
    for (let i = out.length - 1; i >= 0; i--) if (dominates(p, out[i])) out.splice(i, 1);
    out.push(p);
  }
  return out;
}

/** WFG: the sum of each point's exclusive hypervolume against the points after it (sorted by the first objective). */
function wfg(sorted: readonly (readonly number[])[], ref: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (n === 1) return inclusive(sorted[0], ref);
  if (ref.length === 2) return hv2d(sorted, ref);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = sorted[i];
    const limited: number[][] = [];
    for (let j = i + 1; j < n; j++) limited.push(sorted[j].map((v, k) => M.max(v, p[k])));
    total += inclusive(p, ref) - wfg(nonDominated(limited), ref);
  }
  return total;
}
