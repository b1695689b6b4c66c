import { renderSvg } from '@digitfuse/plot';
import { demoReportInput, evaluationWithoutDigit1 } from '../testing/demo-report-input';
import { ablationSpec } from './ablation-chart';
import { kmeansChartSpec, tsneChartSpec, tsneKmeansPairSpec, type EmbeddingPlotData } from './embedding-charts';
import { confusionMatrixSpec, perClassF1Spec, unmeasuredDigits } from './evaluation-charts';
import { displayedValue, optimizationHistorySpec, paramImportancesSpec, parallelCoordinatesSpec } from './search-charts';
import { trainingCurvesSpec } from './training-charts';

const input = demoReportInput(40, 1);
/** Text of an SVG's <text> elements, joined (vega writes each label as its own element). */
const texts = (svg: string) =>
  [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/gs)]
    .map((m) => m[1].replace(/<tspan[^>]*>/g, '').replace(/<\/tspan>/g, '\n').replace(/&amp;/g, '&').trim())
    .join('\n');
/** Expects the rendered SVG of `spec` to show each of `shown`; returns its text. */
async function expectTexts(spec: Parameters<typeof renderSvg>[0], shown: readonly string[]): Promise<string> {
  const t = texts(await renderSvg(spec));
  for (const s of shown) expect(t).toContain(s);
  return t;
}

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
    const t = await expectTexts(tsneChartSpec(data), ['t-SNE of fused embeddings', 't-SNE 1', 'True digit']);
    for (let d = 0; d < 10; d++) expect(t.split('\n')).toContain(String(d));
  });

  it('kmeansChartSpec() shows ARI and NMI', async () => {
    await expectTexts(kmeansChartSpec(data), ['K-means (k = 10) on the t-SNE of fused embeddings', 'ARI 0.812, NMI 0.900', 'Cluster']);
  });

  it('names the clusters no digit matched "unmatched N", not a number that reads as a digit absent from the sample', async () => {
    // Digits 0-4 only, k = 7: matchClustersToLabels numbers the two clusters left over 5 and 6.
    const few = Int32Array.from({ length: 35 }, (_, i) => i % 5);
    const clusters = Int32Array.from({ length: 35 }, (_, i) => i % 7);
    const t = await expectTexts(kmeansChartSpec({ ...data, labels: few, clusters, coords: Float32Array.from({ length: 70 }, (_, i) => Math.cos(i)), k: 7 }), ['unmatched 1', 'unmatched 2']);
    const legend = t.split('\n');
    for (const d of ['0', '1', '2', '3', '4']) expect(legend).toContain(d);
    expect(legend).not.toContain('5');
    expect(legend).not.toContain('6');
  });

  it('tsneKmeansPairSpec() shows both panels, both legends and the agreement', async () => {
    const shown = ['K-means (k = 10) vs. true digits: adjusted Rand index 0.812, NMI 0.900', 'coloured by true digit', 'True digit', 'Cluster'];
    await expectTexts(tsneKmeansPairSpec(data), shown);
  });
});

describe('trainingCurvesSpec()', () => {
  it('renders loss and accuracy panels with a train/validation legend', async () => {
    await expectTexts(trainingCurvesSpec(input.history ?? []), ['Training curves', 'Loss per epoch', 'Accuracy per epoch', 'Epoch', 'train', 'validation']);
  });

  it("titles the loss axis by what the model's training sums: one cross-entropy, or robust fusion's three", async () => {
    await expectTexts(trainingCurvesSpec(input.history ?? []), ['Loss (cross-entropy)']);
    await expectTexts(trainingCurvesSpec(input.history ?? [], ['fused', 'image', 'audio']), ['Loss (sum of 3 cross-entropies)', 'summed over the heads: fused + image + audio']);
  });

  it("says a calibrated product of experts' accuracy per epoch is its fused head's, not the model's output", async () => {
    // Robust fusion's curve read "of the model's output" at 36.67% while that model's validation accuracy was 26.67%:
    // its experts' weights are set after training, so while it trained its output was the fused head alone.
    const heads = ['fused', 'image', 'audio'];
    const t = await expectTexts(trainingCurvesSpec(input.history ?? [], heads, true), ['of the fused head: the output before the fusion weights were calibrated']);
    expect(t).not.toContain("of the model's output");
    await expectTexts(trainingCurvesSpec(input.history ?? [], heads), ["of the model's output"]);
  });

  it("keeps robust fusion's loss panel as tall as its plot: the panel's title sits just above it, not far above a gap", async () => {
    // The axis title once named the three heads and was longer than the 260-pixel plot: the panel grew
    // to the title's length and the chart was ~580 pixels tall with a blank band under 'Loss per epoch'.
    const heightOf = async (heads?: readonly string[]) => Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(await renderSvg(trainingCurvesSpec(input.history ?? [], heads)))?.[1]);
    const one = await heightOf();
    const three = await heightOf(['fused', 'image', 'audio']);
    expect(one).toBeLessThan(420);
    // The subtitle naming the heads adds one line, nothing more.
    expect(three - one).toBeLessThan(40);
  });

  it('labels each epoch once on both panels when there are few (3 epochs read "1, 2, 2, 3, 3")', async () => {
    const history = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, acc: 0.5 + epoch / 10, val_loss: 1 / (epoch + 1), val_acc: 0.6 + epoch / 10 }));
    const svg = await renderSvg(trainingCurvesSpec(history));
    const axes = [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/gs)].map((m) => [...m[1].matchAll(/>([^<]*)<\/text>/g)].map((t) => t[1]));
    expect(axes.filter((labels) => labels.join(',') === '1,2,3')).toHaveLength(2);
  });

  it('says why training figures can be worse than validation ones (dropout on while training)', async () => {
    await expectTexts(trainingCurvesSpec(input.history ?? []), ['with dropout (and any augmentation) on;']);
  });
});

