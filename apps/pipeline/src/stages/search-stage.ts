import { beforeStopping, counted, parentPidEnv, STOP_WORK_MS, unlessStopping } from '@digitfuse/core';
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
import { THIS_WORKER, TrialPruned, spawnWorkers, trialSeconds, type FrozenTrial, type Study, type Trial, type WorkerExit } from '@digitfuse/tuning';
import { join } from 'node:path';
import { adviseBackend, backendOf, dataOf, type RunContext, type Stage } from '../context';
import { BUDGET_STOP_ATTR, EPOCH_ATTRS, FIGURE_ATTRS, IMAGE_ONLY_RANKING, KEPT_EPOCH_ATTR, objectiveValue, OBJECTIVES, VALIDATION_ROWS_ATTR, type TrialFigures } from '../objective';
import { fusionOf, modalityOf, objectiveOf, offsetSeed, type PipelineOptions } from '../options';
import { saveState, trialModelDir } from '../run-artifacts';
import { PAPER_BEST_PARAMS, sampleRows, suggestConfig } from '../search-space';
import { writeSearchOutputs } from '../search-outputs';
import { typeScriptChildArgs } from '../beside-retrain';
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
 * A trial's end-of-trial work in validation passes of its model (one epoch's validation), assumed
 * until this process has measured one. A robust-fusion model's calibration predicts the validation
 * rows twice (as they are, with shifted audio) and the test rows once, then searches the expert
 * weights over the validation rows; another model predicts the validation rows twice for its
 * figures; then the model is saved (and uploaded to a shared storage). Measured for robust fusion,
 * paper-sized models (wasm + native kernels, shared 2-core machine): 5.6-9 passes with 240
 * validation / 300 test rows, 3.5-6.5 on the demo data (800 / 1,000; the most on a process's first
 * trial), 2.7-3.9 with 2,400 / 2,000; the smallest models up to 9-12 (their predictions are quick,
 * the weight search and saving are not). Concat: 2-2.4. Saving: 0.03-0.25 passes.
 */
export const END_WORK_PASSES = 8;

/**
 * The objective: train the suggested configuration on the search's training rows (at most
 * `--search-rows` of the split's training side), report validation accuracy after every epoch (so
 * the pruner can stop it), then measure the kept epoch's figures on the validation rows (clean,
 * shifted audio, image expert; recorded as user attributes) and return the run's `--objective` of
 * them (objective.ts).
 *
 * With a deadline, a running trial stops in time for its end-of-trial work (calibration, figures,
 * saving and uploading its model) to finish by the deadline, and completes with the best epoch it
 * finished (its result is kept, not thrown away): between batches, once the time left is less than
 * that work (`stopNow()`: the unfinished epoch is abandoned, its updates undone), or at an epoch's
 * end. How long that work takes: the longest measured on this process's trials (from the end of
 * training to the objective's return), and at least two validation passes of this trial's model;
 * until one is measured, `END_WORK_PASSES` passes. A trial always finishes its first epoch (it could
 * not be ranked without one), so no trial starts when the time left is less than the longest a trial
 * of this process took to finish its first epoch, plus its end-of-trial work (`study.stop()`).
 */
