import { createRng, shuffleInPlace } from '@digitfuse/core';
import { NUM_CLASSES } from './types';

/** How rows are divided between training and validation. */
export type SplitMode = 'stratified' | 'grouped';

/** Options for {@link splitRows}. */
export interface SplitOptions {
  /** Fraction of rows for validation, in (0,1). Default 0.2. */
  readonly valFraction?: number;
  /** Seed of the shuffle; the same seed gives the same split. Default 42. */
  readonly seed?: number;
  /**
   * `stratified`: each class is split in proportion. `grouped`: rows of one group (identical audio,
   * see `audioDuplicateGroups`) never fall on both sides, still roughly stratified. Default 'stratified'.
   */
  readonly mode?: SplitMode;
  /** Group id per row; required for `grouped`. */
  readonly groups?: Int32Array;
}

/** Row indices of each side, ascending. */
export interface Split {
  readonly train: Int32Array;
  readonly val: Int32Array;
}

/**
 * Splits rows into training and validation sets, seeded. The validation size is
 * round(n * valFraction) in stratified mode (spread over classes by largest remainder) and close to
 * it in grouped mode (whole groups are moved, so it can miss by part of a group).
 */
export function splitRows(labels: Int32Array, options: SplitOptions = {}): Split {
  const valFraction = options.valFraction ?? 0.2;
  const seed = options.seed ?? 42;
  const mode = options.mode ?? 'stratified';
  if (!(valFraction > 0 && valFraction < 1)) throw new RangeError(`valFraction must lie strictly between 0 and 1, got ${valFraction}`);
  const numClasses = Math.max(NUM_CLASSES, maxOf(labels) + 1);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((l, i) => byClass[l].push(i));
  const targets = classTargets(byClass.map((c) => c.length), labels.length, valFraction);
  const rng = createRng(seed);
  const isVal = new Uint8Array(labels.length);
  if (mode === 'stratified') {
    byClass.forEach((rows, c) => {
      const shuffled = shuffleInPlace(Int32Array.from(rows), rng);
      for (let k = 0; k < targets[c]; k++) isVal[shuffled[k]] = 1;
    });
  } else if (mode === 'grouped') {
    const groups = options.groups;
    if (!groups || groups.length !== labels.length) {
      throw new RangeError(`grouped split needs one group id per row (${labels.length}), got ${groups ? groups.length : 'none'}`);
    }
    groupedAssign(labels, groups, numClasses, targets, rng, isVal);
  } else {
    throw new RangeError(`split mode must be 'stratified' or 'grouped', got ${String(mode)}`);
  }
  return fromMask(isVal);
}

function maxOf(values: Int32Array): number {
  let m = -1;
  for (const v of values) {
    if (v < 0) throw new RangeError(`labels must be non-negative, found ${v}`);
    if (v > m) m = v;
  }
  return m;
}

/** Validation rows per class: proportional, rounded by largest remainder so they sum to round(n*f). */
function classTargets(counts: number[], n: number, f: number): number[] {
  const total = Math.round(n * f);
  const exact = counts.map((c) => c * f);
  const targets = exact.map(Math.floor);
  let left = total - targets.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => ({ c, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.c - b.c);
  for (const { c } of order) {
    if (left <= 0) break;
    if (targets[c] < counts[c]) {
      targets[c]++;
      left--;
    }
  }
  return targets;
}

/**
 * Moves whole groups to validation. Each group counts for its majority class; within a class the
 * groups are visited in random order and taken while they fit under the class's target, then the
 * smallest leftover group that brings the count nearer the target closes the gap.
 */
function groupedAssign(labels: Int32Array, groups: Int32Array, numClasses: number, targets: number[], rng: ReturnType<typeof createRng>, isVal: Uint8Array): void {
  let nGroups = 0;
  for (const g of groups) {
    if (g < 0) throw new RangeError(`group ids must be non-negative, found ${g}`);
    if (g + 1 > nGroups) nGroups = g + 1;
  }
  const size = new Int32Array(nGroups);
  const classCounts = new Int32Array(nGroups * numClasses);
  for (let i = 0; i < labels.length; i++) {
    size[groups[i]]++;
    classCounts[groups[i] * numClasses + labels[i]]++;
  }
  const groupsOfClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let g = 0; g < nGroups; g++) {
    if (size[g] === 0) continue;
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (classCounts[g * numClasses + c] > classCounts[g * numClasses + best]) best = c;
    groupsOfClass[best].push(g);
  }
  const toVal = new Uint8Array(nGroups);
  groupsOfClass.forEach((list, c) => {
    const order = shuffleInPlace(Int32Array.from(list), rng);
    let taken = 0;
    // First fill up to the target with whole groups that fit, in random order...
    for (const g of order) {
      if (taken + size[g] <= targets[c]) {
        toVal[g] = 1;
        taken += size[g];
      }
    }
    // ...then close the remaining gap with the one leftover group that lands nearest, if any helps.
    let best = -1;
    for (const g of order) {
      if (toVal[g]) continue;
      if (Math.abs(taken + size[g] - targets[c]) < Math.abs(targets[c] - taken) && (best < 0 || size[g] < size[best])) best = g;
    }
    if (best >= 0) toVal[best] = 1;
  });
  for (let i = 0; i < labels.length; i++) isVal[i] = toVal[groups[i]];
}

function fromMask(isVal: Uint8Array): Split {
  let nVal = 0;
  for (const v of isVal) nVal += v;
  const train = new Int32Array(isVal.length - nVal);
  const val = new Int32Array(nVal);
  let t = 0;
  let v = 0;
  for (let i = 0; i < isVal.length; i++) {
    if (isVal[i]) val[v++] = i;
    else train[t++] = i;
  }
  return { train, val };
}
