import { useTempDir } from '@digitfuse/core/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluationWithoutDigit1 } from '../testing/demo-report-input';
import type { FusionInput, TrialInput } from '../types';
import { writeReport } from '../write-report';
import { REPORT_SECTIONS, type ReportSection } from './index';
import { evaluationSection } from './evaluation-section';
import { robustnessSection } from './robustness-section';
import { searchSection } from './search-section';

describe('REPORT_SECTIONS', () => {
  it('lists the sections in the order of the page, each with its own id', () => {
    expect(REPORT_SECTIONS.map((s) => s.id)).toEqual(['summary', 'embeddings', 'training', 'evaluation', 'search', 'ablation', 'robustness', 'data']);
    expect(REPORT_SECTIONS.map((s) => s.title)).toContain('Learnt features: t-SNE and K-means');
  });
});

describe('writeReport() with its own sections', () => {
  const tempDir = useTempDir('sections-', 'each');

  it('renders each section under its title, in order, through the context', async () => {
    const notes: ReportSection = {
      id: 'notes',
      title: 'Notes & more',
      render: (input, ctx) => {
        ctx.writeFile('notes.txt', `${input.title}\n`);
        return ctx.paragraph(`Seed ${ctx.seed}, ${ctx.clusters} clusters.`);
      },
    };
    const empty: ReportSection = { id: 'empty', title: 'Empty', render: (_, ctx) => ctx.skip('Nothing here.') };
    const result = await writeReport({ title: 'Custom', summary: {} }, tempDir(), { sections: [notes, empty], seed: 4, clusters: 3 });

    expect(result.files).toEqual([join(tempDir(), 'notes.txt'), join(tempDir(), 'report.md'), join(tempDir(), 'report.html')]);
    expect(readFileSync(join(tempDir(), 'report.md'), 'utf8')).toBe('# Custom\n\n## Notes & more\n\nSeed 4, 3 clusters.\n\n## Empty\n\n_Nothing here._\n\n');
    const html = readFileSync(join(tempDir(), 'report.html'), 'utf8');
    expect(html).toContain('<nav><a href="#notes">Notes &amp; more</a><a href="#empty">Empty</a></nav>');
    expect(html).toContain('<section id="notes">\n<h2>Notes &amp; more</h2>\n<p>Seed 4, 3 clusters.</p>\n</section>');
    expect(html.indexOf('id="notes"')).toBeLessThan(html.indexOf('id="empty"'));
  });
});

describe('robustnessSection', () => {
  const tempDir = useTempDir('robustness-section-', 'each');

  it('says before its numbers that the benchmark was not measured by this run, and where it comes from', async () => {
    const robustness = {
      source: 'packages/model/assets/robustness-reference.json (measured 2026-11-24)',
      models: ['image only', 'robust fusion'],
      perSet: [{ set: 'theo-noisy', acc: [0.979, 0.985] }],
      summary: [{ group: 'unseen speaker, noisy', model: 'robust fusion', mean: 0.985, worst: 0.985, worstSet: 'theo-noisy' }],
      conclusion: 'robust fusion averages 98.50% against 97.90% for image only.',
    };
    await writeReport({ title: 'R', summary: {}, robustness }, tempDir(), { sections: [robustnessSection] });
    const html = readFileSync(join(tempDir(), 'report.html'), 'utf8');
    const said = html.indexOf('The robustness benchmark below was not measured by this run; it comes from packages/model/assets/robustness-reference.json (measured 2026-11-24).');
    expect(said).toBeGreaterThan(0);
    expect(said).toBeLessThan(html.indexOf('robust fusion averages 98.50%'));
  });
});

