import { ablationSpec } from '../charts/ablation-chart';
import { ablationTable } from '../tables';
import { fromPart, type ReportSection } from './section';

/** Validation accuracy with image only, audio only and both. */
export const ablationSection: ReportSection = {
  id: 'ablation',
  title: 'Modality ablation',
  // One entry (the run's own model) is no ablation: an image-only run has none.
  render: (input, ctx) => {
    const single = input.ablation !== undefined && input.ablation.length === 1;
    const missing = single ? 'No modality ablation was run (an image-only run has none).' : 'No modality ablation was run.';
    return fromPart((i) => (i.ablation !== undefined && i.ablation.length > 1 ? i.ablation : undefined), missing, async (ablation, c) =>
      [
        c.table(ablationTable(ablation), 'Validation accuracy by inputs'),
        await c.chart('modality-ablation.png', ablationSpec(ablation), 'Modality ablation: validation accuracy'),
      ].join('\n'),
    )(input, ctx);
  },
};
