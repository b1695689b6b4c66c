import { AnalysisError } from './errors';

/** Contingency table of two labelings of the same items (labels are arbitrary integers). */
function contingency(a: ArrayLike<number>, b: ArrayLike<number>): { table: number[][]; rows: number[]; cols: number[]; n: number } {
  if (a.length !== b.length) {
    throw new AnalysisError(`partition agreement: labelings differ in length (${a.length} vs ${b.length})`);
  }
  const indexOf = (labels: ArrayLike<number>) => {
    const map = new Map<number, number>();
    const idx = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      let v = map.get(labels[i]);
      if (v === undefined) {
        v = map.size;
        map.set(labels[i], v);
      }
      idx[i] = v;
    }
    return { idx, size: map.size };
  };
  const A = indexOf(a);
  const B = indexOf(b);
  const table = Array.from({ length: A.size }, () => new Array<number>(B.size).fill(0));
  for (let i = 0; i < a.length; i++) table[A.idx[i]][B.idx[i]]++;
  const rows = table.map((r) => r.reduce((s, v) => s + v, 0));
  const cols = Array.from({ length: B.size }, (_, j) => table.reduce((s, r) => s + r[j], 0));
  return { table, rows, cols, n: a.length };
}

const pairs = (x: number) => (x * (x - 1)) / 2;

/**
 * Adjusted Rand index (Hubert & Arabie): 1 for identical partitions (up to renaming), about 0
 * for independent ones, negative when worse than chance. Two trivial partitions give 1.
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { table, rows, cols, n } = contingency(a, b);
  if (n < 2) return 1;
  let index = 0;
  for (const row of table) for (const v of row) index += pairs(v);
  const sumRows = rows.reduce((s, v) => s + pairs(v), 0);
  const sumCols = cols.reduce((s, v) => s + pairs(v), 0);
  const expected = (sumRows * sumCols) / pairs(n);
  const max = (sumRows + sumCols) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

/**
 * Normalised mutual information, MI / mean(H(a), H(b)) (arithmetic mean, as scikit-learn's
 * default): 1 for identical partitions (up to renaming), about 0 for independent ones.
 */
export function normalizedMutualInfo(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { table, rows, cols, n } = contingency(a, b);
  if (n === 0) return 1;
  const entropy = (counts: number[]) => counts.reduce((s, c) => (c > 0 ? s - (c / n) * Math.log(c / n) : s), 0);
  const ha = entropy(rows);
  const hb = entropy(cols);
  if (ha === 0 && hb === 0) return 1;
  let mi = 0;
  for (let i = 0; i < table.length; i++) {
    for (let j = 0; j < cols.length; j++) {
      const v = table[i][j];
      if (v > 0) mi += (v / n) * Math.log((v * n) / (rows[i] * cols[j]));
    }
  }
  const denom = (ha + hb) / 2;
  return denom > 0 ? Math.max(0, Math.min(1, mi / denom)) : 0;
}

/**
 * Rename clusters so that cluster c is the one that best matches label c (greedy matching on the
 * contingency table, largest overlap first). Clusters left over keep numbers after the labels'.
 * Used so a cluster plot's colours line up with the digit plot's.
 */
export function matchClustersToLabels(clusters: ArrayLike<number>, labels: ArrayLike<number>): Int32Array {
  const clusterIds = [...new Set(Array.from(clusters))].sort((x, y) => x - y);
  const labelIds = [...new Set(Array.from(labels))].sort((x, y) => x - y);
  const overlap = clusterIds.map(() => new Array<number>(labelIds.length).fill(0));
  const cPos = new Map(clusterIds.map((c, i) => [c, i]));
  const lPos = new Map(labelIds.map((l, i) => [l, i]));
  for (let i = 0; i < clusters.length; i++) overlap[cPos.get(clusters[i]) as number][lPos.get(labels[i]) as number]++;
  const cells: Array<[number, number, number]> = [];
  overlap.forEach((row, ci) => row.forEach((v, li) => cells.push([v, ci, li])));
  cells.sort((x, y) => y[0] - x[0] || x[1] - y[1] || x[2] - y[2]);
  const rename = new Map<number, number>();
  const usedLabels = new Set<number>();
  for (const [, ci, li] of cells) {
    if (rename.has(clusterIds[ci]) || usedLabels.has(labelIds[li])) continue;
    rename.set(clusterIds[ci], labelIds[li]);
    usedLabels.add(labelIds[li]);
  }
  let next = Math.max(-1, ...labelIds) + 1;
  for (const c of clusterIds) if (!rename.has(c)) rename.set(c, next++);
  return Int32Array.from(Array.from(clusters, (c) => rename.get(c) as number));
}
