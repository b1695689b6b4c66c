import { counted } from '@digitfuse/core';
import { predict, validateSubmission, writeSubmission } from '@digitfuse/submit';
import { existsSync } from 'node:fs';
import { dataOf, modelStage, type Stage } from '../context';
import { finalModelDirs } from '../run-artifacts';

/** Stage 4: predict the test set and write submission.csv atomically. */
export const predictStage = modelStage('predict', 'predict: the test set to submission.csv', async (ctx, data) => {
  if (!data.test) {
    ctx.log('    no x_test_wr.npy / x_test_sp.npy in the data folder: nothing to predict');
    return { skipped: true };
  }
  const dirs = finalModelDirs(ctx.layout, Math.max(1, ctx.options.ensemble)).filter((d) => existsSync(d));
  const result = await predict(dirs, data.test, { tta: ctx.options.tta });
  writeSubmission(ctx.layout.submission, result.labels);
  const averaged = result.models > 1 ? `the average of ${result.models} models` : '1 model';
  ctx.log(`    wrote ${ctx.layout.submission} (${counted(result.labels.length, 'row')}, ${averaged}${ctx.options.tta ? ', with test-time augmentation' : ''})`);
  return { rows: result.labels.length, models: result.models };
});

/** Stage 5: check the submission against the test files. */
export const validateStage: Stage = {
  name: 'validate',
  title: 'validate: submission.csv against the test files',
  async run(ctx) {
    const data = await dataOf(ctx);
    if (!data.test) {
      ctx.log('    no submission was written (no test files): nothing to validate');
      return { skipped: true };
    }
    const summary = validateSubmission(ctx.layout.submission, data.test);
    ctx.log(`    valid: header row_id,label, ${counted(summary.rows, 'row')} in order; rows predicted as each digit 0-9: ${summary.labelCounts.join('/')}`);
    return { rows: summary.rows, valid: true };
  },
};
