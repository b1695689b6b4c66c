import { trainingCurvesSpec } from '../charts/training-charts';
import { fromPart, modelNote, type ReportSection } from './section';

/** Loss and accuracy per epoch. */
export const trainingSection: ReportSection = {
  id: 'training',
  title: 'Training',
  render: fromPart((input) => input.history, 'No training history was given.', async (history, ctx, input) =>
    modelNote(input, ctx) + (await ctx.chart('training-curves.png', trainingCurvesSpec(history, input.lossHeads, input.calibratedExperts), 'Training curves: loss and accuracy per epoch')),
  ),
};
