import { trainingCurvesSpec } from '../charts/training-charts';
import type { ReportSection } from './section';

/** Loss and accuracy per epoch. */
export const trainingSection: ReportSection = {
  id: 'training',
  title: 'Training',
  render: async (input, ctx) =>
    input.history && input.history.length > 0
      ? ctx.chart('training-curves.png', trainingCurvesSpec(input.history), 'Training curves: loss and accuracy per epoch')
      : ctx.skip('No training history was given.'),
};
