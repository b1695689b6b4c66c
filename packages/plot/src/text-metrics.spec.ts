import { existsSync, readFileSync } from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './render';
import { DEJAVU_FILES, dejaVuTextWidth, fontAdvances } from './text-metrics';

const haveFont = existsSync(DEJAVU_FILES.regular) && existsSync(DEJAVU_FILES.bold);
if (!haveFont) process.stderr.write(`\n########## SKIPPED text-metrics specs: no ${DEJAVU_FILES.regular} (apt-get install -y fonts-dejavu-core) ##########\n\n`);
const withFont = haveFont ? it : it.skip;

describe('fontAdvances()', () => {
  withFont("reads DejaVu Sans's advance widths in ems", () => {
    const advance = fontAdvances(readFileSync(DEJAVU_FILES.regular));
    expect(advance('M'.codePointAt(0) as number)).toBeCloseTo(1767 / 2048, 4);
    expect(advance(' '.codePointAt(0) as number)).toBeCloseTo(651 / 2048, 4);
    expect(advance('0'.codePointAt(0) as number)).toBeCloseTo(1303 / 2048, 4);
  });

  it('refuses a file that is not a TrueType font', () => {
    const notFont = Buffer.alloc(64);
    expect(() => fontAdvances(notFont)).toThrow(/^Expected a TrueType font, found something else/);
  });
});

describe('dejaVuTextWidth()', () => {
  withFont('measures a line in its size and weight (bold is wider)', () => {
    const width = dejaVuTextWidth() as NonNullable<ReturnType<typeof dejaVuTextWidth>>;
    expect(width({ fontSize: 10 }, 'MM')).toBeCloseTo(20 * (1767 / 2048), 3);
    expect(width({ fontSize: 10, fontWeight: 'bold' }, 'digit')).toBeGreaterThan(width({ fontSize: 10 }, 'digit'));
  });

  it('is null without the font files (vega keeps its estimate)', () => {
    expect(dejaVuTextWidth({ regular: '/nonexistent/a.ttf', bold: '/nonexistent/b.ttf' })).toBeNull();
  });

  withFont("makes a chart as wide as its title needs, not 1.4 times that (vega's 0.8 em a character)", async () => {
    // A 60-character bold title at 12 px is about 400 px in DejaVu Sans; vega's estimate made it 576 px,
    // and every chart with a long subtitle came out with a blank band on its right.
    const title = 'chosen: trial 0 (0.9738), within one standard error (0.0051)';
    const spec: TopLevelSpec = { title: { text: title, fontSize: 12 }, width: 50, height: 50, data: { values: [{ a: 1 }] }, mark: 'point' };
    const svgWidth = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(await renderSvg(spec))?.[1]);
    const measured = (dejaVuTextWidth() as NonNullable<ReturnType<typeof dejaVuTextWidth>>)({ fontSize: 12, fontWeight: 'bold' }, title);
    expect(svgWidth).toBeLessThan(measured + 30);
    expect(svgWidth).toBeLessThan(0.8 * 12 * title.length);
  });
});

describe('axis labels with text measured exactly', () => {
  withFont('keep at least 6 px apart (a flush first label sat against the next: "0.000.02")', async () => {
    // The importances chart's x axis: 440 px for 0..0.23, ticks every 0.02.
    const spec: TopLevelSpec = {
      width: 440,
      height: 20,
      data: { values: [{ v: 0.198 }] },
      mark: 'bar',
      encoding: { x: { field: 'v', type: 'quantitative', scale: { domain: [0, 0.2277] } } },
    };
    const svg = await renderSvg(spec);
    const width = dejaVuTextWidth() as NonNullable<ReturnType<typeof dejaVuTextWidth>>;
    const group = /<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/s.exec(svg)?.[1] ?? '';
    // Labels vega drops for overlapping are still written, with opacity 0.
    const shown = [...group.matchAll(/<text[^>]*>[^<]*<\/text>/g)].map((m) => m[0]).filter((t) => !t.includes('opacity="0"'));
    const spans = shown.map((t) => /text-anchor="(\w+)"[^>]*translate\(([\d.]+),[^>]*font-size="([\d.]+)px"[^>]*>([^<]*)</.exec(t) ?? []).map(([, anchor, x, size, text]) => {
      const w = width({ fontSize: Number(size) }, text);
      const left = anchor === 'start' ? Number(x) : anchor === 'end' ? Number(x) - w : Number(x) - w / 2;
      return [left, left + w];
    });
    expect(spans.length).toBeGreaterThan(2);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0] - spans[i - 1][1]).toBeGreaterThanOrEqual(6);
  });
});
