import { useTempDir } from '@digitfuse/core/testing';
import { existsSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderPng, writeFileAtomic } from '@digitfuse/plot';
import { ReportInputError } from './errors';
import { demoReportInput } from './testing/demo-report-input';
import type { ReportInput } from './types';
import { writeReport } from './write-report';

const FAST = { tsne: { iterations: 250, perplexity: 10 } } as const;
const FIGURES = [
  'tsne-kmeans-fused.png', 'tsne-fused.png', 'kmeans-fused.png',
  'tsne-kmeans-image.png', 'tsne-image.png', 'kmeans-image.png',
  'tsne-kmeans-audio.png', 'tsne-audio.png', 'kmeans-audio.png',
  'training-curves.png', 'confusion-matrix.png', 'per-class-f1.png',
  'optimization-history.png', 'parallel-coordinates.png', 'param-importances.png', 'modality-ablation.png',
];

describe('writeReport()', () => {
  const tempDir = useTempDir('report-', 'each');

  it('writes every figure and one self-contained HTML that embeds them', async () => {
    const extra = join(tempDir(), 'data', 'image-grid.png');
    writeFileAtomic(extra, await renderPng({ data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } }));
    const input: ReportInput = { ...demoReportInput(60, 2), extraImages: [{ title: 'Image grid', path: extra }] };
    const logged: string[] = [];
    const out = join(tempDir(), 'report');
    const result = await writeReport(input, out, { ...FAST, log: (m) => logged.push(m) });

    const written = readdirSync(out).sort();
    expect(written).toEqual([...FIGURES, 'report.html', 'report.md', 'trials.md'].sort());
    expect(result.files.map((f) => f.slice(out.length + 1)).sort()).toEqual(written);
    expect(result.files[result.files.length - 1]).toBe(join(out, 'report.html'));
    for (const f of FIGURES) expect(readFileSync(join(out, f)).subarray(1, 4).toString('ascii')).toBe('PNG');

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    // Pairs (3), training (1), evaluation (2), search (3), ablation (1), extra image (1).
    expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(11);
    expect(html).toContain(readFileSync(join(out, 'confusion-matrix.png')).toString('base64'));
    expect(html).toContain(readFileSync(extra).toString('base64'));
    expect(html).not.toMatch(/src="(?!data:)/);
    expect(html).toContain('<td>Validation accuracy</td>');
    expect(html).toContain('image + audio (fused)');
    expect(readFileSync(join(out, 'trials.md'), 'utf8')).toMatch(/^\| Trial \| State \| Value \|/);

    for (const kind of ['fused', 'image', 'audio'] as const) {
      const c = result.clustering[kind];
      expect(c?.ari).toBeGreaterThanOrEqual(-1);
      expect(c?.ari).toBeLessThanOrEqual(1);
      expect(c?.nmi).toBeGreaterThanOrEqual(0);
      expect(html).toContain(`<td>${kind}</td><td>${c?.ari.toFixed(4)}</td>`);
    }
    expect(result.seconds).toBeGreaterThan(0);
    expect(logged.some((m) => m.includes('t-SNE + K-means of fused embeddings'))).toBe(true);
    // What it wrote: each figure once, by name; the count is its caller's to say (once, with the figures it drew besides).
    expect(result.files.filter((file) => file.endsWith('.png')).map((file) => `wrote ${basename(file)}`)).toEqual(logged.filter((m) => /^wrote \S+\.png$/.test(m)));
    expect(logged.filter((m) => /\d+ figures/.test(m))).toEqual([]);
  });

  it('draws the summary last when given finalSummary (e.g. with the time the figures took), in its place at the top of report.html and report.md', async () => {
    const demo = demoReportInput(40, 3);
    const input: ReportInput = { title: demo.title, summary: { seed: 7 }, history: demo.history };
    const out = join(tempDir(), 'final');
    const order: string[] = [];
    await writeReport(input, out, {
      ...FAST,
      log: (m) => order.push(m),
      finalSummary: () => {
        order.push('final summary');
        return { ...input.summary, 'time: report': '1.5s' };
      },
    });
    // Called once the training figure is drawn.
    expect(order.indexOf('final summary')).toBeGreaterThan(order.findIndex((m) => m.includes('training-curves.png')));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(html).toContain('<tr><td>time: report</td><td>1.5s</td></tr>');
    expect(md).toContain('| time: report | 1.5s |');
    // The summary comes first, once.
    expect(html.indexOf('time: report')).toBeLessThan(html.indexOf('data:image/png'));
    expect(md.indexOf('## Summary')).toBeLessThan(md.indexOf('training-curves.png'));
    expect(md.match(/## Summary/g)).toHaveLength(1);
    expect(html.match(/<td>seed<\/td>/g)).toHaveLength(1);
  });

  it('gives the same pictures for the same input and seed', async () => {
    const demo = demoReportInput(40, 3);
    const e = demo.embeddings as NonNullable<ReportInput['embeddings']>;
    // Only the fused embeddings (image and audio with 0 dims are skipped) to keep the test fast.
    const input: ReportInput = {
      ...demo,
      embeddings: { ...e, image: new Float32Array(0), audio: new Float32Array(0), dims: { ...e.dims, image: 0, audio: 0 } },
      history: undefined,
      evaluation: undefined,
      trials: undefined,
      ablation: undefined,
    };
    await writeReport(input, join(tempDir(), 'a'), { ...FAST, seed: 5 });
    await writeReport(input, join(tempDir(), 'b'), { ...FAST, seed: 5 });
    const read = (d: string, f: string) => readFileSync(join(tempDir(), d, f));
    expect(readdirSync(join(tempDir(), 'a'))).not.toContain('tsne-image.png');
    for (const f of ['tsne-fused.png', 'kmeans-fused.png', 'tsne-kmeans-fused.png', 'report.html']) {
      expect(read('a', f).equals(read('b', f))).toBe(true);
    }
  });

  it('skips absent sections with a note', async () => {
    const result = await writeReport({ title: 'Bare run', summary: { Backend: 'cpu', Accuracy: 0.5 } }, tempDir());
    expect(readdirSync(tempDir()).sort()).toEqual(['report.html', 'report.md']);
    expect(result.clustering).toEqual({});
    const html = readFileSync(join(tempDir(), 'report.html'), 'utf8');
    for (const note of [
      'No embeddings were given',
      'No training history was given.',
      'No validation evaluation was given.',
      'No hyperparameter search was run.',
      'No modality ablation was run.',
      'No robustness results were given.',
      'No data figures were given.',
    ]) {
      expect(html).toContain(note);
    }
    expect(html).not.toContain('<img');
    expect(html).toContain('<td>Backend</td><td>cpu</td>');
  });

  it("says an image-only run has no ablation only when its one ablation entry is the run's own model", async () => {
    await writeReport({ title: 'Image run', summary: {}, ablation: [{ modality: 'image', valAccuracy: 0.9 }] }, tempDir());
    const html = readFileSync(join(tempDir(), 'report.html'), 'utf8');
    expect(html).toContain('No modality ablation was run (an image-only run has none).');
    expect(readdirSync(tempDir())).not.toContain('modality-ablation.png');
  });

  it("says which model the figures are of once, and refers back to it in later sections", async () => {
    const demo = demoReportInput(60, 2);
    const e = demo.embeddings as NonNullable<ReportInput['embeddings']>;
    // Only the fused embeddings, to keep the test fast.
    const embeddings = { ...e, image: new Float32Array(0), audio: new Float32Array(0), dims: { ...e.dims, image: 0, audio: 0 } };
    const note = "These figures are of the best trial's model (trial 3), a note for this test.";
    await writeReport({ title: 't', summary: {}, embeddings, history: demo.history, evaluation: demo.evaluation, modelNote: note }, tempDir(), FAST);
    for (const file of ['report.md', 'report.html']) {
      const text = readFileSync(join(tempDir(), file), 'utf8').replace(/&#39;/g, "'");
      expect(text.split('a note for this test').length - 1).toBe(1);
      expect(text).toContain("These figures too are of that model (the best trial's; see the note above).");
      // The full note comes first, before the first figure (the embeddings'), the references after it.
      expect(text.indexOf('a note for this test')).toBeLessThan(text.indexOf('These figures too'));
      expect(text.indexOf('a note for this test')).toBeLessThan(text.search(/<img|!\[/));
      // How the maps were made, in report.md too (the page alone said it), before the agreement table.
      expect(text).toMatch(/t-SNE \(seed \d+\) of 60 validation points; K-means \(k = 10\) on each 2-D embedding, compared with the true digits\./);
      expect(text.search(/t-SNE \(seed/)).toBeLessThan(text.indexOf('Cluster agreement with digits'));
    }
  });

  it('writes the trial table but no history chart when no trial has a value yet', async () => {
    const trials = [0, 1].map((k) => ({ number: k, state: 'PRUNED' as const, params: { opt: 'adam' }, value: null, bestEpoch: null, seconds: null, intermediate: [] }));
    await writeReport({ title: 't', summary: {}, trials }, tempDir());
    expect(readdirSync(tempDir()).sort()).toEqual(['report.html', 'report.md', 'trials.md']);
    const html = readFileSync(join(tempDir(), 'report.html'), 'utf8');
    expect(html).toContain('No trial has reported a value yet');
    expect(html).toContain('<td>PRUNED</td>');
  });

  it('says under the trials why each failed trial failed and which trial ran its parameters again', async () => {
    // The run printed the reason as a warning; the report's table said FAIL and nothing else.
    const trial = { params: { dropout: 0.42 }, value: null, bestEpoch: null, seconds: 68, intermediate: [] };
    const trials = [
      { ...trial, number: 0, state: 'FAIL' as const, failReason: 'its process (29295 on vm) ended while the trial was running', retriedAs: 1 },
      { ...trial, number: 1, state: 'COMPLETE' as const, value: 0.88, bestEpoch: 4 },
      { ...trial, number: 2, state: 'FAIL' as const },
      // Failed as its process stopped (Ctrl-C): its retry, trial 4, waits for the resume (no row).
      { ...trial, number: 3, state: 'FAIL' as const, failReason: 'its process (29295 on vm) was stopped (Ctrl-C) while the trial was running', retriedAs: 4 },
    ];
    await writeReport({ title: 't', summary: {}, trials }, tempDir());
    const said =
      'Failed (FAIL: no value, left out of the ranking): trial 0 (its process (29295 on vm) ended while the trial was running; ' +
      'its parameters ran again as trial 1); trial 2 (no reason recorded); trial 3 (its process (29295 on vm) was stopped (Ctrl-C) while the trial was running; ' +
      'its parameters are queued to run again as trial 4).';
    expect(readFileSync(join(tempDir(), 'report.md'), 'utf8')).toContain(said);
    const html = readFileSync(join(tempDir(), 'report.html'), 'utf8');
    expect(html).toContain(`<p>${said}</p>`);
    expect(html.indexOf(said)).toBeGreaterThan(html.indexOf('<td>FAIL</td>'));
  });

  it("links every image of report.md relative to it, so a moved run's report still shows the data figures", async () => {
    // The data figures (extra images) were linked by absolute path: a run copied or moved elsewhere
    // had report.md pointing at the old place, where the images no longer were.
    const run = join(tempDir(), 'run');
    const out = join(run, 'report');
    const inside = join(out, 'digits-grid.png');
    const beside = join(run, 'data', 'mfcc-per-digit.png');
    const png = await renderPng({ data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } });
    writeFileAtomic(inside, png);
    writeFileAtomic(beside, png);
    const input: ReportInput = { ...demoReportInput(30, 1), extraImages: [{ title: 'Digits', path: inside }, { title: 'MFCC maps', path: beside }] };
    await writeReport(input, out, FAST);
    const moved = join(tempDir(), 'moved');
    renameSync(run, moved);
    const md = readFileSync(join(moved, 'report', 'report.md'), 'utf8');
    const links = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(links).toEqual(expect.arrayContaining(['digits-grid.png', '../data/mfcc-per-digit.png']));
    for (const link of links) expect([link, existsSync(join(moved, 'report', decodeURI(link)))]).toEqual([link, true]);
  });

  it('notes an extra image it cannot read instead of failing', async () => {
    await writeReport({ title: 't', summary: {}, extraImages: [{ title: 'MFCC maps', path: join(tempDir(), 'missing.png') }] }, tempDir());
    expect(readFileSync(join(tempDir(), 'report.html'), 'utf8')).toContain(`MFCC maps: could not read ${join(tempDir(), 'missing.png')} (ENOENT).`);
  });

  it('rejects embeddings whose size does not match labels x dims, writing nothing', async () => {
    const base = demoReportInput(20, 1);
    const embeddings = { ...(base.embeddings as NonNullable<ReportInput['embeddings']>), image: new Float32Array(19 * 400) };
    const run = () => writeReport({ ...base, embeddings }, tempDir());
    await expect(run()).rejects.toThrow(ReportInputError);
    await expect(run()).rejects.toThrow('embeddings.image: expected 20 rows x 400 dims = 8000 values (labels has 20), got 7600');
    expect(existsSync(join(tempDir(), 'report.html'))).toBe(false);
  });

  it("maps the embeddings an image-only model has and says it has no audio one (its report had no t-SNE / K-means at all)", async () => {
    const base = demoReportInput(20, 1);
    const { audio: _audio, dims: { audio: _dim, ...dims }, ...rest } = base.embeddings as NonNullable<ReportInput['embeddings']>;
    const out = tempDir();
    await writeReport({ ...base, embeddings: { ...rest, dims } }, out);
    const png = readdirSync(out).filter((f) => /^(tsne|kmeans)-/.test(f));
    expect(png.filter((f) => f.includes('audio'))).toEqual([]);
    expect(png.filter((f) => f.includes('image') || f.includes('fused'))).toHaveLength(6);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('audio: none (an image-only model has no audio branch).');
    expect(html).not.toContain('No embeddings were given');
    // report.md in the page's order: the agreement table before the figures (it came after them).
    for (const page of [html, readFileSync(join(out, 'report.md'), 'utf8')]) {
      const at = ['Adjusted Rand index', 'dense-layer embeddings', 'image embeddings', 'audio: none'].map((text) => page.indexOf(text));
      expect(at).toEqual([...at].sort((a, b) => a - b));
      expect(Math.min(...at)).toBeGreaterThan(-1);
      // Nothing is fused in a model without audio: its dense layer's embeddings were titled "fused".
      expect(page).not.toContain('fused embeddings');
      expect(page).toMatch(/<td>dense-layer<\/td>|\| dense-layer \|/);
    }
  });

  it('rejects non-finite embeddings before writing anything', async () => {
    const base = demoReportInput(20, 1);
    const audio = Float32Array.from((base.embeddings as NonNullable<ReportInput['embeddings']>).audio as Float32Array);
    audio[128 * 3 + 5] = NaN;
    const embeddings = { ...(base.embeddings as NonNullable<ReportInput['embeddings']>), audio };
    await expect(writeReport({ ...base, embeddings }, tempDir())).rejects.toThrow('embeddings.audio: value 389 (row 3) is NaN, expected a finite number');
    expect(readdirSync(tempDir())).toEqual([]);
  });
});