export function makeObjective(ctx: RunContext, train_: ModelInputs, val: ModelInputs, deadline: number | null, study?: Study) {
  // Measured on this process's trials (ms, the longest): end-of-trial work, a validation pass, and
  // the time from a trial's start to its first epoch's end.
  let endWorkMs = 0;
  let valPassMs = 0;
  let firstEpochMs = 0;
  const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const runTrial = async (trial: Trial): Promise<number> => {
    const started = Date.now();
    const backend = await backendOf(ctx);
    const modality = modalityOf(ctx.options);
    const seed = study === undefined ? offsetSeed(ctx.options.seed, trial.number) : trialSeed(ctx, study, trial.number);
    const config = suggestConfig(trial, seed, fusionOf(ctx.options), modality);
    const filters = `img ${config.imageFilters.join('/')}${modality === 'both' ? ` aud ${config.audioFilters.join('/')}` : ''}`;
    ctx.log(
      `  trial ${trial.number}: ${filters} units ${config.units} dropout ${config.dropout.toFixed(2)} lr ${config.learningRate.toExponential(2)}`,
    );
    // Timestamps (Date.now(), ms) of this trial's training, for the deadline.
    let finished = 0; // epochs finished
    let lastBatchEnd = 0; // when the latest epoch's last batch ended
    let valMs = 0; // the longest validation pass of this trial's epochs
    let trainEnd = 0; // when training ended (after early stopping restored the best epoch)
    let stopping = false;
    // How long this trial's end-of-trial work will take (ms): the longest measured, and at least the
    // two validation predictions every trial makes (for a model bigger than those measured).
    const reserve = () => (endWorkMs > 0 ? Math.max(endWorkMs, 2 * valMs) : END_WORK_PASSES * valMs);
    const left = (now: number) => seconds((deadline ?? now) - now);
    const pruning: TrainCallback = {
      onBatchEnd(p, train) {
        const now = Date.now();
        const last = p.batch + 1 === p.batchesPerEpoch;
        if (last) lastBatchEnd = now;
        if (deadline === null || finished === 0 || stopping) return;
        // After an epoch's last batch, finishing the epoch costs its validation pass as well.
        if (now > deadline - reserve() - (last ? valMs : 0)) {
          stopping = true;
          trial.setUserAttr(BUDGET_STOP_ATTR, finished);
          ctx.log(
            `  trial ${trial.number}: search budget spent (${left(now)} left for its end-of-trial work), stopping during epoch ${p.epoch + 1} ` +
              // After its last batch the epoch lacks only its validation pass ("after 32/32 batches" read as a finished epoch dropped).
              `${last ? `before its validation pass (${p.batchesPerEpoch}/${p.batchesPerEpoch} batches trained)` : `after ${p.batch + 1}/${counted(p.batchesPerEpoch, 'batch', 'batches')}`}: ` +
              `the best of its ${counted(finished, 'finished epoch')} is kept`,
          );
          train.stopNow();
        }
      },
      onEpochEnd(epoch, logs, train) {
        const now = Date.now();
        valMs = Math.max(valMs, now - lastBatchEnd);
        valPassMs = Math.max(valPassMs, valMs);
        if (epoch === 0) firstEpochMs = Math.max(firstEpochMs, now - started);
        finished = epoch + 1;
        if (Number.isFinite(logs.loss)) trial.setUserAttr(EPOCH_ATTRS.loss, logs.loss);
        if (Number.isFinite(logs.acc)) trial.setUserAttr(EPOCH_ATTRS.acc, logs.acc);
        // REPORTED_PER_EPOCH (objective.ts): what the pruner compares, and a pruned trial's value.
        trial.report(logs.val_acc ?? 0, epoch + 1);
        // Not after its last epoch: a pruned trial trained in full saves nothing and loses its value.
        if (epoch + 1 < ctx.options.epochs && trial.shouldPrune()) {
          // Said here: the epoch's own line is not printed (this callback runs before the progress one).
          const why = `pruned after epoch ${epoch + 1} (val_acc ${(logs.val_acc ?? 0).toFixed(4)}) by the ${ctx.options.pruner} pruner`;
          ctx.log(`  trial ${trial.number}: ${why}`);
          throw new TrialPruned(why);
        }
        if (deadline !== null && now > deadline - reserve() && epoch + 1 < ctx.options.epochs) {
          // Out of time: finish this trial with the best epoch so far rather than throw its result away.
          stopping = true;
          trial.setUserAttr(BUDGET_STOP_ATTR, finished);
          ctx.log(`  trial ${trial.number}: search budget spent (${left(now)} left for its end-of-trial work), stopping after epoch ${epoch + 1}`);
          train.stop();
        }
      },
      onTrainEnd() {
        trainEnd = Date.now();
      },
    };
    const data = await dataOf(ctx);
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
    if (result.bestEpoch >= 0) trial.setUserAttr(KEPT_EPOCH_ATTR, result.bestEpoch + 1);
    trial.setUserAttr(FIGURE_ATTRS.clean, figures.clean);
    trial.setUserAttr(FIGURE_ATTRS.shifted, figures.shifted);
    if (figures.image !== null) trial.setUserAttr(FIGURE_ATTRS.image, figures.image);
    const value = objectiveValue(objectiveOf(ctx.options), figures);
    endWorkMs = Math.max(endWorkMs, Date.now() - trainEnd);
    const w = result.calibration?.weights;
    // An image-only model hears nothing: its shifted-audio figure is its clean one.
    const hears = modalityOf(ctx.options) !== 'image';
    ctx.log(
      `  trial ${trial.number}: value ${value.toFixed(4)} (validation: ${hears ? `clean ${pct(figures.clean)}, shifted audio ${pct(figures.shifted)}` : pct(figures.clean)}` +
        (hears && figures.image !== null ? `, image expert ${pct(figures.image)}` : '') +
        `) at epoch ${result.bestEpoch + 1}` +
        (w ? `, fusion weights fused ${w.fused.toFixed(2)} image ${w.image.toFixed(2)} audio ${w.audio.toFixed(2)}` : '') +
        // The whole trial's time (its parameters' suggestion, training, evaluation, saving), as trials.csv's
        // seconds gives it, not the training's alone (the line said 1s where the table said 1.4).
        ` (${trialTime(trialSeconds(trial.frozen, Date.now()) ?? (Date.now() - started) / 1000)})`,
    );
    return value;
  };
  return async (trial: Trial): Promise<number> => {
    try {
      return await runTrial(trial);
    } finally {
      // A trial that cannot finish its first epoch and its end-of-trial work by the deadline could
      // not be ranked and would end the search late: start none.
      const left = deadline === null ? Infinity : deadline - Date.now();
      const need = firstEpochMs + (endWorkMs || END_WORK_PASSES * valPassMs);
      if (study !== undefined && firstEpochMs > 0 && left > 0 && left < need) {
        ctx.log(`    ${seconds(left)} of the search budget left, less than a trial here takes to finish its first epoch and its end-of-trial work (${seconds(need)}): no more trials`);
        study.stop();
      }
    }
  };
}

