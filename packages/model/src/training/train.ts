import { eventLoopTurns } from '@digitfuse/core';
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, NUM_CLASSES, type ModelInputs } from '@digitfuse/data';
import { argmaxRows, crossEntropy } from '../evaluation/metrics';
import { predictOutputs } from '../evaluation/predict';
import { checkInputs, gatherRows, inputTensors, oneHot } from '../network/feed';
import { LAYER_NAMES } from '../network/layer-names';
import { createRng, permutation } from '@digitfuse/data';
import { augmentImages, type AugmentArgs } from './augment';
import { augmentAudio, dropModalities, type AudioAugmentArgs, type ModalityDropoutArgs } from './augment-audio';
import { calibrateFusion, type CalibrateOptions, type Calibration } from './calibrate';
import { outputIndex } from '../network/fusion/fusion-strategy';
import { fusionStrategy, outputSpec } from '../network/fusion/fusions';
import type { ModelConfig } from '../network/config';
import { AUDIO_SIZE } from '@digitfuse/data';
import type { BatchProgress, EpochLogs, TrainCallback, TrainContext } from './callbacks';
import { EarlyStopping, type EarlyStoppingArgs } from './early-stopping';
import { ProgressReporter, type ProgressArgs } from './progress';
import { createTrainStep, trainedOutputs } from './train-step';
import { DeviceRows, deviceRowBytes, keepRowsOnDevice, type DataOnDevice } from './device-rows';

/** Training and (optional) validation data. */
export interface TrainData {
  readonly train: ModelInputs;
  /** Validation data for early stopping and val_loss/val_acc; without it, no early stopping. */
  readonly val?: ModelInputs;
}

/** `train()`'s batch size, most epochs and seed when its options give none. */
export const TRAIN_DEFAULTS = Object.freeze({ batchSize: 64, epochs: 10, seed: 42 });

/**
 * The most epochs a command takes (`--epochs` of train, bench robustness, search and full): 1,000, a
 * hundred times the paper's 10 (early stopping ends far sooner). A larger value is a typo, refused in
 * one line before any work rather than training for days.
 */
export const MAX_EPOCHS = 1000;

/** Options of `train()`. */
export interface TrainOptions {
  /** Samples per gradient step. Default 64. */
  readonly batchSize?: number;
  /** Most epochs. Default 10. */
  readonly epochs?: number;
  /** Seed of the shuffling, dropout masks and augmentation. Default 42. */
  readonly seed?: number;
  /**
   * Early stopping on the validation loss; `false` disables it. Default `{ patience: 3,
   * restoreBestWeights: true }` when validation data is given (ignored without it).
   */
  readonly earlyStopping?: EarlyStoppingArgs | false;
  /** Extra callbacks, called after the built-in early stopping and before the progress reporter. Default []. */
  readonly callbacks?: readonly TrainCallback[];
  /** Progress reporting (see `ProgressArgs`); 'silent' for none. Default { mode: 'auto' } on process.stderr. */
  readonly progress?: ProgressArgs | ProgressArgs['mode'];
  /** Random shifts/rotations of training images (`true` = default `AugmentArgs`). Default false. */
  readonly augment?: AugmentArgs | boolean;
  /** Random time shifts, cepstral offsets, noise and masks of training audio (`true` = defaults). Default false. */
  readonly augmentAudio?: AudioAugmentArgs | boolean;
  /** Blanks a whole sense of random training rows (`true` = defaults); both-branch models only. Default false. */
  readonly modalityDropout?: ModalityDropoutArgs | boolean;
  /**
   * Models with experts (robust fusion and those built on it): after training, calibrate the
   * product-of-experts weights on the validation data (`calibrateFusion`); `false` keeps the weights
   * the model has. Default true (needs validation data).
   */
  readonly calibrate?: CalibrateOptions | boolean;
  /** Batch size for validation predictions. Default 256. */
  readonly validationBatchSize?: number;
  /**
   * Keep the training rows on the backend's device for the whole training and gather each batch there
   * (`DataOnDevice`); 'auto' does on a GPU backend when the rows fit and need no host-side change.
   * The same values either way. Default 'auto'.
   */
  readonly dataOnDevice?: DataOnDevice;
}

/** Outcome of `train()`. */
export interface TrainResult {
  /** One entry per finished epoch (an epoch abandoned by `stopNow()` has none). */
  readonly history: readonly EpochLogs[];
  /**
   * The epoch (0-based) whose weights the model holds now: the best one under early stopping, else
   * the last finished one (after `stopNow()` without early stopping, the model holds that epoch's
   * weights plus the abandoned epoch's updates); -1 when no epoch finished.
   */
  readonly bestEpoch: number;
  /** Whether a callback (early stopping, `stop()`, `stopNow()`) ended training before `epochs`. */
  readonly stoppedEarly: boolean;
  /** Total wall-clock seconds. */
  readonly seconds: number;
  /** Whether the training rows stayed on the backend's device (`TrainOptions.dataOnDevice`). */
  readonly dataOnDevice: boolean;
  /** The calibration of a model with experts (absent for other models or without validation data). */
  readonly calibration?: Calibration;
}

