import type { TopLevelSpec } from '@digitfuse/plot';
import type { AblationEntry } from '../types';
import { TITLE_CONFIG, round } from './theme';

/** Human name of an ablation arm. */
export function modalityLabel(modality: AblationEntry['modality']): string {
  return modality === 'both' ? 'image + audio (fused)' : `${modality} only`;
}

/** Validation accuracy per modality, as labelled bars. */
export function ablationSpec(ablation: readonly AblationEntry[]): TopLevelSpec {
  const order: AblationEntry['modality'][] = ['image', 'audio', 'both'];
  const rows = [...ablation]
    .sort((a, b) => order.indexOf(a.modality) - order.indexOf(b.modality))
    .map((a) => ({ modality: modalityLabel(a.modality), acc: round(a.valAccuracy, 5) }));
  return {
    title: { text: 'Modality ablation', subtitle: 'validation accuracy of models trained with the same budget' },
    width: 380,
    height: 240,
    data: { values: rows },
    encoding: {
      x: { field: 'modality', type: 'nominal', sort: rows.map((r) => r.modality), title: 'Inputs', axis: { labelAngle: 0, labelFontSize: 12, labelLimit: 0 } },
      y: { field: 'acc', type: 'quantitative', title: 'Validation accuracy', scale: { domain: [0, 1.08] }, axis: { format: '.0%', values: [0, 0.2, 0.4, 0.6, 0.8, 1] } },
    },
    layer: [
      {
        mark: { type: 'bar', width: { band: 0.6 } },
        encoding: {
          color: { field: 'modality', type: 'nominal', scale: { domain: rows.map((r) => r.modality), range: ['#4c78a8', '#f58518', '#54a24b'] }, legend: null },
        },
      },
      { mark: { type: 'text', dy: -8, fontSize: 12 }, encoding: { text: { field: 'acc', type: 'quantitative', format: '.2%' } } },
    ],
    config: { title: TITLE_CONFIG },
  } as unknown as TopLevelSpec;
}
