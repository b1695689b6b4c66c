import type { TopLevelSpec } from '@digitfuse/plot';
import type { EvaluationInput } from '../types';
import { LEGEND_CONFIG, TITLE_CONFIG, round } from './theme';

/** Confusion-matrix heatmap (true digit down, predicted across) with the count in each cell. */
export function confusionMatrixSpec(evaluation: EvaluationInput): TopLevelSpec {
  const cells: Array<{ truth: number; predicted: number; count: number; share: number }> = [];
  let max = 0;
  evaluation.confusion.forEach((row, t) => {
    const total = row.reduce((s, v) => s + v, 0);
    row.forEach((count, p) => {
      cells.push({ truth: t, predicted: p, count, share: total > 0 ? round(count / total, 4) : 0 });
      if (count > max) max = count;
    });
  });
  const size = Math.max(240, Math.min(520, 44 * evaluation.confusion.length));
  return {
    title: {
      text: 'Confusion matrix (validation)',
      subtitle: `accuracy ${(100 * evaluation.accuracy).toFixed(2)}%, macro F1 ${evaluation.macroF1.toFixed(4)}; rows: true digit, columns: predicted`,
    },
    width: size,
    height: size,
    data: { values: cells },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', title: 'Predicted digit', axis: { labelAngle: 0, orient: 'top' } },
      y: { field: 'truth', type: 'ordinal', title: 'True digit' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'count',
            type: 'quantitative',
            title: 'Count',
            scale: { scheme: 'blues', type: 'symlog' },
            // Whole counts: the legend read 0.0, 0.5, 1.0 ... 3.5, 4.0 for a matrix of counts up to 4.
            legend: { ...LEGEND_CONFIG, gradientLength: Math.min(size, 300), format: 'd', tickMinStep: 1 },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative', format: 'd' },
          color: { condition: { test: `datum.count > ${Math.sqrt(Math.max(max, 1))}`, value: 'white' }, value: '#222' },
        },
      },
    ],
    config: { title: TITLE_CONFIG, axis: { labelFontSize: 12, titleFontSize: 13 } },
  } as unknown as TopLevelSpec;
}

/**
 * The digits with no validation row that nothing was predicted as either: their precision, recall and
 * F1 are 0/0, which the metrics give as 0 and the macro F1 leaves out (`classificationMetrics`).
 */
export function unmeasuredDigits(evaluation: EvaluationInput): number[] {
  return evaluation.perClass.flatMap((c, digit) => (c.support === 0 && evaluation.confusion.every((row) => !row[digit]) ? [digit] : []));
}

/** Per-class F1 bars with the value on each bar and a rule at the macro F1; a digit without rows gets no bar but a note. */
export function perClassF1Spec(evaluation: EvaluationInput): TopLevelSpec {
  const unmeasured = unmeasuredDigits(evaluation);
  const bars = evaluation.perClass
    .map((c, digit) => ({
      digit,
      f1: round(c.f1, 4),
      precision: round(c.precision, 4),
      recall: round(c.recall, 4),
      support: c.support,
    }))
    .filter((b) => !unmeasured.includes(b.digit));
  const minF1 = Math.min(1, ...bars.map((b) => b.f1));
  // Digit classifiers score F1 near 1, where bars from 0 all look alike: when every bar is above
  // 0.5, start the axis just below the lowest one (in steps of 0.05) and say so in the subtitle.
  const lowest = Math.min(minF1, evaluation.macroF1);
  const lower = lowest >= 0.5 ? Math.floor((lowest - 0.02) * 20) / 20 : 0;
  const upper = 1 + (1 - lower) * 0.08;
  return {
    title: {
      text: 'Per-class F1 (validation)',
      subtitle: [
        `macro F1 ${evaluation.macroF1.toFixed(4)} (dashed line); lowest class F1 ${minF1.toFixed(4)}`,
        ...(lower > 0 ? [`note: the F1 axis starts at ${lower.toFixed(2)}, not 0`] : []),
        ...(unmeasured.length > 0
          ? [`no F1 for digit${unmeasured.length > 1 ? 's' : ''} ${unmeasured.join(', ')}: no validation row, none predicted (left out of the macro F1)`]
          : []),
      ],
    },
    width: 440,
    height: 260,
    // Drawn first, under the bars and their labels: over them, its dashes struck through a label
    // sitting at the macro F1's height (0.993 under a macro F1 of 0.995).
    layer: [
      {
        data: { values: [{ macro: round(evaluation.macroF1, 4) }] },
        mark: { type: 'rule', color: '#e45756', strokeDash: [6, 4], strokeWidth: 2 },
        encoding: { y: { field: 'macro', type: 'quantitative', scale: { domain: [lower, upper], clamp: true } } },
      },
      {
        data: { values: bars },
        mark: { type: 'bar', color: '#4c78a8', width: { band: 0.7 }, clip: true },
        encoding: {
          // Every digit on the axis, those without a bar too.
          x: { field: 'digit', type: 'ordinal', title: 'Digit', axis: { labelAngle: 0 }, scale: { domain: evaluation.perClass.map((_, digit) => digit) } },
          y: {
            field: 'f1',
            type: 'quantitative',
            title: 'F1 score',
            scale: { domain: [lower, upper], clamp: true },
            axis: { values: ticksBetween(lower, 1) },
          },
        },
      },
      // Each bar's label on a white halo (the same text, stroked white, under it), so the line stays
      // readable behind it.
      ...[{ stroke: 'white', strokeWidth: 4, color: 'white' }, {}].map((look) => ({
        data: { values: bars },
        mark: { type: 'text', dy: -8, fontSize: 10, ...look },
        encoding: {
          x: { field: 'digit', type: 'ordinal' },
          y: { field: 'f1', type: 'quantitative' },
          text: { field: 'f1', type: 'quantitative', format: '.3f' },
        },
      })),
      ...(unmeasured.length > 0
        ? [
            {
              data: { values: unmeasured.map((digit) => ({ digit, f1: lower, label: 'no rows' })) },
              mark: { type: 'text', dy: -8, fontSize: 10, color: '#777', fontStyle: 'italic' },
              encoding: { x: { field: 'digit', type: 'ordinal' }, y: { field: 'f1', type: 'quantitative' }, text: { field: 'label' } },
            },
          ]
        : []),
      {
        data: { values: [{ macro: round(evaluation.macroF1, 4), label: `macro F1 ${evaluation.macroF1.toFixed(3)}` }] },
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, color: '#e45756', fontSize: 11, x: { expr: 'width' } },
        encoding: { y: { field: 'macro', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
    config: { title: TITLE_CONFIG },
  } as unknown as TopLevelSpec;
}

/** About five round tick values from `lo` to `hi`. */
function ticksBetween(lo: number, hi: number): number[] {
  const span = hi - lo;
  const step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25].find((s) => span / s <= 6) ?? 0.25;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) ticks.push(round(v, 4));
  return ticks;
}
