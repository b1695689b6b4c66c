import { trainingCurvesSpec } from '../charts/training-charts';
import { fromPart, type ReportSection } from './section';

/** Loss and accuracy per epoch. */
export const trainingSection: ReportSection = {
  id: 'training',
  title: 'Training',
  render: fromPart((input) => input.history, 'No training history was given.', (history, ctx) =>
    ctx.chart('training-curves.png', trainingCurvesSpec(history), 'Training curves: loss and accuracy per epoch'),
  ),
};
