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
    expect(shown[1]).toBe(Math.min(widthOf(wide) / 2, column));
    expect(shown[1]).toBeLessThan(widthOf(wide) / 2);
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
