import { counted } from '@digitfuse/core';
import { COMPETITION_FILES, dataFingerprint, inputShift } from '@digitfuse/data';
import { audioUseOf } from '@digitfuse/model';
import { join } from 'node:path';
import { dataOf, type Stage } from '../context';
import { PipelineError } from '../errors';
import { writeJson } from '../run-artifacts';
import { filesId, studyNameIn } from '../study-access';

/** Stage 1: load, validate, preprocess and cache the competition's files. */
export const dataStage: Stage = {
  name: 'data',
  title: 'data: load, validate, preprocess (cached when the inputs are unchanged)',
  async run(ctx) {
    const data = await dataOf(ctx);
    if (data.split.val.length === 0) {
      // Every trial would score 0 of 0 validation rows: the search could rank nothing.
      const { mode, valFraction } = data.split;
      throw new PipelineError(
        `Expected the training files in ${data.summary.dataDir} to leave validation rows, on which the search ranks its trials, found ${counted(data.summary.nTrain, 'training row')}, ` +
          `of which the ${Math.round(valFraction * 100)}% ${mode} validation split holds out none${mode === 'grouped' ? ' (it moves whole groups of identical audio)' : ''}; give more training rows`,
      );
    }
    let warnings: string | undefined;
    if (data.test) {
      // The test rows, preprocessed with the training split's statistics, must look like the training
      // rows, as far as the run's models use them (an offset voice is a warning for a fusion that falls back on its image expert).
      const dir = data.summary.dataDir;
      const files = { images: join(dir, COMPETITION_FILES.testImages), audio: join(dir, COMPETITION_FILES.testAudio) };
      const shift = inputShift(data.test, 'the test rows', files, audioUseOf(ctx.options));
      // Refused: the findings go in the one error line, not also in warnings before it.
      if (shift.level === 'refuse' && !ctx.options.allowShift) {
        throw new PipelineError(`Refusing to go on: ${shift.findings.join('; ')} (check the files; --allow-shift to go on anyway)`);
      }
      for (const finding of shift.findings) ctx.log(`    warning: ${finding}`);
      // Kept for the summary and the report, which outlive the console.
      if (shift.findings.length > 0) warnings = shift.findings.join('; ');
    }
    writeJson(ctx.layout.dataSummary, data.summary);
    ctx.state.data = { dir: data.summary.dataDir, fingerprint: dataFingerprint(data.summary.dataDir) };
    // What a shared study compares (`digitfuse studies --study NAME` shows the study's).
    if (ctx.options.storage) ctx.log(`    data files ${filesId(ctx.state.data.fingerprint)} (every machine searching study \`${studyNameIn(ctx.options)}\` must have these same files)`);
    return {
      trainRows: data.train.n,
      testRows: data.test?.n ?? 0,
      splitTrain: data.split.train.length,
      splitVal: data.split.val.length,
      ...(warnings === undefined ? {} : { warnings }),
    };
  },
};
