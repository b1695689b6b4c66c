import { renderSvg } from '@digitfuse/plot';
import { demoReportInput } from '../testing/demo-report-input';
import { ablationSpec } from './ablation-chart';
import { kmeansChartSpec, tsneChartSpec, tsneKmeansPairSpec, type EmbeddingPlotData } from './embedding-charts';
import { confusionMatrixSpec, perClassF1Spec } from './evaluation-charts';
import { displayedValue, optimizationHistorySpec, paramImportancesSpec, parallelCoordinatesSpec } from './search-charts';
import { trainingCurvesSpec } from './training-charts';

const input = demoReportInput(40, 1);
/** Text of an SVG's <text> elements, joined (vega writes each label as its own element). */
const texts = (svg: string) =>
  [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/gs)]
    .map((m) => m[1].replace(/<tspan[^>]*>/g, '').replace(/<\/tspan>/g, '\n').replace(/&amp;/g, '&').trim())
    .join('\n');

describe('embedding charts', () => {
  const labels = Int32Array.from({ length: 30 }, (_, i) => i % 10);
  const data: EmbeddingPlotData = {
    kind: 'fused',
    coords: Float32Array.from({ length: 60 }, (_, i) => Math.sin(i)),
    labels,
    clusters: labels.map((l) => (l + 1) % 10),
    k: 10,
    agreement: { ari: 0.8123, nmi: 0.9001 },
  };

  it('tsneChartSpec() renders the title, axis titles and a digit legend with all 10 digits', async () => {
    const t = texts(await renderSvg(tsneChartSpec(data)));
    expect(t).toContain('t-SNE of fused embeddings');
    expect(t).toContain('t-SNE 1');
    expect(t).toContain('True digit');
    for (let d = 0; d < 10; d++) expect(t.split('\n')).toContain(String(d));
  });

  it('kmeansChartSpec() shows ARI and NMI', async () => {
    const t = texts(await renderSvg(kmeansChartSpec(data)));
    expect(t).toContain('K-means (k = 10) on the t-SNE of fused embeddings');
    expect(t).toContain('ARI 0.812, NMI 0.900');
    expect(t).toContain('Cluster');
  });

  it('tsneKmeansPairSpec() shows both panels, both legends and the agreement', async () => {
    const t = texts(await renderSvg(tsneKmeansPairSpec(data)));
    expect(t).toContain('K-means (k = 10) vs. true digits: adjusted Rand index 0.812, NMI 0.900');
    expect(t).toContain('coloured by true digit');
    expect(t).toContain('True digit');
    expect(t).toContain('Cluster');
  });
});

describe('trainingCurvesSpec()', () => {
  it('renders loss and accuracy panels with a train/validation legend', async () => {
    const t = texts(await renderSvg(trainingCurvesSpec(input.history ?? [])));
    for (const s of ['Training curves of the final model', 'Loss per epoch', 'Accuracy per epoch', 'Epoch', 'train', 'validation']) {
      expect(t).toContain(s);
    }
  });
});

describe('evaluation charts', () => {
  const evaluation = { accuracy: 0.9, macroF1: 0.88, confusion: [[9, 1], [1, 9]], perClass: [
    { precision: 0.9, recall: 0.9, f1: 0.9, support: 10 },
    { precision: 0.9, recall: 0.9, f1: 0.86, support: 10 },
  ] };

  it('confusionMatrixSpec() prints each count and the accuracy', async () => {
    const t = texts(await renderSvg(confusionMatrixSpec(evaluation)));
    expect(t).toContain('Confusion matrix (validation)');
    expect(t).toContain('accuracy 90.00%');
    expect(t).toContain('Predicted digit');
    expect(t).toContain('True digit');
    expect(t.split('\n').filter((s) => s === '9')).toHaveLength(2);
  });

  it('perClassF1Spec() labels each bar, the macro F1 and says when the axis does not start at 0', async () => {
    const t = texts(await renderSvg(perClassF1Spec(evaluation)));
    expect(t).toContain('0.900');
    expect(t).toContain('0.860');
    expect(t).toContain('macro F1 0.880');
    expect(t).toContain('the F1 axis starts at 0.80, not 0');
    const low = texts(await renderSvg(perClassF1Spec({ ...evaluation, macroF1: 0.2, perClass: evaluation.perClass.map((c) => ({ ...c, f1: 0.1 })) })));
    expect(low).not.toContain('not 0');
  });
});

