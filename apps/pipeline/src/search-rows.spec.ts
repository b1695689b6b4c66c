import { sampleRows } from './search-space';

describe('sampleRows()', () => {
  const rows = Int32Array.from({ length: 1000 }, (_, i) => i * 3);

  it('keeps every row when there are no more than the limit', () => {
    expect(sampleRows(rows, 1000, 1)).toBe(rows);
  });

  it('draws distinct rows of the input, sorted, the same for the same seed', () => {
    const a = sampleRows(rows, 100, 7);
    expect(a).toHaveLength(100);
    expect(new Set(a).size).toBe(100);
    expect([...a].every((r) => r % 3 === 0 && r < 3000)).toBe(true);
    expect([...a]).toEqual([...a].sort((x, y) => x - y));
    expect(sampleRows(rows, 100, 7)).toEqual(a);
    expect(sampleRows(rows, 100, 8)).not.toEqual(a);
  });
});
