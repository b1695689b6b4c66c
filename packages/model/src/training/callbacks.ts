import type * as tf from '@tensorflow/tfjs';

/** Metrics of one finished epoch (the `history` entries of a training run). */
export interface EpochLogs {
  /** 0-based epoch index. */
  readonly epoch: number;
  /** Mean training loss (categorical cross-entropy) over the epoch's batches, weighted by batch size. */
  readonly loss: number;
  /** Training accuracy over the epoch (dropout active, as Keras reports it). */
  readonly acc: number;
  /** Validation loss after the epoch; absent without validation data. */
  readonly val_loss?: number;
  /** Validation accuracy after the epoch; absent without validation data. */
  readonly val_acc?: number;
  /** Wall-clock seconds of the epoch (training and validation). */
  readonly seconds: number;
  /** Training samples per second (training steps only). */
  readonly samples_per_s: number;
}

/** Progress inside an epoch, given to `onBatchEnd`. */
export interface BatchProgress {
  /** 0-based epoch index. */
  readonly epoch: number;
  /** 0-based batch index within the epoch. */
  readonly batch: number;
  readonly batchesPerEpoch: number;
  /** Training samples done in this epoch so far. */
  readonly samplesDone: number;
  readonly samplesPerEpoch: number;
  /** Seconds since the epoch began. */
  readonly elapsed: number;
  /**
   * Running mean loss and accuracy of the epoch so far, read from the device asynchronously (a GPU
   * backend cannot read synchronously in Node): call sparingly, and await it inside `onBatchEnd`.
   */
  metrics(): Promise<{ readonly loss: number; readonly acc: number }>;
}

/** What callbacks can see of, and do to, a running training. */
export interface TrainContext {
  readonly model: tf.LayersModel;
  /** Most epochs this run may take. */
  readonly epochs: number;
  readonly batchesPerEpoch: number;
  readonly samplesPerEpoch: number;
  /** Asks the loop to stop after the current epoch (early stopping). */
  stop(): void;
  /**
   * Asks the loop to stop at the end of the current batch (called from `onBatchEnd`; from
   * `onEpochBegin`, before the epoch's first batch; from `onEpochEnd`, the same as `stop()`). The
   * unfinished epoch is abandoned: it gets no validation pass, no `onEpochEnd` and no history entry,
   * and `onTrainEnd` follows. Its weight updates stay in the model unless early stopping restores
   * the best finished epoch (it does whenever it restores best weights and has a best epoch); see
   * `train()` for what the model holds otherwise.
   */
  stopNow(): void;
}

/**
 * A training callback (the tfjs `CustomCallbackArgs` pattern). Any hook may be async. A hook that
 * throws (e.g. a pruner's `TrialPruned`) ends training: `dispose` hooks run, then the error propagates.
 */
export interface TrainCallback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onBatchEnd?(progress: BatchProgress, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainContext): void | Promise<void>;
  /** Called once after the last epoch of a run that did not throw. */
  onTrainEnd?(history: readonly EpochLogs[], ctx: TrainContext): void | Promise<void>;
  /** Called once when training ends, normally or by an error: release resources here. */
  dispose?(): void;
}
