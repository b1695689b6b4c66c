import { confusionMatrixSpec, perClassF1Spec, unmeasuredDigits } from '../charts/evaluation-charts';
import { fromPart, modelNote, type ReportSection } from './section';

/** The final model on the validation rows: confusion matrix, per-class F1 and metrics. */
export const evaluationSection: ReportSection = {
  id: 'evaluation',
  title: 'Validation',
  render: fromPart((input) => input.evaluation, 'No validation evaluation was given.', async (ev, ctx, input) => {
    const unmeasured = unmeasuredDigits(ev);
    return [
      modelNote(input, ctx),
      await ctx.chart('confusion-matrix.png', confusionMatrixSpec(ev), 'Confusion matrix on validation'),
      await ctx.chart('per-class-f1.png', perClassF1Spec(ev), 'Per-class F1 on validation'),
      ctx.table(
        {
          headers: ['Digit', 'Precision', 'Recall', 'F1', 'Support'],
          // A digit without rows has no precision, recall or F1 (0/0), not 0.
          rows: ev.perClass.map((c, d) =>
            unmeasured.includes(d) ? [String(d), '–', '–', '–', '0'] : [String(d), c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), String(c.support)],
          ),
        },
        'Per-class metrics',
      ),
    ].join('\n');
  }),
};