describe('evaluation charts', () => {
  const evaluation = { accuracy: 0.9, macroF1: 0.88, confusion: [[9, 1], [1, 9]], perClass: [
    { precision: 0.9, recall: 0.9, f1: 0.9, support: 10 },
    { precision: 0.9, recall: 0.9, f1: 0.86, support: 10 },
  ] };

  it("confusionMatrixSpec() labels its Count legend with whole counts (it read 0.0, 0.5, ... 3.5, 4.0)", async () => {
    // A run's 10 x 10 matrix on 30 validation rows (counts up to 4).
    const confusion = Array.from({ length: 10 }, (_, t) => Array.from({ length: 10 }, (_, p) => (p === 7 ? [3, 1, 2, 3, 0, 0, 3, 4, 1, 2][t] : p === 5 ? [0, 2, 1, 0, 3, 3, 0, 0, 1, 0][t] : p === 0 && t === 0 ? 1 : 0)));
    const perClass = Array.from({ length: 10 }, () => ({ precision: 0.5, recall: 0.5, f1: 0.5, support: 3 }));
    const small = { ...evaluation, confusion, perClass };
    const svg = await renderSvg(confusionMatrixSpec(small));
    const legend = [...svg.matchAll(/<g class="mark-text role-legend-label"[^>]*>(.*?)<\/g>/gs)].flatMap((m) => [...m[1].matchAll(/>([^<]*)<\/text>/g)].map((t) => t[1]));
    expect(legend.length).toBeGreaterThan(1);
    for (const label of legend) expect(label).toMatch(/^\d+$/);
    expect(new Set(legend).size).toBe(legend.length);
  });

  it('confusionMatrixSpec() prints each count and the accuracy', async () => {
    const t = await expectTexts(confusionMatrixSpec(evaluation), ['Confusion matrix (validation)', 'accuracy 90.00%', 'Predicted digit', 'True digit']);
    expect(t.split('\n').filter((s) => s === '9')).toHaveLength(2);
  });

  it('perClassF1Spec() labels each bar, the macro F1 and says when the axis does not start at 0', async () => {
    await expectTexts(perClassF1Spec(evaluation), ['0.900', '0.860', 'macro F1 0.880', 'the F1 axis starts at 0.80, not 0']);
    const low = texts(await renderSvg(perClassF1Spec({ ...evaluation, macroF1: 0.2, perClass: evaluation.perClass.map((c) => ({ ...c, f1: 0.1 })) })));
    expect(low).not.toContain('not 0');
  });

  it('perClassF1Spec() draws no bar for a digit without validation rows nor predictions, and says so, its axis label kept', async () => {
    // 12 validation rows without a 1: digit 1 got an 'F1 0.000' bar and was the 'lowest class F1 0.0000', though the macro F1 leaves it out.
    const three = evaluationWithoutDigit1();
    expect(unmeasuredDigits(three)).toEqual([1]);
    const svg = await renderSvg(perClassF1Spec(three));
    const t = await expectTexts(perClassF1Spec(three), ['lowest class F1 0.9000', 'no F1 for digit 1: no validation row, none predicted (left out of the macro F1)', 'no rows']);
    expect(t).not.toContain('0.000');
    expect([...svg.matchAll(/<path[^>]*aria-roledescription="bar"/g)]).toHaveLength(2);
    expect(t.split('\n').filter((s) => s === '1')).toHaveLength(1);
    // A digit predicted though it has no row is measured (precision 0): its bar stays.
    expect(unmeasuredDigits({ ...three, confusion: [[9, 1, 0], [0, 0, 0], [1, 0, 9]] })).toEqual([]);
  });

  it("perClassF1Spec() draws the macro F1 line under the bars and their labels, each label on a white halo", async () => {
    // The line was drawn last: its dashes struck through a label at the macro F1's height (0.993 under 0.995).
    const svg = await renderSvg(perClassF1Spec({ ...evaluation, macroF1: 0.9, perClass: evaluation.perClass.map((c) => ({ ...c, f1: 0.9 })) }));
    // The macro line is the one dashed rule (the axes' rules are solid); the bars are the rect marks.
    const line = svg.indexOf('stroke-dasharray="6,4"');
    expect(line).toBeGreaterThan(-1);
    expect(line).toBeLessThan(svg.indexOf('class="mark-rect'));
    expect(line).toBeLessThan(svg.indexOf('>0.900<'));
    // Two text layers with the labels: a white-stroked halo, then the label over it.
    const labelLayers = [...svg.matchAll(/<g class="mark-text[^"]*"[^>]*>(.*?)<\/g>/gs)].filter((m) => m[1].includes('>0.900<'));
    expect(labelLayers).toHaveLength(2);
    expect(labelLayers[0][1]).toContain('stroke="white"');
    expect(labelLayers[1][1]).not.toContain('stroke="white"');
  });
});

describe('search charts', () => {
  const trials = input.trials ?? [];

  it('optimizationHistorySpec() counts trials and marks pruned ones', async () => {
    const pruned = trials.filter((x) => x.state === 'PRUNED').length;
    expect(pruned).toBeGreaterThan(0);
    const shown = [`${trials.length - pruned} completed, ${pruned} pruned, 0 failed trials`, 'pruned trial (last reported value)', 'best so far', 'Validation accuracy'];
    await expectTexts(optimizationHistorySpec(trials), shown);
  });

  it("optimizationHistorySpec() leaves pruned trials off the objective's axis when their value is another figure, and says so", async () => {
    // Under --objective shift-aware a pruned trial's value is its last clean validation accuracy: drawn
    // as a cross on the objective's axis it stood level with the best trial (0.9788) it had not matched.
    const pruned = trials.filter((x) => x.state === 'PRUNED').length;
    const spec = optimizationHistorySpec(trials, { name: 'objective value', prunedValue: 'clean validation accuracy' });
    const t = await expectTexts(spec, [`${pruned} pruned`, 'pruned trials not drawn: their last value is a clean validation accuracy, not the objective value']);
    expect(t).not.toContain('pruned trial (last reported value)');
    const drawn = (spec as unknown as { layer: Array<{ data: { values: Array<{ trial: number }> } }> }).layer[1].data.values.map((p) => p.trial);
    expect(drawn).toEqual(trials.filter((x) => x.state === 'COMPLETE').map((x) => x.number).sort((a, b) => a - b));
  });

  it("optimizationHistorySpec() names the chosen trial when the run kept the paper's configuration over a higher value", async () => {
    // The chart said 'best 0.9788' while the summary's best trial was trial 0 with 0.9738.
    const top = Math.max(...trials.filter((x) => x.state === 'COMPLETE').map((x) => x.value as number));
    const t = await expectTexts(optimizationHistorySpec(trials, { chosen: { number: 0, value: 0.9738, standardError: 0.0051 } }), [
      `highest ${top.toFixed(4)}`,
      "chosen: trial 0 (0.9738), the paper's configuration, within one standard error (0.0051) of the highest",
    ]);
    expect(t).not.toContain('best 0.');
    await expectTexts(optimizationHistorySpec(trials), [`best ${top.toFixed(4)}`]);
  });

  it('optimizationHistorySpec() marks a trial the search budget stopped early apart, its value being of a shorter training', async () => {
    const complete = (number: number, value: number, stoppedByBudget = false) => ({ number, state: 'COMPLETE' as const, params: {}, value, bestEpoch: 1, seconds: 9, intermediate: [], stoppedByBudget });
    const cut = optimizationHistorySpec([complete(0, 0.95), complete(1, 0.93), complete(2, 0.58, true)]);
    expect(await expectTexts(cut, ['completed trial', 'completed early (search budget)'])).toBeTruthy();
    const points = (cut as unknown as { layer: Array<{ data: { values: Array<{ trial: number; series: string }> } }> }).layer[1].data.values;
    expect(points.map((p) => [p.trial, p.series])).toEqual([[0, 'completed trial'], [1, 'completed trial'], [2, 'completed early (search budget)']]);
    expect(texts(await renderSvg(optimizationHistorySpec([complete(0, 0.95), complete(1, 0.93)])))).not.toContain('search budget');
  });

  it('displayedValue() uses a pruned trial\'s last reported value', () => {
    const base = { number: 0, params: {}, bestEpoch: null, seconds: null };
    expect(displayedValue({ ...base, state: 'PRUNED', value: null, intermediate: [[1, 0.3], [2, 0.5]] })).toBe(0.5);
    expect(displayedValue({ ...base, state: 'FAIL', value: null, intermediate: [[1, 0.3]] })).toBeNull();
    expect(displayedValue({ ...base, state: 'COMPLETE', value: 0.9, intermediate: [] })).toBe(0.9);
  });

  it('parallelCoordinatesSpec() has one axis per parameter plus the objective, log-scaled where sampled so', async () => {
    const t = await expectTexts(parallelCoordinatesSpec(trials), ['dropout', 'filters', 'learning_rate (log)', 'optimizer', 'Validation accuracy', 'adam']);
    expect(t).not.toContain('dropout (log)');
    const told = texts(await renderSvg(parallelCoordinatesSpec(trials, { logParams: ['dropout'] })));
    expect(told).toContain('dropout (log)');
    expect(told).not.toContain('learning_rate (log)');
  });

  it('paramImportancesSpec() lists parameters with their values and the trials they come from', async () => {
    const shown = await expectTexts(paramImportancesSpec({ lr: 0.7, dropout: 0.3 }, 12), ['Hyperparameter importances', '0.700', 'dropout', 'over 12 completed trials']);
    expect(shown).not.toContain('cannot be told apart');
  });

  it('paramImportancesSpec() warns that two trials cannot tell nine parameters apart', async () => {
    const nine = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((p) => [p, 1 / 9]));
    await expectTexts(paramImportancesSpec(nine, 2), ['over 2 completed trials', 'cannot be told apart yet']);
  });
});

