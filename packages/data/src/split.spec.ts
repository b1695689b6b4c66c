import { createRng } from '@digitfuse/core';
import { splitRows } from './split';

/** Labels with uneven class sizes: class c has 30 + 7c rows, shuffled. */
function unevenLabels(seed = 3): Int32Array {
  const labels: number[] = [];
  for (let c = 0; c < 10; c++) for (let k = 0; k < 30 + 7 * c; k++) labels.push(c);
  const rng = createRng(seed);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  return Int32Array.from(labels);
}

/** Competition-like groups: each utterance (group) of a digit serves 1..40 images. */
function groupedData(seed: number, n = 3000): { labels: Int32Array; groups: Int32Array } {
  const rng = createRng(seed);
  const labels = new Int32Array(n);
  const groups = new Int32Array(n);
  const perDigit: number[][] = Array.from({ length: 10 }, () => []);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const d = rng.int(10);
    labels[i] = d;
    // Reuse one of the digit's utterances or start a new one.
    if (perDigit[d].length > 0 && rng.next() < 0.93) groups[i] = perDigit[d][rng.int(perDigit[d].length)];
    else {
      groups[i] = next;
      perDigit[d].push(next++);
    }
  }
  return { labels, groups };
}

const counts = (labels: Int32Array, rows: Int32Array) => {
  const c = new Array(10).fill(0);
  for (const r of rows) c[labels[r]]++;
  return c;
};

function expectPartition(n: number, split: { train: Int32Array; val: Int32Array }): void {
  const seen = new Uint8Array(n);
  for (const r of [...split.train, ...split.val]) seen[r]++;
  expect(seen.every((v) => v === 1)).toBe(true);
  expect(Array.from(split.train)).toEqual([...split.train].sort((a, b) => a - b));
}

describe('splitRows() stratified', () => {
  it('holds out round(n * f) rows, each class in proportion', () => {
    const labels = unevenLabels();
    const split = splitRows(labels, { valFraction: 0.2, seed: 1 });
    expectPartition(labels.length, split);
    expect(split.val.length).toBe(Math.round(labels.length * 0.2));
    const all = counts(labels, Int32Array.from(labels.keys()));
    counts(labels, split.val).forEach((v, c) => expect(Math.abs(v - all[c] * 0.2)).toBeLessThan(1));
  });

  it('is the same for the same seed and different for another', () => {
    const labels = unevenLabels();
    expect(splitRows(labels, { seed: 9 })).toEqual(splitRows(labels, { seed: 9 }));
    expect(splitRows(labels, { seed: 9 }).val).not.toEqual(splitRows(labels, { seed: 10 }).val);
  });

  it('refuses a fraction outside (0,1)', () => {
    expect(() => splitRows(unevenLabels(), { valFraction: 1 })).toThrow('valFraction must lie strictly between 0 and 1, got 1');
  });
});

describe('splitRows() grouped', () => {
  it('never puts one group on both sides, over several seeds', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { labels, groups } = groupedData(seed);
      const split = splitRows(labels, { seed, mode: 'grouped', groups });
      expectPartition(labels.length, split);
      const trainGroups = new Set(Array.from(split.train, (r) => groups[r]));
      expect(Array.from(split.val).some((r) => trainGroups.has(groups[r]))).toBe(false);
    }
  });

  it('stays close to the fraction and roughly stratified', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { labels, groups } = groupedData(seed);
      const split = splitRows(labels, { seed, mode: 'grouped', groups, valFraction: 0.2 });
      expect(split.val.length / labels.length).toBeGreaterThan(0.18);
      expect(split.val.length / labels.length).toBeLessThan(0.22);
      const all = counts(labels, Int32Array.from(labels.keys()));
      counts(labels, split.val).forEach((v, c) => expect(Math.abs(v / all[c] - 0.2)).toBeLessThan(0.06));
    }
  });

  it('is deterministic by seed', () => {
    const { labels, groups } = groupedData(1);
    expect(splitRows(labels, { seed: 4, mode: 'grouped', groups })).toEqual(splitRows(labels, { seed: 4, mode: 'grouped', groups }));
    expect(splitRows(labels, { seed: 4, mode: 'grouped', groups }).val).not.toEqual(splitRows(labels, { seed: 5, mode: 'grouped', groups }).val);
  });

  it('matches the stratified split when every row is its own group', () => {
    const labels = unevenLabels();
    const split = splitRows(labels, { mode: 'grouped', groups: Int32Array.from(labels.keys()) });
    expect(split.val.length).toBe(Math.round(labels.length * 0.2));
  });

  it('needs one group per row', () => {
    expect(() => splitRows(unevenLabels(), { mode: 'grouped' })).toThrow('grouped split needs one group id per row');
  });
});
