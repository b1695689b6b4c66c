import { NUM_CLASSES, subset } from '@digitfuse/data';
import { disposeModel, evaluateProbabilities, loadModel, predictProba, readMeta } from '@digitfuse/model';
import { predictProbaTta } from '@digitfuse/submit';
import { modelStage } from '../context';
import { trialModelDir, writeJson, type EvaluationFile } from '../run-artifacts';
import { ablationFor } from '../ablation';
import { bestTrials } from '../study-access';
import { modalityOf } from '../options';

const toRows = (confusion: Int32Array): number[][] =>
  Array.from({ length: NUM_CLASSES }, (_, r) => Array.from(confusion.subarray(r * NUM_CLASSES, (r + 1) * NUM_CLASSES)));

/**
 * Stage: validation metrics of the best trial's model, the ensemble's gain, and the modality
 * ablation (does hearing help seeing?) with the same budget as the best trial (ablation.ts:
 * under `digitfuse full` it was trained beside the retraining, beside-retrain.ts).
 */
export const evaluateStage = modelStage('evaluate', 'evaluate: validation metrics, ensemble gain, modality ablation', async (ctx, data, backend) => {
  const val = subset(data.train, data.split.val);
  const labels = val.labels as Int32Array;
  const trials = await bestTrials(ctx, Math.max(1, ctx.options.ensemble));
  const probs: Float32Array[] = [];
  let ttaProbs: Float32Array | null = null;
  for (const t of trials) {
    const { model } = await loadModel(trialModelDir(ctx.layout, t.number));
    try {
      probs.push(await predictProba(model, val));
      if (ctx.options.tta && t === trials[0]) ttaProbs = await predictProbaTta(model, val);
    } finally {
      disposeModel(model);
    }
  }
  const best = evaluateProbabilities(probs[0], labels);
  ctx.log(`    best trial ${trials[0].number}: validation accuracy ${best.accuracy.toFixed(4)}, macro-F1 ${best.macroF1.toFixed(4)}`);
  let ensemble: EvaluationFile['ensemble'];
  if (probs.length > 1) {
    const mean = new Float32Array(probs[0].length);
    for (const p of probs) for (let i = 0; i < p.length; i++) mean[i] += p[i] / probs.length;
    const acc = evaluateProbabilities(mean, labels).accuracy;
    ensemble = { members: probs.length, accuracy: acc, gain: acc - best.accuracy };
    ctx.log(`    ensemble of ${probs.length}: validation accuracy ${acc.toFixed(4)} (gain ${(ensemble.gain * 100).toFixed(2)} points)`);
  }

  let tta: EvaluationFile['tta'];
  if (ttaProbs) {
    const acc = evaluateProbabilities(ttaProbs, labels).accuracy;
    tta = { accuracy: acc, gain: acc - best.accuracy };
    ctx.log(`    with test-time augmentation: validation accuracy ${acc.toFixed(4)} (gain ${(tta.gain * 100).toFixed(2)} points)`);
  }

  const meta = await readMeta(trialModelDir(ctx.layout, trials[0].number));
  const ablation: EvaluationFile['ablation'] = [
    { modality: modalityOf(ctx.options), valAccuracy: best.accuracy, note: 'best trial' },
    ...(await ablationFor(ctx, data, trials[0].number, backend.name, ctx.beside)),
  ];
  const file: EvaluationFile = {
    best: {
      trial: trials[0].number,
      accuracy: best.accuracy,
      macroF1: best.macroF1,
      loss: best.loss,
      confusion: toRows(best.confusion),
      perClass: best.perClass.map((c) => ({ precision: c.precision, recall: c.recall, f1: c.f1, support: c.support })),
    },
    ...(ensemble ? { ensemble } : {}),
    ...(tta ? { tta } : {}),
    ...(meta.calibration ? { fusion: meta.calibration } : {}),
    ablation,
  };
  writeJson(ctx.layout.evaluation, file);
  return { valAccuracy: best.accuracy, macroF1: best.macroF1 };
});