/** A trial's time on its line: to a tenth of a second below a minute, as trials.csv's seconds has it (`1.4s`), else `3m05s`. */
export const trialTime = (seconds: number): string => (seconds < 59.95 ? `${seconds.toFixed(1)}s` : formatDuration(seconds));

/**
 * The line of a worker that waits for trials other workers run (the study's `--trials` are finished
 * or running): each of them, where and for how long it has been running.
 */
export function waitingLine(running: readonly FrozenTrial[], trials: number, now = Date.now()): string {
  const each = running.map((t) => `trial ${t.number} on ${t.worker?.host ?? 'an unknown host'} (running ${formatDuration(trialSeconds(t, now) ?? 0)})`);
  return `    waiting for ${each.join(', ')}: the study has its --trials ${trials} finished or running`;
}

/**
 * The search's line on how it ranks trials: the objective's title, or of an image-only run, which
 * ranks by its validation accuracy whatever the objective, that (it gave shift-aware's "mean of (the
 * worse of clean and shifted-audio accuracy) and the image expert", of a run that hears nothing).
 */
export function objectiveLine(options: PipelineOptions): string {
  const name = objectiveOf(options);
  return `    objective: ${modalityOf(options) === 'image' ? `${name} (${IMAGE_ONLY_RANKING})` : OBJECTIVES[name].title}`;
}

/** Where the search's progress line counts from (`searchProgress`). */
export interface ProgressFrom {
  /** `--trials`: the finished trials the search aims for. */
  readonly trials: number;
  /** The study's finished trials when this search began (a resumed search's, other machines'). */
  readonly done: number;
  /** When this search began (ms since the epoch). */
  readonly started: number;
  /** When its `--budget` ends (ms since the epoch); null without one. */
  readonly deadline: number | null;
}

/**
 * The main process's callback after each of its trials: a line with the study's finished trials (every
 * worker's), the best value and about how long is left. The study is read again first: a database's
 * view is its cache as of this process's last ask or tell, without the trials the other workers (this
 * machine's `--workers`, other machines) finished since (`2/3 trials finished` was followed by `3 complete`).
 */
