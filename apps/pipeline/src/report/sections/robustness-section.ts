import { counted } from '@digitfuse/core';
import { fusionTable, robustnessTables } from '../tables';
import type { ReportSection } from './section';

const FUSION_TEXT =
  "This run's model fuses the senses robustly: a fused head, an image head and an audio head, each trained with its own loss " +
  '(with one sense sometimes blanked in training), combined as a weighted product of experts. The weights were chosen on the ' +
  'validation rows as they are and with shifted audio (a stand-in for speakers not in training), so audio that the model has ' +
  'not learnt to trust cannot overrule a clear image.';

/** The robust fusion of the best trial's model (whose weights the retrained model keeps) and the robustness benchmark. */
export const robustnessSection: ReportSection = {
  id: 'robustness',
  title: 'Does hearing make seeing more robust?',
  render(input, ctx) {
    const parts: string[] = [];
    if (input.fusion) {
      parts.push(
        ctx.paragraph(FUSION_TEXT),
        // Measured on the best trial's model: the retrained one has no validation rows left, and only takes its weights.
        ctx.table(fusionTable(input.fusion), "Calibrated fusion of the best trial's model"),
        ctx.paragraph(
          "Accuracies of the best trial's model on the validation rows. The submitted model, retrained on all training rows, " +
            "has no rows left to calibrate on and keeps these weights (an ensemble's other members keep their own trials').",
        ),
      );
      const t = input.fusion.target;
      // No confident row, no pseudo-label: the agreement (0 of 0) and the factor (1) measured nothing.
      if (t && t.confident === 0) {
        parts.push(
          ctx.paragraph(
            `Not adapted to the ${counted(t.n, 'test row')}: the image head is confident on none of them, so there was nothing to check the test voices against ` +
              'without labels, and the weights above are those chosen on the validation rows.',
          ),
        );
      } else if (t) {
        parts.push(
          ctx.paragraph(
            `Adapted to the ${counted(t.n, 'test row')} without their labels: on the ${counted(t.confident, 'row')} where the image head is confident, the audio head ` +
              `agrees with it ${(100 * t.audioAgreement).toFixed(1)}% of the time (its validation accuracy: ${(100 * t.audioValAccuracy).toFixed(1)}%), ` +
              `so the weights of the experts that hear (the audio head, and the fused head in favour of the image head) were multiplied by ${t.audioScale.toFixed(2)}` +
              (t.audioScale < 0.999 ? ': the test voices are less familiar than the validation ones.' : ': the test audio is as familiar as the validation audio.'),
          ),
        );
      }
    }
    if (input.robustness) {
      const [perSet, summary] = robustnessTables(input.robustness);
      parts.push(
        // Read from a file (the user's model:robustness run, or the project's reference), never measured by the run itself: said first.
        ctx.paragraph(`The robustness benchmark below was not measured by this run; it comes from ${input.robustness.source}.`),
        ctx.paragraph(input.robustness.conclusion),
        ctx.table(summary, 'Robustness benchmark: mean and worst test accuracy'),
        ctx.table(perSet, 'Robustness benchmark: test accuracy per set'),
      );
    }
    return parts.length > 0 ? parts.join('\n') : ctx.skip('No robustness results were given.');
  },
};
