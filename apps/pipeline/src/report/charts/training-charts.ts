import { counted } from '@digitfuse/core';
import type { TopLevelSpec } from '@digitfuse/plot';
import type { HistoryEntry } from '../types';
import { integerAxis, LEGEND_CONFIG, SPLIT_COLOURS, TITLE_CONFIG, round } from './theme';

/**
 * The loss axis' title: one cross-entropy, or the sum over the heads a model trains (`lossHeads`),
 * short enough to fit along the panel (a longer one stretched the panel and left its title far above
 * it); the heads' names go in the panel's subtitle (`lossSubtitle`).
 */
export function lossTitle(lossHeads: readonly string[] = ['prediction']): string {
  return lossHeads.length > 1 ? `Loss (sum of ${lossHeads.length} cross-entropies)` : 'Loss (cross-entropy)';
}

/** The loss panel's subtitle: which heads' cross-entropies the loss sums; none for one. */
export function lossSubtitle(lossHeads: readonly string[] = ['prediction']): string | undefined {
  return lossHeads.length > 1 ? `summed over the heads: ${lossHeads.join(' + ')}` : undefined;
}

/**
 * The accuracy panel's subtitle: whose accuracy it is. A product of experts is calibrated after
 * training (`calibratedExperts`), so while it trained its output was its fused head alone; said, as the
 * curve's last point is not the model's validation accuracy. Else the model's output, said when the
 * loss panel has a subtitle (so both titles stand level).
 */
export function accuracySubtitle(lossHeads?: readonly string[], calibratedExperts = false): string | undefined {
  if (calibratedExperts) return 'of the fused head: the output before the fusion weights were calibrated';
  return lossSubtitle(lossHeads) === undefined ? undefined : "of the model's output";
}

/**
 * Loss and accuracy per epoch, train and validation, side by side; `lossHeads` as `lossTitle`'s,
 * `calibratedExperts` as `accuracySubtitle`'s.
 */
export function trainingCurvesSpec(history: readonly HistoryEntry[], lossHeads?: readonly string[], calibratedExperts = false): TopLevelSpec {
  const rows: Array<{ epoch: number; metric: string; split: string; value: number }> = [];
  for (const h of history) {
    rows.push({ epoch: h.epoch, metric: 'loss', split: 'train', value: round(h.loss, 5) });
    rows.push({ epoch: h.epoch, metric: 'accuracy', split: 'train', value: round(h.acc, 5) });
    if (h.val_loss !== undefined && Number.isFinite(h.val_loss)) {
      rows.push({ epoch: h.epoch, metric: 'loss', split: 'validation', value: round(h.val_loss, 5) });
    }
    if (h.val_acc !== undefined && Number.isFinite(h.val_acc)) {
      rows.push({ epoch: h.epoch, metric: 'accuracy', split: 'validation', value: round(h.val_acc, 5) });
    }
  }
  const panel = (metric: 'loss' | 'accuracy', text: string, subtitle?: string) => ({
    title: subtitle === undefined ? text : { text, subtitle },
    width: 360,
    height: 260,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line', point: { size: 30, filled: true }, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: integerAxis(history.map((h) => h.epoch)) },
      y: {
        field: 'value',
        type: 'quantitative',
        title: metric === 'loss' ? lossTitle(lossHeads) : 'Accuracy',
        scale: { zero: false },
        ...(metric === 'accuracy' ? { axis: { format: '.0%' } } : {}),
      },
      color: {
        field: 'split',
        type: 'nominal',
        title: 'Split',
        scale: { domain: ['train', 'validation'], range: [SPLIT_COLOURS.train, SPLIT_COLOURS.validation] },
        legend: { ...LEGEND_CONFIG, symbolType: 'stroke', symbolStrokeWidth: 3 },
      },
      strokeDash: {
        field: 'split',
        type: 'nominal',
        title: 'Split',
        scale: { domain: ['train', 'validation'], range: [[1, 0], [6, 3]] },
      },
    },
  });
  return {
    title: {
      text: 'Training curves',
      subtitle: [
        `${counted(history.length, 'epoch')}; train vs. validation`,
        'train: averaged over each epoch, with dropout (and any augmentation) on;',
        'validation: measured after the epoch without them, so it can be the better',
      ],
    },
    data: { values: rows },
    hconcat: [
      panel('loss', 'Loss per epoch', lossSubtitle(lossHeads)),
      panel('accuracy', 'Accuracy per epoch', accuracySubtitle(lossHeads, calibratedExperts)),
    ],
    config: { title: TITLE_CONFIG },
  } as TopLevelSpec;
}
