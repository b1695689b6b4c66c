import { subset, type ModelInputs } from '@digitfuse/data';
import {
  fitModel,
  formatDuration,
  nativeThreadCount,
  setNativeThreads,
  shiftedAccuracy,
  type TrainCallback,
  type TrainResult,
} from '@digitfuse/model';
import { TrialPruned, spawnWorkers, type Study, type Trial } from '@digitfuse/tuning';
import { join } from 'node:path';
import { backendOf, dataOf, type RunContext, type Stage } from '../context';
import { EPOCH_ATTRS, FIGURE_ATTRS, objectiveValue, OBJECTIVES, VALIDATION_ROWS_ATTR, type TrialFigures } from '../objective';
import { fusionOf, modalityOf, objectiveOf } from '../options';
import { trialModelDir } from '../run-artifacts';
import { PAPER_BEST_PARAMS, sampleRows, suggestConfig } from '../search-space';
import { writeSearchOutputs } from '../search-outputs';
import { joinSharedStudy, openStudy, pruneTrialModels, studyPlace, trialSeed, uploadTrialModel } from '../study-access';

/**
 * A trained trial model's validation figures (`TrialFigures`): a robust model's calibrated product of
 * experts on clean and shifted audio and its image head; any other model's output on clean and shifted
 * audio (and, when it sees only images, that accuracy as its image figure).
 */