export function searchProgress(study: Study, log: (line: string) => void, from: ProgressFrom): () => Promise<void> {
  return async () => {
    await study.refresh();
    const finished = study.getTrials(['COMPLETE', 'PRUNED']).length;
    const elapsed = Date.now() - from.started;
    const perTrial = elapsed / Math.max(1, finished - from.done);
    const byTrials = Math.max(0, from.trials - finished) * perTrial;
    const left = from.deadline === null ? byTrials : Math.min(byTrials, Math.max(0, from.deadline - Date.now()));
    const best = study.bestValue;
    log(
      `    ${finished}/${counted(from.trials, 'trial')} finished in ${formatDuration(elapsed / 1000)}` +
        (best !== undefined ? `, best ${best.toFixed(4)} (trial ${study.bestTrial?.number})` : '') +
        // None after the search was told to start no more trials (its budget cannot fit another): it said
        // "no more trials", then "about 2s left".
        (finished < from.trials && !study.stopRequested ? `, about ${formatDuration(left / 1000)} left` : ''),
    );
  };
}

/**
 * How long a stopped search waits for its worker processes to fail their trials and end: each hears
 * the stop only once its current training step ends, then takes up to STOP_WORK_MS itself. One busy
 * longer (the cpu backend spends seconds in one step) is killed, and the main process fails its trial
 * and says so in its closing line (it said its line after that one, its trial failed or left RUNNING).
 */
const WORKERS_STOP_MS = 10_000;

/** Set in the worker processes that `--workers N` starts beside the main one. */
const WORKER_ENV = 'DIGITFUSE_SEARCH_WORKER';
export const isWorker = (): boolean => process.env[WORKER_ENV] !== undefined;

/** What a worker process's lines begin with (`[worker 2] `: the main process is worker 1), so its output can be told from the main process's; '' in the main process. */
export const workerPrefix = (): string => (isWorker() ? `[worker ${workerNumber(Number(process.env.TUNING_WORKER_INDEX ?? 0))}] ` : '');
/** How a search's worker process is named on its lines and the main process's (`worker 2`): the main process is worker 1. */
const workerNumber = (index: number): number => index + 2;
/** The main process's search deadline (ms since the epoch), given to its workers: they keep it rather than start the budget afresh. */
const DEADLINE_ENV = 'DIGITFUSE_SEARCH_DEADLINE';

/**
 * Start `count` extra processes of `pipeline:search --resume <run>` that join the study through its
 * journal (each runs trials until the study has enough finished ones).
 */
function startWorkers(ctx: RunContext, count: number, deadline: number | null, onExit: (exit: WorkerExit) => void, capped: string) {
  const script = join(__dirname, '..', 'cli', 'search.ts');
  // The workers take the run's settings from run.json: written first, with what this resume changed
  // (--trials, --data, --backend...). Before, they ran with the earlier ones: a larger --trials left
  // them nothing to do ("1 trial ... already finished"), a moved --data failed them ("no such folder").
  saveState(ctx.layout, ctx.state);
  // The processes share the cores: each one's native kernels get an equal part of them (unless the
  // user set DIGITFUSE_THREADS).
  const threads = process.env.DIGITFUSE_THREADS ?? String(Math.max(1, Math.floor(nativeThreadCount() / (count + 1))));
  const inUse = setNativeThreads(Number(threads));
  ctx.log(
    `    starting ${counted(count, 'more worker process', 'more worker processes')}${capped} on ${studyPlace(ctx)}` +
      (inUse == null ? '' : `, ${counted(Number(threads), 'native kernel thread')} each`),
  );
  return spawnWorkers({
    count,
    command: process.execPath,
    args: [...typeScriptChildArgs(script), '--resume', ctx.layout.root],
    // parentPidEnv: a worker stops when this process is killed outright.
    env: { [WORKER_ENV]: '1', DIGITFUSE_THREADS: threads, ...parentPidEnv(), ...(deadline === null ? {} : { [DEADLINE_ENV]: String(deadline) }) },
    stdio: 'inherit',
    onExit,
  });
}

/** A worker process as the main process's lines name it: `worker 2 (process PID on HOST)` (no process: one never started). */
const workerNamed = (exit: WorkerExit): string => `worker ${workerNumber(exit.index)}${exit.pid === undefined ? '' : ` (process ${exit.pid} on ${THIS_WORKER.host})`}`;

/**
 * A worker process that ended before the search did (killed outright: SIGKILL, the out-of-memory
 * killer; its error; or it could not be started): its trial is failed now and its retry queued as a
 * dead process's is (before, it stayed RUNNING until this process started its next trial, and the
 * worker was said only as the search ended), and one line says it: the trial's, whose reason names
 * the worker, or, with no trial under way, the main process's.
 */
