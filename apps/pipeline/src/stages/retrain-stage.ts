import { buildModel, disposeModel, formatDuration, fusionLayer, fusionTrainingOptions, readMeta, saveModel, train } from '@digitfuse/model';
import { join } from 'node:path';
import { backendOf, dataOf, type RunContext, type Stage } from '../context';
import { PipelineError } from '../errors';
import { openStudy, rankedTrials, trialModelDir } from './search-stage';

/** The K best finished trials, best first. */
export function bestTrials(ctx: RunContext, k: number): { number: number; value: number }[] {
  const complete = rankedTrials(openStudy(ctx));
  if (complete.length === 0) {
    throw new PipelineError(
      `Expected at least one finished trial in ${ctx.layout.journal}, found none: give the search more --trials or a longer --budget`,
    );
  }
  return complete.slice(0, k);
}

/** Model directories of the final model(s): `model/` for the best, `model/member-<i>` for the rest of an ensemble. */
export function finalModelDirs(ctx: RunContext, k: number): string[] {
  return Array.from({ length: k }, (_, i) => (i === 0 ? ctx.layout.modelDir : join(ctx.layout.modelDir, `member-${i}`)));
}

/**
 * Stage 3: retrain the best configuration(s) on every training row (training + validation split).
 * Epochs: the best epoch early stopping kept in that trial (counted from 1), since there is no
 * validation data left to stop on. A robust-fusion model takes its trial's calibrated weights.
 */
export const retrainStage: Stage = {
  name: 'retrain',
  title: 'retrain: the best configuration on all training rows',
  async run(ctx) {
    const backend = await backendOf(ctx);
    const data = await dataOf(ctx);
    const best = bestTrials(ctx, Math.max(1, ctx.options.ensemble));
    const dirs = finalModelDirs(ctx, best.length);
    const facts: Record<string, number> = {};
    for (const [i, trial] of best.entries()) {
      const meta = await readMeta(trialModelDir(ctx, trial.number));
      const epochs = (meta.bestEpoch ?? meta.history?.length ?? ctx.options.epochs - 1) + 1;
      ctx.log(
        `    ${best.length > 1 ? `member ${i + 1}/${best.length}: ` : ''}trial ${trial.number} (val_acc ${trial.value.toFixed(4)}), ${epochs} epochs on ${data.train.n} rows`,
      );
      const model = buildModel(meta.config);
      try {
        const result = await train(model, { train: data.train }, {
          epochs,
          batchSize: ctx.options.batchSize,
          seed: ctx.options.seed + 1000 + i,
          ...fusionTrainingOptions(meta.config),
        });
        // No validation rows are left to calibrate on: a robust model keeps its trial's calibrated weights.
        if (meta.calibration) fusionLayer(model)?.setFusionWeights(meta.calibration.weights);
        await saveModel(dirs[i], model, {
          config: meta.config,
          stats: data.stats,
          history: result.history,
          bestEpoch: result.history.length - 1,
          backend: backend.name,
          ...(meta.calibration ? { calibration: meta.calibration } : {}),
        });
        ctx.log(`    saved ${dirs[i]} (${formatDuration(result.seconds)})`);
        if (i === 0) Object.assign(facts, { bestTrial: trial.number, epochs, trainAcc: result.history[result.history.length - 1].acc });
      } finally {
        disposeModel(model);
      }
    }
    return { ...facts, members: best.length };
  },
};
