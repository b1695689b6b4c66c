import { hypervolume } from './hypervolume';

/**
 * Greedy hypervolume subset selection: picks `k` of `points` (loss vectors), each time the one that
 * adds the most hypervolume against `reference` (a 1 - 1/e approximation; ties go to the lower
 * index). Duplicates are picked only once every distinct point has been. Returns indices into `points`.
 */
export function selectByHypervolume(points: readonly (readonly number[])[], k: number, reference: readonly number[]): number[] {
  const n = points.length;
  if (k >= n) return points.map((_, i) => i);
  if (k <= 0) return [];
  const unique: number[] = [];
  const duplicates: number[] = [];
  const seen = new Set<string>();
  points.forEach((p, i) => {
    const key = p.join(',');
    if (seen.has(key)) duplicates.push(i);
    else {
      seen.add(key);
      unique.push(i);
    }
  });
  if (unique.length <= k) return [...unique, ...duplicates.slice(0, k - unique.length)].sort((a, b) => a - b);
  if (reference.some((r) => !Number.isFinite(r))) return unique.slice(0, k);
  const chosen: number[] = [];
  const selected: (readonly number[])[] = [];
  let hvSelected = 0;
  let candidates = unique;
  while (chosen.length < k) {
    let best = -1;
    let bestGain = -1;
    for (const i of candidates) {
      const gain = hypervolume([...selected, points[i]], reference) - hvSelected;
      if (gain > bestGain) {
        bestGain = gain;
        best = i;
      }
    }
    chosen.push(best);
    selected.push(points[best]);
    hvSelected += bestGain;
    candidates = candidates.filter((i) => i !== best);
  }
  return chosen;
}

/** Optuna's reference point for a set of loss vectors: 1.1 x the worst value (0.9 x when negative), a tiny value for 0. */
export function referencePoint(points: readonly (readonly number[])[]): number[] {
  const d = points[0]?.length ?? 0;
  const ref: number[] = [];
  for (let k = 0; k < d; k++) {
    let worst = Number.NEGATIVE_INFINITY;
    for (const p of points) if (p[k] > worst) worst = p[k];
    const r = Math.max(1.1 * worst, 0.9 * worst);
    ref.push(r === 0 ? 1e-12 : r);
  }
  return ref;
}