/**
 * The training options a model's fusion strategy wants (`FusionStrategy.training`, e.g. robust
 * fusion's modality dropout; packages/model/ROBUSTNESS.md) and, for a strategy with experts,
 * calibration adapted to `target`, the unlabelled rows the model will predict (their labels, if any,
 * are dropped), when there are any. Empty for single-branch models and for 'concat'.
 */
export function fusionTrainingOptions(config: ModelConfig, target: ModelInputs | null = null): Pick<TrainOptions, 'modalityDropout' | 'calibrate'> {
  if (config.modality !== 'both') return {};
  const strategy = fusionStrategy(config.fusion);
  return {
    ...strategy.training,
    ...(strategy.experts && target && target.n > 0 ? { calibrate: { target: { ...target, labels: null } } } : {}),
  };
}

const positiveInt = (name: string, v: number): number => {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`Expected \`${name}\` to be a positive integer, found ${v}`);
  return v;
};

/**
 * Trains a compiled model with Adam and categorical cross-entropy in a seeded loop: shuffling,
 * dropout and augmentation all come from `seed`, so the same seed on the same backend gives the same
 * weights and history. Tensor memory stays flat across epochs. A callback that throws (e.g.
 * `TrialPruned`) stops training; resources are released and the error propagates.
 *
 * A callback's `ctx.stopNow()` ends training at the end of the current batch and abandons the
 * unfinished epoch (no validation pass, no `onEpochEnd`, no history entry). With early stopping
 * (validation data and `earlyStopping` not false) the model then gets the best finished epoch's
 * weights back, so the result is that of a run of fewer epochs with the same seed. Without it the
 * model keeps the abandoned epoch's updates on top of the last finished epoch (`bestEpoch`). Stopped
 * before any epoch finished, the history is empty, `bestEpoch` is -1 and the model holds the weights
 * of the batches run; calibration (models with experts) runs as after any other stop.
 */