async function trialFigures(model: Parameters<typeof shiftedAccuracy>[0], result: TrainResult, val: ModelInputs, seed: number, modality: 'both' | 'image'): Promise<TrialFigures> {
  const c = result.calibration;
  if (c) return { clean: c.clean.product.acc, shifted: c.shifted.product.acc, image: c.clean.image.acc };
  const { clean, shifted } = await shiftedAccuracy(model, val, seed);
  return { clean, shifted, image: modality === 'image' ? clean : null };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/**
 * The objective: train the suggested configuration on the search's training rows (at most
 * `--search-rows` of the split's training side), report validation accuracy after every epoch (so
 * the pruner can stop it), then measure the kept epoch's figures on the validation rows (clean,
 * shifted audio, image expert; recorded as user attributes) and return the run's `--objective` of
 * them (objective.ts). Past the deadline a running trial stops after its current epoch and completes
 * with the best epoch it reached (its result is kept, not thrown away).
 */
export function makeObjective(ctx: RunContext, train_: ModelInputs, val: ModelInputs, deadline: number | null, study?: Study) {
  return async (trial: Trial): Promise<number> => {
    const backend = await backendOf(ctx);
    const modality = modalityOf(ctx.options);
    const config = suggestConfig(trial, trialSeed(ctx, trial.number), fusionOf(ctx.options), modality);
    const filters = `img ${config.imageFilters.join('/')}${modality === 'both' ? ` aud ${config.audioFilters.join('/')}` : ''}`;
    ctx.log(
      `  trial ${trial.number}: ${filters} units ${config.units} dropout ${config.dropout.toFixed(2)} lr ${config.learningRate.toExponential(2)}`,
    );
    const pruning: TrainCallback = {
      onEpochEnd(epoch, logs, train) {
        if (Number.isFinite(logs.loss)) trial.setUserAttr(EPOCH_ATTRS.loss, logs.loss);
        if (Number.isFinite(logs.acc)) trial.setUserAttr(EPOCH_ATTRS.acc, logs.acc);
        trial.report(logs.val_acc ?? 0, epoch + 1);
        if (trial.shouldPrune()) throw new TrialPruned(`pruned after epoch ${epoch + 1} (val_acc ${(logs.val_acc ?? 0).toFixed(4)})`);
        if (deadline !== null && Date.now() > deadline && epoch + 1 < ctx.options.epochs) {
          // Out of time: finish this trial with the best epoch so far rather than throw its result away.
          ctx.log(`  trial ${trial.number}: search budget spent, stopping after epoch ${epoch + 1}`);
          train.stop();
        }
      },
    };
    const data = await dataOf(ctx);
    const seed = trialSeed(ctx, trial.number);
    const result = await fitModel(config, { train: train_, val }, {
      epochs: ctx.options.epochs,
      batchSize: ctx.options.batchSize,
      seed,
      callbacks: [pruning],
      target: data.test,
      ...(isWorker() ? { progress: 'silent' as const } : {}),
      save: { dir: trialModelDir(ctx.layout, trial.number), stats: data.stats, backend: backend.name },
      use: (model, trained) => trialFigures(model, trained, val, seed, modality),
    });
    const figures = result.used;
    // With a shared storage the model goes there too, for the machine that retrains.
    if (study !== undefined) await uploadTrialModel(ctx, study, trial.number);
    trial.setUserAttr(VALIDATION_ROWS_ATTR, val.n);
    trial.setUserAttr(FIGURE_ATTRS.clean, figures.clean);
    trial.setUserAttr(FIGURE_ATTRS.shifted, figures.shifted);
    if (figures.image !== null) trial.setUserAttr(FIGURE_ATTRS.image, figures.image);
    const value = objectiveValue(objectiveOf(ctx.options), figures);
    const w = result.calibration?.weights;
    ctx.log(
      `  trial ${trial.number}: value ${value.toFixed(4)} (validation: clean ${pct(figures.clean)}, shifted audio ${pct(figures.shifted)}` +
        (figures.image !== null ? `, image expert ${pct(figures.image)}` : '') +
        `) at epoch ${result.bestEpoch + 1}` +
        (w ? `, fusion weights fused ${w.fused.toFixed(2)} image ${w.image.toFixed(2)} audio ${w.audio.toFixed(2)}` : '') +
        ` (${formatDuration(result.seconds)})`,
    );
    return value;
  };
}

/** Set in the worker processes that `--workers N` starts beside the main one. */
const WORKER_ENV = 'DIGITFUSE_SEARCH_WORKER';
export const isWorker = (): boolean => process.env[WORKER_ENV] !== undefined;

/**
 * Start `count` extra processes of `pipeline:search --resume <run>` that join the study through its
 * journal (each runs trials until the study has enough finished ones).
 */
function startWorkers(ctx: RunContext, count: number) {
  const script = join(__dirname, '..', 'cli', 'search.ts');
  // The processes share the cores: each one's native kernels get an equal part of them (unless the
  // user set DIGITFUSE_THREADS).
  const threads = process.env.DIGITFUSE_THREADS ?? String(Math.max(1, Math.floor(nativeThreadCount() / (count + 1))));
  const inUse = setNativeThreads(Number(threads));
  ctx.log(
    `    starting ${count} more worker process${count > 1 ? 'es' : ''} on ${studyPlace(ctx)}` +
      (inUse == null ? '' : `, ${threads} native kernel thread${threads === '1' ? '' : 's'} each`),
  );
  return spawnWorkers({
    count,
    command: process.execPath,
    args: [...process.execArgv, script, '--resume', ctx.layout.root],
    env: { [WORKER_ENV]: '1', DIGITFUSE_THREADS: threads },
    stdio: 'inherit',
  });
}

/** Stage 2: TPE search with pruning over the paper's space, trials ranked by the run's `--objective`. */
export const searchStage: Stage = {
  name: 'search',
  title: 'search: TPE over the paper space with pruning',
  async run(ctx) {
    const { options } = ctx;
    const data = await dataOf(ctx);
    await backendOf(ctx);
    const trainRows = subset(data.train, sampleRows(data.split.train, options.searchRows, options.seed));
    const valRows = subset(data.train, data.split.val);
    const study = await openStudy(ctx);
    // A shared study: the first machine records its data and preprocessing; others must match.
    const first = await joinSharedStudy(ctx, study);
    if (!isWorker() && first && study.trials.length === 0) {
      // An image-only run searches no audio filters: enqueue only the paper's other parameters.
      const image = modalityOf(options) === 'image';
      await study.enqueueTrial(Object.fromEntries(Object.entries(PAPER_BEST_PARAMS).filter(([k]) => !(image && k.startsWith('aud_')))));
    }
    const done = study.getTrials(['COMPLETE', 'PRUNED']).length;
    const deadline = options.budgetMs === null ? null : Date.now() + options.budgetMs;
    ctx.log(`    objective: ${OBJECTIVES[objectiveOf(options)].title}`);
    ctx.log(
      `    ${options.trials} trials${options.budgetMs ? `, budget ${formatDuration(options.budgetMs / 1000)}` : ''}` +
        `, ${trainRows.n} training${trainRows.n < data.split.train.length ? ` (of ${data.split.train.length}, --search-rows)` : ''} / ${valRows.n} validation rows (${data.split.mode} split)` +
        (done > 0 ? `, ${done} trials already finished in ${studyPlace(ctx)}` : ''),
    );
    const keep = Math.max(1, options.ensemble);
    const workers = !isWorker() && options.workers > 1 ? startWorkers(ctx, options.workers - 1) : null;
    const started = Date.now();
    const progress = () => {
      const finished = study.getTrials(['COMPLETE', 'PRUNED']).length;
      const elapsed = Date.now() - started;
      const perTrial = elapsed / Math.max(1, finished - done);
      const byTrials = Math.max(0, options.trials - finished) * perTrial;
      const left = deadline === null ? byTrials : Math.min(byTrials, Math.max(0, deadline - Date.now()));
      const best = study.bestValue;
      ctx.log(
        `    ${finished}/${options.trials} trials finished in ${formatDuration(elapsed / 1000)}` +
          (best !== undefined ? `, best ${best.toFixed(4)} (trial ${study.bestTrial?.number})` : '') +
          (finished < options.trials ? `, about ${formatDuration(left / 1000)} left` : ''),
      );
    };
    await study.optimize(makeObjective(ctx, trainRows, valRows, deadline, study), {
      nTrials: options.trials,
      nTrialsScope: 'study',
      timeoutMs: options.budgetMs ?? undefined,
      callbacks: [() => pruneTrialModels(ctx, study, keep), ...(isWorker() ? [] : [progress])],
    });
    if (workers) {
      const exits = await workers;
      const bad = exits.filter((e) => e.code !== 0);
      if (bad.length > 0) ctx.log(`    warning: ${bad.length} worker process(es) exited abnormally (${bad.map((e) => e.code ?? e.signal).join(', ')})`);
    }
    if (isWorker()) return {};
    pruneTrialModels(ctx, study, keep);
    const outputs = writeSearchOutputs(ctx, study);
    const kept = outputs.keptBaseline;
    ctx.log(
      `    ${outputs.finished} complete, ${outputs.pruned} pruned, ${outputs.failed} failed; chosen trial ${outputs.bestTrial} (value ${outputs.bestValue?.toFixed(4)})` +
        (kept ? `: the paper's configuration, within one standard error (${kept.standardError.toFixed(4)}) of trial ${kept.over} (${kept.overValue.toFixed(4)})` : ''),
    );
    return { bestTrial: outputs.bestTrial, bestValue: outputs.bestValue, finished: outputs.finished, pruned: outputs.pruned };
  },
};
