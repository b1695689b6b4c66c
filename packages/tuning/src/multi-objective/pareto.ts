import type { Direction, FrozenTrial } from '../trial-state';

/** Objective values as losses (lower is better): maximised objectives change sign. */
export function lossVector(values: readonly number[], directions: readonly Direction[]): number[] {
  return values.map((v, i) => (directions[i] === 'maximize' ? -v : v));
}

/** Whether loss vector `a` dominates `b`: no worse in every objective and better in at least one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

/** Indices of `points` sorted lexicographically (ties by index). */
function lexOrder(points: readonly (readonly number[])[]): number[] {
  return points
    .map((_, i) => i)
    .sort((i, j) => {
      const a = points[i];
      const b = points[j];
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] - b[k];
      return i - j;
    });
}

/**
 * Non-domination rank of each loss vector (0 = the Pareto front, 1 = the front once rank 0 is
 * removed, ...): fronts are peeled one at a time. With `nBelow`, peeling stops once at least that many
 * points are ranked and every remaining point gets the next rank. Equal points share a rank.
 */
export function nonDominationRanks(points: readonly (readonly number[])[], nBelow = points.length): number[] {
  const ranks = new Array<number>(points.length).fill(0);
  let remaining = lexOrder(points);
  let rank = 0;
  let ranked = 0;
  while (remaining.length > 0 && ranked < nBelow) {
    // In lexicographic order no point is dominated by a later one, so comparing with the front so far suffices.
    const front: number[] = [];
    const rest: number[] = [];
    for (const i of remaining) {
      if (front.some((f) => dominates(points[f], points[i]))) rest.push(i);
      else front.push(i);
    }
    for (const i of front) ranks[i] = rank;
    ranked += front.length;
    remaining = rest;
    rank++;
  }
  for (const i of remaining) ranks[i] = rank;
  return ranks;
}

/** Indices of the non-dominated loss vectors (equal points are all kept), in input order. */
export function paretoFrontIndices(points: readonly (readonly number[])[]): number[] {
  const ranks = nonDominationRanks(points, 1);
  return points.map((_, i) => i).filter((i) => ranks[i] === 0);
}

/** The COMPLETE trials no other COMPLETE trial dominates, in trial order (Optuna's `best_trials`). */
export function paretoFrontTrials(trials: readonly FrozenTrial[], directions: readonly Direction[]): FrozenTrial[] {
  const done = trials.filter((t) => t.state === 'COMPLETE' && t.values !== undefined && t.values.length === directions.length);
  const front = paretoFrontIndices(done.map((t) => lossVector(t.values as readonly number[], directions)));
  return front.map((i) => done[i]);
}
