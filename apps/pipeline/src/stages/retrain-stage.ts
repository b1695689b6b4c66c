import { counted } from '@digitfuse/core';
import { ensembleMemberDirs, fitModel, formatDuration, readMeta, testVoicesLine } from '@digitfuse/model';
import { rmSync } from 'node:fs';
import { adviseBackend, modelStage } from '../context';
import { startBesideRetrain } from '../beside-retrain';
import { offsetSeed } from '../options';
import { finalModelDirs, trialModelDir } from '../run-artifacts';
import { bestTrials, openSearchedStudy, trialConfig } from '../study-access';

/**
 * Stage 3: retrain the best configuration(s) on every training row (training + validation split).
 * Epochs: the best epoch early stopping kept in that trial (counted from 1), since there is no
 * validation data left to stop on. A robust-fusion model takes its trial's calibrated weights.
 */
export const retrainStage = modelStage('retrain', 'retrain: the best configuration on all training rows', async (ctx, data, backend) => {
  adviseBackend(ctx, backend);
  const best = await bestTrials(ctx, Math.max(1, ctx.options.ensemble));
  if (best.length < ctx.options.ensemble) {
    const n = best.length;
    ctx.log(`    note: --ensemble ${ctx.options.ensemble} asked for ${ctx.options.ensemble} models, but only ${counted(n, 'finished trial')} could be used: the submission averages ${counted(n, 'model')}`);
  }
  const study = await openSearchedStudy(ctx);
  if (ctx.besideRetrain && !ctx.state.stages.evaluate) ctx.beside = startBesideRetrain(ctx, best[0].number, backend.name) ?? undefined;
  const dirs = finalModelDirs(ctx.layout, best.length);
  const facts: Record<string, number> = {};
  for (const [i, trial] of best.entries()) {
    // The trial's training record (its best epoch and calibration) is kept with its model.
    const meta = await readMeta(trialModelDir(ctx.layout, trial.number));
    const epochs = (meta.bestEpoch ?? meta.history?.length ?? ctx.options.epochs - 1) + 1;
    ctx.log(
      `    ${best.length > 1 ? `member ${i + 1}/${best.length}: ` : ''}trial ${trial.number} (value ${trial.value.toFixed(4)}), ${counted(epochs, 'epoch')} on ${counted(data.train.n, 'row')}`,
    );
    const voices = meta.calibration?.target && testVoicesLine(meta.calibration.target);
    if (voices) ctx.log(`      ${voices}`);
    // No validation rows are left to calibrate on: a robust model keeps its trial's calibrated weights.
    const result = await fitModel(trialConfig(ctx, study, trial.number), { train: data.train }, {
      epochs,
      batchSize: ctx.options.batchSize,
      seed: offsetSeed(ctx.options.seed, 1000 + i),
      ...(meta.calibration ? { keepCalibration: meta.calibration } : {}),
      save: { dir: dirs[i], stats: data.stats, backend: backend.name },
    });
    ctx.log(`    saved ${dirs[i]} (${formatDuration(result.seconds)})`);
    if (i === 0) Object.assign(facts, { bestTrial: trial.number, epochs, trainAcc: result.history[result.history.length - 1].acc });
  }
  // Members of an earlier, larger ensemble (a resume with a smaller --ensemble) are not this run's models any more.
  for (const dir of ensembleMemberDirs(ctx.layout.modelDir).slice(best.length - 1)) rmSync(dir, { recursive: true, force: true });
  return { ...facts, members: best.length };
});