export async function train(model: tf.LayersModel, data: TrainData, options: TrainOptions = {}): Promise<TrainResult> {
  const batchSize = positiveInt('batchSize', options.batchSize ?? TRAIN_DEFAULTS.batchSize);
  const epochs = positiveInt('epochs', options.epochs ?? TRAIN_DEFAULTS.epochs);
  const valBatch = positiveInt('validationBatchSize', options.validationBatchSize ?? 256);
  checkInputs(data.train, 'train', true);
  if (data.train.n === 0) throw new RangeError('Expected training data with at least one row, found 0');
  if (data.val) checkInputs(data.val, 'val', true);
  const val = data.val && data.val.n > 0 ? data.val : undefined;
  const labels = data.train.labels as Int32Array;
  const augment = options.augment === true ? {} : options.augment || null;
  const rng = createRng(options.seed ?? TRAIN_DEFAULTS.seed);
  const hasImages = model.inputNames.includes(LAYER_NAMES.imageInput);
  const hasAudio = model.inputNames.includes(LAYER_NAMES.audioInput);
  const audioAugment = options.augmentAudio === true ? {} : options.augmentAudio || null;
  const modalityDrop = hasImages && hasAudio ? (options.modalityDropout === true ? {} : options.modalityDropout || null) : null;

  const stopper = val && options.earlyStopping !== false ? new EarlyStopping(options.earlyStopping ?? {}) : null;
  const progressArgs = typeof options.progress === 'string' ? { mode: options.progress } : (options.progress ?? {});
  const callbacks: TrainCallback[] = [...(stopper ? [stopper] : []), ...(options.callbacks ?? []), new ProgressReporter(progressArgs)];

  const n = data.train.n;
  const hostTransforms = (augment != null && hasImages) || (audioAugment != null && hasAudio) || modalityDrop != null;
  const onDevice = keepRowsOnDevice(options.dataOnDevice ?? 'auto', tf.getBackend(), hostTransforms, deviceRowBytes(model, data.train));
  if (onDevice && hostTransforms) throw new RangeError('dataOnDevice: true cannot be used with augmentation or modality dropout, which change each batch on the host');
  const batchesPerEpoch = Math.ceil(n / batchSize);
  let stopRequested = false;
  // stopNow(): leave the epoch at the end of the current batch (only read inside an epoch).
  let abandonRequested = false;
  const ctx: TrainContext = {
    model,
    epochs,
    batchesPerEpoch,
    samplesPerEpoch: n,
    stop: () => (stopRequested = true),
    stopNow: () => (stopRequested = abandonRequested = true),
  };
  const step = createTrainStep(model);
  const prediction = outputIndex(model, 'prediction');
  const trained = trainedOutputs(model);
  const history: EpochLogs[] = [];
  const t0 = performance.now();
  let lossSum: tf.Scalar | null = null;
  let correctSum: tf.Scalar | null = null;
  let deviceRows: DeviceRows | null = null;
  // A batch copied from the host arrays, changed there first when augmentation or modality dropout is on.
  const hostBatch = (rows: Int32Array): { xs: tf.Tensor[]; y: tf.Tensor } => {
    let images = augment && hasImages ? augmentImages(gatherRows(data.train.images, IMAGE_SIZE, rows), rng, augment) : undefined;
    let audio = audioAugment && hasAudio ? augmentAudio(gatherRows(data.train.audio, AUDIO_SIZE, rows), rng, audioAugment) : undefined;
    if (modalityDrop) {
      images ??= gatherRows(data.train.images, IMAGE_SIZE, rows);
      audio ??= gatherRows(data.train.audio, AUDIO_SIZE, rows);
      dropModalities(images, audio, rows.length, rng, modalityDrop);
    }
    const xs = inputTensors(model, data.train, rows, { images, audio });
    const y = tf.tensor2d(oneHot(labels, rows), [rows.length, NUM_CLASSES]);
    return { xs, y };
  };

  try {
    if (onDevice) deviceRows = new DeviceRows(model, data.train);
    for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
    // Timers (a study's heartbeats), signals and sockets get a turn between batches (see eventLoopTurns).
    const turn = eventLoopTurns();
    for (let epoch = 0; epoch < epochs && !stopRequested; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
      if (abandonRequested) break;
      const epochStart = performance.now();
      const order = permutation(n, rng);
      lossSum = tf.scalar(0);
      correctSum = tf.scalar(0);
      for (let b = 0; b < batchesPerEpoch; b++) {
        const rows = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const { xs, y } = deviceRows ? deviceRows.batch(rows) : hostBatch(rows);
        const { loss, correct } = step(xs, y, rng.seed());
        const prev: tf.Tensor[] = [lossSum, correctSum];
        const sums = tf.tidy(() => [tf.add(prev[0], tf.mul(loss, rows.length)), tf.add(prev[1], correct)] as tf.Scalar[]);
        lossSum = sums[0];
        correctSum = sums[1];
        tf.dispose([...xs, y, loss, correct, ...prev]);
        const samplesDone = Math.min(n, (b + 1) * batchSize);
        const ls = lossSum;
        const cs = correctSum;
        const progress: BatchProgress = {
          epoch,
          batch: b,
          batchesPerEpoch,
          samplesDone,
          samplesPerEpoch: n,
          elapsed: (performance.now() - epochStart) / 1000,
          metrics: async () => ({ loss: (await ls.data())[0] / samplesDone, acc: (await cs.data())[0] / samplesDone }),
        };
        for (const cb of callbacks) await cb.onBatchEnd?.(progress, ctx);
        if (abandonRequested) break;
        await turn();
      }
      if (abandonRequested) break; // the epoch's running sums are released in `finally`
      const [lossTotal, correctTotal] = [(await lossSum.data())[0], (await correctSum.data())[0]];
      tf.dispose([lossSum, correctSum]);
      lossSum = correctSum = null;
      const trainSeconds = (performance.now() - epochStart) / 1000;
      let valLogs: { val_loss: number; val_acc: number } | Record<string, never> = {};
      if (val) {
        // val_loss is the training loss on validation rows (the sum of the trained outputs' losses, e.g.
        // robust fusion's three heads), val_acc the accuracy of the model's prediction.
        const outputs = await predictOutputs(model, val, valBatch);
        const vLabels = val.labels as Int32Array;
        const pred = argmaxRows(outputs[prediction], NUM_CLASSES);
        let ok = 0;
        for (let i = 0; i < val.n; i++) if (pred[i] === vLabels[i]) ok++;
        valLogs = { val_loss: trained.reduce((sum, k) => sum + crossEntropy(outputs[k], vLabels, NUM_CLASSES), 0), val_acc: ok / val.n };
      }
      const logs: EpochLogs = {
        epoch,
        loss: lossTotal / n,
        acc: correctTotal / n,
        ...valLogs,
        seconds: (performance.now() - epochStart) / 1000,
        samples_per_s: n / trainSeconds,
      };
      history.push(logs);
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctx);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(history, ctx);
    const bestEpoch = stopper && stopper.restoreBestWeights && stopper.bestEpoch >= 0 ? stopper.bestEpoch : history.length - 1;
    const calibration =
      val && outputSpec(model).experts && options.calibrate !== false
        ? await calibrateFusion(model, val, { batchSize: valBatch, seed: options.seed ?? TRAIN_DEFAULTS.seed, ...(options.calibrate === true ? {} : options.calibrate) })
        : undefined;
    return {
      history,
      bestEpoch,
      stoppedEarly: stopRequested && history.length < epochs,
      seconds: (performance.now() - t0) / 1000,
      dataOnDevice: onDevice,
      ...(calibration ? { calibration } : {}),
    };
  } finally {
    tf.dispose([lossSum, correctSum].filter((t): t is tf.Scalar => t !== null));
    deviceRows?.dispose();
    for (const cb of callbacks) cb.dispose?.();
  }
}
