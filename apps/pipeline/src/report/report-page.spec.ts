import { useTempDir } from '@digitfuse/core/testing';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { describeInBrowser, launchBrowser, openPage } from '../dashboard/testing/browser';
import { renderPng } from '@digitfuse/plot';
import { embeddedPng, reportHtml } from './html';
import { searchSection } from './sections/search-section';
import type { TrialInput } from './types';
import { writeReport } from './write-report';

jest.setTimeout(120_000);

/** Trials with the pipeline's nine parameters: their table is wider than the page. */
const trials: TrialInput[] = [0, 1, 2].map((number) => ({
  number,
  state: 'COMPLETE',
  params: Object.fromEntries(
    ['img_filters_1', 'img_filters_2', 'img_filters_3', 'aud_filters_1', 'aud_filters_2', 'aud_filters_3', 'units', 'dropout', 'learning_rate'].map((p, i) => [p, i === 8 ? 0.000763 + number * 1e-4 : 48 + i + number]),
  ),
  value: 0.97 + number / 100,
  bestEpoch: 10,
  seconds: 65.8,
  intermediate: [[1, 0.95], [2, 0.97 + number / 100]],
  figures: { clean: 0.995, shifted: 0.9862, image: 0.9613 },
}));

describeInBrowser('report.html in chromium', () => {
  const tempDir = useTempDir('report-page-', 'each');
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('keeps a table wider than the page inside the page (it scrolls in its own box), and loads nothing from elsewhere', async () => {
    await writeReport({ title: 'Wide trials', summary: {}, trials }, tempDir(), { sections: [searchSection] });
    const { page, errors } = await openPage(browser, pathToFileURL(join(tempDir(), 'report.html')).href, { width: 1024, height: 800 });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.reload({ waitUntil: 'load' });
    // Code run in the page is given as text: this project's TypeScript has no DOM types.
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBe(0);
    const tableScrolls = await page.evaluate(`(() => { const w = document.querySelector('#search .table-wrap'); return w.scrollWidth > w.clientWidth; })()`);
    expect(tableScrolls).toBe(true);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("explains a bracketed pruned value under the trials table, beside the table that brackets it", async () => {
    const withPruned: TrialInput[] = [...trials, { ...trials[0], number: 3, state: 'PRUNED', value: 0.9788, figures: undefined, intermediate: [[1, 0.95], [4, 0.9788]] }];
    await writeReport({ title: 'Pruned', summary: {}, trials: withPruned, prunedValue: 'clean validation accuracy' }, tempDir(), { sections: [searchSection] });
    const { page } = await openPage(browser, pathToFileURL(join(tempDir(), 'report.html')).href);
    const text = String(await page.evaluate(`document.querySelector('#search').textContent`));
    expect(text).toContain("its Value, in brackets, is its clean validation accuracy after its last epoch (what the pruner compares), not the objective");
    expect(text).toContain('(0.9788)');
  });

  it('shows each figure at the size it was drawn for (its PNG is rendered at 2x), shrunk only to fit the page', async () => {
    // Figures were shown at their PNG's pixel width, up to the page's 1200 px: a 682 px confusion
    // matrix came out at 1200 px (its text 1.8x too big) beside a 1594 px chart shrunk to 0.75x.
    const png = async (width: number) => renderPng({ width, height: 40, data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } });
    const small = await png(300);
    const wide = await png(1500);
    const widthOf = (p: Uint8Array) => Buffer.from(p).readUInt32BE(16);
    const file = join(tempDir(), 'report.html');
    writeFileSync(file, reportHtml('Figures', [{ id: 'f', title: 'Figures', body: embeddedPng(small, 'small') + embeddedPng(wide, 'wide') }], 'footer'));
    const { page } = await openPage(browser, pathToFileURL(file).href, { width: 1280, height: 800 });
    const shown = (await page.evaluate(`[...document.images].map((i) => i.clientWidth)`)) as number[];
    const column = Number(await page.evaluate(`document.querySelector('section').clientWidth`));
    expect(shown[0]).toBe(widthOf(small) / 2);
    // Shrunk to the column, its 1 px border included (it stood 2 px out of its figure).
    expect(shown[1]).toBe(Math.min(widthOf(wide) / 2, column - 2));
    expect(shown[1]).toBeLessThan(widthOf(wide) / 2);
  });

  it('on a phone, keeps a wide figure and a wide table legible in boxes that scroll sideways, and says so', async () => {
    // A 1500 px parallel-coordinates chart shrunk to a 360 px screen had text a quarter of its size.
    const png = async (width: number) => renderPng({ width, height: 40, data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } });
    await writeReport({ title: 'Wide trials', summary: {}, trials }, tempDir(), { sections: [searchSection] });
    const file = join(tempDir(), 'figures.html');
    const [smallPng, widePng] = [await png(300), await png(1500)];
    const drawn = (p: Uint8Array) => Buffer.from(p).readUInt32BE(16) / 2;
    writeFileSync(file, reportHtml('Figures', [{ id: 'f', title: 'Figures', body: embeddedPng(smallPng, 'small') + embeddedPng(widePng, 'wide') }], 'footer'));
    const phone = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
    const layout = `[...document.querySelectorAll('figure, .table-wrap')].map((box) => ({
      scrolls: box.scrollWidth > box.clientWidth + 1,
      hint: getComputedStyle(box, '::before').content,
      img: box.querySelector('img') ? box.querySelector('img').clientWidth : null,
    }))`;
    const hint = '"Wider than the screen: scroll sideways for all of it →"';
    const figures = await openPage(browser, pathToFileURL(file).href, phone);
    const [small, wide] = (await figures.page.evaluate(layout)) as { scrolls: boolean; hint: string; img: number | null }[];
    // The small figure fits as drawn; the wide one keeps the size it was drawn for (its PNG is 2x) and scrolls.
    expect(small).toEqual({ scrolls: false, hint: 'none', img: drawn(smallPng) });
    expect(wide).toEqual({ scrolls: true, hint, img: drawn(widePng) });
    expect(await figures.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    expect(figures.errors).toEqual([]);
    const tables = await openPage(browser, pathToFileURL(join(tempDir(), 'report.html')).href, phone);
    const boxes = (await tables.page.evaluate(layout)) as { scrolls: boolean; hint: string }[];
    expect(boxes.length).toBeGreaterThan(0);
    // Every box that scrolls says so, and none that fits does.
    for (const box of boxes) expect(box.hint).toBe(box.scrolls ? hint : 'none');
    expect(boxes.some((b) => b.scrolls)).toBe(true);
    // On a wide screen nothing says it scrolls: the wide figure shrinks to fit the 1200 px column.
    const desk = await openPage(browser, pathToFileURL(file).href, { width: 1280, height: 800 });
    expect(((await desk.page.evaluate(layout)) as { hint: string }[]).map((b) => b.hint)).toEqual(['none', 'none']);
  });

  it('is laid out at a phone\'s width on a phone, with no sideways scrolling (the section links wrap)', async () => {
    // The report's own section titles: with no space between the links, 'Validation' and
    // 'Hyperparameter search' could not wrap apart and pushed the page 2 px wider than a 390 px screen;
    // without a viewport meta tag a phone laid the page out 980 px wide and shrank it, text and all.
    const titles = ['Summary', 'Learnt features: t-SNE and K-means', 'Training', 'Validation', 'Hyperparameter search', 'Modality ablation', 'Does hearing make seeing more robust?', 'Data figures'];
    const file = join(tempDir(), 'report.html');
    writeFileSync(file, reportHtml('digitfuse run /work/main/runs/2026-12-03T02-12-15', titles.map((title, i) => ({ id: `s${i}`, title, body: '<p>text</p>' })), 'footer'));
    const phone = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
    const { page, errors } = await openPage(browser, pathToFileURL(file).href, phone);
    expect(await page.evaluate('window.innerWidth')).toBe(390);
    expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    expect(errors).toEqual([]);
  });
});