describe('ablationSpec()', () => {
  it('shows each modality with its accuracy', async () => {
    await expectTexts(ablationSpec([{ modality: 'both', valAccuracy: 0.98 }, { modality: 'image', valAccuracy: 0.95 }]), ['image + audio (fused)', 'image only', '98.00%']);
  });
});

describe('optimizationHistorySpec() axis', () => {
  it('ticks exactly at each trial number when there are few trials (no repeated labels)', async () => {
    const trials = [
      { number: 0, state: 'COMPLETE' as const, params: {}, value: 0.97, bestEpoch: 4, seconds: 98, intermediate: [[4, 0.97]] as [number, number][] },
      { number: 1, state: 'PRUNED' as const, params: {}, value: null, bestEpoch: 5, seconds: 244, intermediate: [[5, 0.98]] as [number, number][] },
    ];
    const svg = await renderSvg(optimizationHistorySpec(trials));
    const xLabels = [...svg.matchAll(/role-axis-label[\s\S]*?<\/g>/g)][0][0].match(/>([^<]+)<\/text>/g) ?? [];
    expect(xLabels.map((l) => l.slice(1, -7))).toEqual(['0', '1']);
  });

  it('reads one completed trial at its value, with one trial number (0.8000 read "1", over the labels 0 and 1 of a running trial)', async () => {
    // The dashboard's chart while a search's second trial runs, and a `--trials 1` run's report.
    const trials = [
      { number: 0, state: 'COMPLETE' as const, params: {}, value: 0.8, bestEpoch: 3, seconds: 6, intermediate: [[3, 0.86]] as [number, number][] },
      { number: 1, state: 'RUNNING' as const, params: {}, value: null, bestEpoch: null, seconds: 4, intermediate: [[1, 0.25]] as [number, number][] },
    ];
    const svg = await renderSvg(optimizationHistorySpec(trials, { name: 'objective value' }));
    const [xLabels, yLabels] = [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/gs)].map((m) => [...m[1].matchAll(/>([^<]*)<\/text>/g)].map((t) => t[1]));
    expect(xLabels).toEqual(['0']);
    expect(yLabels).toEqual(expect.arrayContaining(['0.78', '0.80', '0.82']));
    expect(yLabels).not.toContain('1');
  });
});