describe('search charts', () => {
  const trials = input.trials ?? [];

  it('optimizationHistorySpec() counts trials and marks pruned ones', async () => {
    const t = texts(await renderSvg(optimizationHistorySpec(trials)));
    const pruned = trials.filter((x) => x.state === 'PRUNED').length;
    expect(pruned).toBeGreaterThan(0);
    expect(t).toContain(`${trials.length - pruned} completed, ${pruned} pruned, 0 failed trials`);
    expect(t).toContain('pruned trial (last reported value)');
    expect(t).toContain('best so far');
    expect(t).toContain('Validation accuracy');
  });

  it('displayedValue() uses a pruned trial\'s last reported value', () => {
    const base = { number: 0, params: {}, bestStep: null, seconds: null };
    expect(displayedValue({ ...base, state: 'PRUNED', value: null, intermediate: [[1, 0.3], [2, 0.5]] })).toBe(0.5);
    expect(displayedValue({ ...base, state: 'FAIL', value: null, intermediate: [[1, 0.3]] })).toBeNull();
    expect(displayedValue({ ...base, state: 'COMPLETE', value: 0.9, intermediate: [] })).toBe(0.9);
  });

  it('parallelCoordinatesSpec() has one axis per parameter plus the objective, log-scaled where sampled so', async () => {
    const t = texts(await renderSvg(parallelCoordinatesSpec(trials)));
    for (const s of ['dropout', 'filters', 'learning_rate (log)', 'optimizer', 'Validation accuracy', 'adam']) expect(t).toContain(s);
    expect(t).not.toContain('dropout (log)');
    const told = texts(await renderSvg(parallelCoordinatesSpec(trials, { logParams: ['dropout'] })));
    expect(told).toContain('dropout (log)');
    expect(told).not.toContain('learning_rate (log)');
  });

  it('paramImportancesSpec() lists parameters with their values', async () => {
    const t = texts(await renderSvg(paramImportancesSpec({ lr: 0.7, dropout: 0.3 })));
    expect(t).toContain('Hyperparameter importances');
    expect(t).toContain('0.700');
    expect(t).toContain('dropout');
  });
});

describe('ablationSpec()', () => {
  it('shows each modality with its accuracy', async () => {
    const t = texts(await renderSvg(ablationSpec([{ modality: 'both', valAccuracy: 0.98 }, { modality: 'image', valAccuracy: 0.95 }])));
    expect(t).toContain('image + audio (fused)');
    expect(t).toContain('image only');
    expect(t).toContain('98.00%');
  });
});

describe('optimizationHistorySpec() axis', () => {
  it('ticks exactly at each trial number when there are few trials (no repeated labels)', async () => {
    const trials = [
      { number: 0, state: 'COMPLETE' as const, params: {}, value: 0.97, bestStep: 4, seconds: 98, intermediate: [[4, 0.97]] as [number, number][] },
      { number: 1, state: 'PRUNED' as const, params: {}, value: null, bestStep: 5, seconds: 244, intermediate: [[5, 0.98]] as [number, number][] },
    ];
    const svg = await renderSvg(optimizationHistorySpec(trials));
    const xLabels = [...svg.matchAll(/role-axis-label[\s\S]*?<\/g>/g)][0][0].match(/>([^<]+)<\/text>/g) ?? [];
    expect(xLabels.map((l) => l.slice(1, -7))).toEqual(['0', '1']);
  });
});
