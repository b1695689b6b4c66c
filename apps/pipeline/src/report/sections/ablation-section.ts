import { ablationSpec } from '../charts/ablation-chart';
import { ablationTable } from '../tables';
import type { ReportSection } from './section';

/** Validation accuracy with image only, audio only and both. */
export const ablationSection: ReportSection = {
  id: 'ablation',
  title: 'Modality ablation',
  async render(input, ctx) {
    if (!input.ablation || input.ablation.length === 0) return ctx.skip('No modality ablation was run.');
    return [
      ctx.table(ablationTable(input.ablation), 'Validation accuracy by inputs'),
      await ctx.chart('modality-ablation.png', ablationSpec(input.ablation), 'Modality ablation: validation accuracy'),
    ].join('\n');
  },
};
