import { renderPng, renderSvg } from './render';
import type { TopLevelSpec } from 'vega-lite';

const spec: TopLevelSpec = {
  title: 'Counts per digit',
  data: { values: [{ digit: '0', count: 3 }, { digit: '1', count: 7 }] },
  mark: 'bar',
  encoding: { x: { field: 'digit', type: 'nominal' }, y: { field: 'count', type: 'quantitative' } },
};

describe('renderSvg()', () => {
  it('renders the title, axis labels and one rect per bar', async () => {
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Counts per digit');
    expect(svg).toContain('>count<');
    expect((svg.match(/role-mark marks.*?<\/g>/gs) ?? []).length).toBeGreaterThan(0);
  });
});

describe('renderPng()', () => {
  it('returns PNG bytes whose size follows the scale', async () => {
    const png1 = await renderPng(spec, { scale: 1 });
    const png2 = await renderPng(spec, { scale: 2 });
    expect(png1.subarray(1, 4).toString('ascii')).toBe('PNG');
    const width = (png: Buffer) => png.readUInt32BE(16);
    expect(width(png2)).toBeGreaterThanOrEqual(2 * width(png1) - 1);
    expect(width(png2)).toBeLessThanOrEqual(2 * width(png1) + 1);
  });
});