async function workerLost(ctx: RunContext, study: Study, exit: WorkerExit): Promise<void> {
  const how = exit.error !== undefined ? `could not be started (${exit.error})` : exit.signal !== null ? `ended by ${exit.signal}` : `exited with code ${exit.code}`;
  const who = workerNamed(exit);
  const failed = exit.pid === undefined ? [] : await study.failTrialsOfEnded(exit.pid, `its process, ${who}, ${how} while the trial was running; the search goes on without it`, 'as-stale');
  if (failed.length === 0) ctx.log(`    warning: ${who} ${how}; the search goes on without it`);
}

/**
 * The main process's part of a stop, for the closing line: its worker processes that did not end
 * within WORKERS_STOP_MS were killed; the trials they ran are failed here and queued to run again,
 * as a stopped trial's are ('' when all ended in time).
 */
async function killedWorkers(study: Study, killed: readonly WorkerExit[], how: string): Promise<string> {
  const said: string[] = [];
  for (const exit of killed) {
    const who = workerNamed(exit);
    const reason = `its process, ${who}, was stopped (${how}) while the trial was running and killed, still busy ${WORKERS_STOP_MS / 1000} s later`;
    const failed = exit.pid === undefined ? [] : await study.failTrialsOfEnded(exit.pid, reason, 'always');
    const trials = failed.map((t) => {
      const retry = study.trials.find((r) => r.retryOf === t.number);
      return `its trial ${t.number} marked FAIL${retry === undefined ? '' : ` (to run again as trial ${retry.number})`}`;
    });
    said.push(`${who} did not end within ${WORKERS_STOP_MS / 1000} s: killed, ${trials.length > 0 ? trials.join(', ') : 'running no trial'}`);
  }
  return said.join('; ');
}