describe('robustnessSection: the fusion adapted to the test rows', () => {
  const tempDir = useTempDir('robustness-target-', 'each');
  const head = { acc: 0.655, loss: 1.2 };
  const fusion: FusionInput = {
    weights: { fused: 1.5, image: 1.5, audio: 0.75 },
    clean: { fused: head, image: head, audio: head, product: head },
    shifted: { fused: head, image: head, audio: head, product: head },
  };
  const said = async (target: NonNullable<FusionInput['target']>): Promise<string> => {
    await writeReport({ title: 'R', summary: {}, fusion: { ...fusion, target } }, tempDir(), { sections: [robustnessSection] });
    return readFileSync(join(tempDir(), 'report.md'), 'utf8');
  };

  it('says the weights were not adapted when the image head is confident on no test row, rather than that the test audio is as familiar', async () => {
    // A short run said: 'on the 0 rows where the image head is confident, the audio head agrees with it 0.0% of the time ...
    // multiplied by 1.00: the test audio is as familiar as the validation audio', of a measure over no row.
    const md = await said({ n: 200, confident: 0, audioAgreement: 0, audioValAccuracy: 0.655, audioScale: 1 });
    expect(md).toContain('Not adapted to the 200 test rows: the image head is confident on none of them');
    expect(md).not.toContain('as familiar');
    expect(md).not.toContain('0.0% of the time');
  });

  it("says whose accuracies the calibration table gives: the best trial's model's, on validation, whose weights the submitted model keeps", async () => {
    // It was titled "Calibrated fusion of the final model", above accuracies the retrained model (no validation rows left) never had.
    const md = await said({ n: 200, confident: 0, audioAgreement: 0, audioValAccuracy: 0.655, audioScale: 1 });
    expect(md).toContain("Calibrated fusion of the best trial's model");
    expect(md).not.toContain('of the final model');
    expect(md).toContain("Accuracies of the best trial's model on the validation rows. The submitted model, retrained on all training rows, has no rows left to calibrate on and keeps these weights (an ensemble's other members keep their own trials').");
  });

  it('counts one test row in the singular (`the 1 test rows`, `the 1 rows` before)', async () => {
    const md = await said({ n: 1, confident: 1, audioAgreement: 1, audioValAccuracy: 0.9, audioScale: 1 });
    expect(md).toContain('Adapted to the 1 test row without their labels: on the 1 row where the image head is confident');
    expect((await said({ n: 1, confident: 0, audioAgreement: 0, audioValAccuracy: 0.9, audioScale: 1 }))).toContain('Not adapted to the 1 test row: ');
  });

  it('gives the agreement and the factor when some test rows were pseudo-labelled', async () => {
    const md = await said({ n: 200, confident: 150, audioAgreement: 0.6, audioValAccuracy: 0.9, audioScale: 0.5 });
    expect(md).toContain('on the 150 rows where the image head is confident, the audio head agrees with it 60.0% of the time');
    expect(md).toContain('multiplied by 0.50: the test voices are less familiar than the validation ones.');
  });
});

describe('searchSection: a pruned trial', () => {
  const tempDir = useTempDir('search-section-', 'each');
  const trial = { params: { dropout: 0.3 }, bestEpoch: null, seconds: 2.5, intermediate: [[1, 0.6], [2, 0.8]] as [number, number][] };
  const trials: TrialInput[] = [
    { ...trial, number: 0, state: 'COMPLETE', value: 0.7, bestEpoch: 2 },
    { ...trial, number: 1, state: 'PRUNED', value: 0.8 },
  ];

  it("says under the trials that a pruned trial's value is its validation accuracy after its last epoch, also where it is not bracketed (the objective's scale)", async () => {
    await writeReport({ title: 'S', summary: {}, trials }, tempDir(), { sections: [searchSection] });
    const md = readFileSync(join(tempDir(), 'report.md'), 'utf8');
    expect(md).toContain("PRUNED: the pruner stopped the trial when its curve fell behind the others'; its Value is its validation accuracy after its last epoch (what the pruner compares), not that of a finished training.");
    expect(md).not.toContain('in brackets');
  });
});

describe('evaluationSection', () => {
  const tempDir = useTempDir('evaluation-section-', 'each');

  it('gives no precision, recall or F1 for a digit without validation rows nor predictions, rather than 0', async () => {
    const evaluation = evaluationWithoutDigit1();
    await writeReport({ title: 'E', summary: {}, evaluation }, tempDir(), { sections: [evaluationSection] });
    const md = readFileSync(join(tempDir(), 'report.md'), 'utf8');
    expect(md).toContain('| 1 | – | – | – | 0 |');
    expect(md).toContain('| 2 | 0.9000 | 0.9000 | 0.9000 | 10 |');
  });
});
