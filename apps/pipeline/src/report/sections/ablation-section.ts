import { ablationSpec } from '../charts/ablation-chart';
import { ablationTable } from '../tables';
import { fromPart, type ReportSection } from './section';

/** Validation accuracy with image only, audio only and both. */
export const ablationSection: ReportSection = {
  id: 'ablation',
  title: 'Modality ablation',
  // One entry (the run's own model) is no ablation: an image-only run has none.
  render: fromPart(
    (input) => (input.ablation !== undefined && input.ablation.length > 1 ? input.ablation : undefined),
    (input) => (input.ablation?.length === 1 ? 'No modality ablation was run (an image-only run has none).' : 'No modality ablation was run.'),
    async (ablation, ctx) =>
      [
        ctx.table(ablationTable(ablation), 'Validation accuracy by inputs'),
        await ctx.chart('modality-ablation.png', ablationSpec(ablation), 'Modality ablation: validation accuracy'),
      ].join('\n'),
  ),
};