/** Stage 2: TPE search with pruning over the paper's space, trials ranked by the run's `--objective`. */
export const searchStage: Stage = {
  name: 'search',
  title: 'search: TPE over the paper space with pruning',
  async run(ctx) {
    const { options } = ctx;
    const data = await dataOf(ctx);
    adviseBackend(ctx, await backendOf(ctx));
    const trainRows = subset(data.train, sampleRows(data.split.train, options.searchRows, options.seed));
    const valRows = subset(data.train, data.split.val);
    const study = await openStudy(ctx);
    // A shared study: the first machine records its data and preprocessing; others must match.
    const first = await joinSharedStudy(ctx, study, !isWorker());
    if (!isWorker() && first && study.trials.length === 0) {
      // An image-only run searches no audio filters: enqueue only the paper's other parameters.
      const image = modalityOf(options) === 'image';
      await study.enqueueTrial(Object.fromEntries(Object.entries(PAPER_BEST_PARAMS).filter(([k]) => !(image && k.startsWith('aud_')))));
    }
    const done = study.getTrials(['COMPLETE', 'PRUNED']).length;
    const inherited = isWorker() ? Number(process.env[DEADLINE_ENV]) : NaN;
    // What earlier processes of this search, stopped by a signal, used of its budget (run.json).
    const used = options.budgetMs === null || isWorker() ? 0 : (ctx.state.budgetUsed ?? 0) * 1000;
    const budgetLeft = options.budgetMs === null ? null : Math.max(0, options.budgetMs - used);
    const deadline = budgetLeft === null ? null : Number.isFinite(inherited) ? inherited : Date.now() + budgetLeft;
    if (!isWorker() && options.budgetMs !== null) ctx.budgetClock = Date.now();
    // All of it used before the resume: the search ends with the trials it has; with none finished it
    // still runs one, for one epoch, as it could not be ranked otherwise.
    const usedUp = budgetLeft === 0;
    const budget =
      options.budgetMs === null
        ? ''
        : `, budget ${formatDuration(options.budgetMs / 1000)}` +
          (used > 0 ? ` (${formatDuration(used / 1000)} of it used before the resume: ${formatDuration((budgetLeft ?? 0) / 1000)} left)` : '');
    ctx.log(objectiveLine(options));
    ctx.log(
      `    ${counted(options.trials, 'trial')}${budget}` +
        `, ${trainRows.n} training${trainRows.n < data.split.train.length ? ` (of ${data.split.train.length}, --search-rows)` : ''} / ${valRows.n} validation rows (${data.split.mode} split)` +
        (done > 0 ? `, ${counted(done, 'trial')} already finished in ${studyPlace(ctx)}` : ''),
    );
    const keep = Math.max(1, options.ensemble);
    // A worker that ends before the search does is said at once (workerLost); one that a stop ends is not.
    let stopped = false;
    const lost: Promise<void>[] = [];
    const onExit = (exit: WorkerExit): void => {
      if (!stopped && exit.code !== 0) lost.push(workerLost(ctx, study, exit).catch(() => undefined));
    };
    // No more processes than trials to run: one more loaded the data and a backend, found no trial and ended.
    const toRun = options.trials - done;
    const extra = isWorker() || usedUp ? 0 : Math.min(options.workers - 1, toRun - 1);
    const capped = extra < options.workers - 1 ? ` (not ${options.workers - 1}: ${counted(toRun, 'trial')} to run)` : '';
    const workers = extra > 0 ? startWorkers(ctx, extra, deadline, onExit, capped) : null;
    if (!isWorker() && !usedUp && options.workers > 1 && extra <= 0 && toRun === 1) ctx.log(`    --workers ${options.workers}: 1 trial to run, by this process alone`);
    // Stopped (Ctrl-C): the trial under way is failed now and its retry queued (a shared study's other
    // machines take it at once); the main process waits for its workers, which do the same. The stop is
    // passed on to them: a signal sent to this process alone (`kill PID`) reached them only once it was
    // gone (endWithParent), their lines after its last one. They take the terminal's Ctrl-C and this
    // one as one stop (core's stopAfterWork). One still busy after WORKERS_STOP_MS is killed and its
    // trial failed here, said in the closing line: nothing it prints comes after that line.
    const forget = beforeStopping(
      async (how, signal) => {
        stopped = true;
        const ending = workers?.stop(signal, WORKERS_STOP_MS);
        await study.failOwnTrials(`its process (${THIS_WORKER.pid} on ${THIS_WORKER.host}) was stopped (${how}) while the trial was running`);
        return ending === undefined ? undefined : killedWorkers(study, (await ending).killed, how);
      },
      workers ? WORKERS_STOP_MS + STOP_WORK_MS : STOP_WORK_MS,
    );
    try {
      const progress = searchProgress(study, ctx.log, { trials: options.trials, done, started: Date.now(), deadline });
      if (usedUp) ctx.log(`    the search budget was used before the resume: ${done > 0 ? 'no more trials' : 'one trial, for one epoch (none has finished)'}`);
      if (!usedUp || done === 0) await study.optimize(makeObjective(ctx, trainRows, valRows, deadline, study), {
        nTrials: usedUp ? 1 : options.trials,
        nTrialsScope: 'study',
        timeoutMs: deadline === null || usedUp ? undefined : Math.max(1, deadline - Date.now()),
        callbacks: [() => pruneTrialModels(ctx, study, keep), ...(isWorker() ? [] : [progress])],
        // Rather than silence while other workers (other machines, or this one's) run the last trials.
        onWaiting: (running) => ctx.log(waitingLine(running, options.trials)),
      });
      // Stopped (its optimize ended as its trials were failed): the process ends; the search has not.
      await unlessStopping();
      // A worker that ended early was said as it ended (workerLost).
      if (workers) await workers;
      await Promise.all(lost);
    } finally {
      forget();
    }
    if (isWorker()) return {};
    delete ctx.budgetClock;
    delete ctx.state.budgetUsed;
    pruneTrialModels(ctx, study, keep);
    const outputs = writeSearchOutputs(ctx, study);
    const kept = outputs.keptBaseline;
    const cut = outputs.trials.filter((t) => t.state === 'COMPLETE' && t.stoppedByBudget).length;
    ctx.log(
      `    ${outputs.finished} complete${cut > 0 ? ` (${cut} stopped early by the budget)` : ''}, ${outputs.pruned} pruned, ${outputs.failed} failed; chosen trial ${outputs.bestTrial} (value ${outputs.bestValue?.toFixed(4)})` +
        (kept ? `: the paper's configuration, within one standard error (${kept.standardError.toFixed(4)}) of trial ${kept.over} (${kept.overValue.toFixed(4)})` : ''),
    );
    return { bestTrial: outputs.bestTrial, bestValue: outputs.bestValue, finished: outputs.finished, pruned: outputs.pruned };
  },
};
