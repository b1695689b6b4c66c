/**
 * NSGA-II's crowding distance of each loss vector within one front: per objective, the gap between
 * its two neighbours in sorted order divided by the objective's finite spread, summed over
 * objectives. The extremes of each objective get an infinite distance; an objective where all points
 * are equal adds nothing.
 */
export function crowdingDistances(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const dist = new Array<number>(n).fill(0);
  if (n === 0) return dist;
  const d = points[0].length;
  for (let k = 0; k < d; k++) {
    const order = points.map((_, i) => i).sort((i, j) => points[i][k] - points[j][k] || i - j);
    const lo = points[order[0]][k];
    const hi = points[order[n - 1]][k];
    if (lo === hi) continue;
    const vs = [Number.NEGATIVE_INFINITY, ...order.map((i) => points[i][k]), Number.POSITIVE_INFINITY];
    const finite = vs.filter((v) => Number.isFinite(v));
    let width = finite.length > 0 ? finite[finite.length - 1] - finite[0] : 0;
    if (!(width > 0)) width = 1;
    for (let r = 0; r < n; r++) {
      const gap = vs[r] === vs[r + 2] ? 0 : vs[r + 2] - vs[r];
      dist[order[r]] += gap / width;
    }
  }
  return dist;
}
