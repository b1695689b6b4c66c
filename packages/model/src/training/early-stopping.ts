import * as tf from '@tensorflow/tfjs';
import type { EpochLogs, TrainCallback, TrainContext } from './callbacks';

/** Arguments of `earlyStopping()`. */
export interface EarlyStoppingArgs {
  /** Logged quantity to minimise. Default 'val_loss'. */
  readonly monitor?: 'val_loss' | 'loss';
  /** Epochs without improvement before stopping. Default 3. */
  readonly patience?: number;
  /** Smallest decrease that counts as an improvement. Default 0. */
  readonly minDelta?: number;
  /** At the end of training, put back the weights of the best epoch. Default true. */
  readonly restoreBestWeights?: boolean;
}

/**
 * Stops training when the monitored loss has not improved for `patience` epochs, and (by default)
 * restores the best epoch's weights at the end, whether it stopped early, ran all epochs or was
 * stopped inside an epoch (`ctx.stopNow()`: the abandoned epoch's updates are undone too).
 */
export class EarlyStopping implements TrainCallback {
  readonly monitor: 'val_loss' | 'loss';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  /** Best epoch so far (0-based), -1 before the first epoch. */
  bestEpoch = -1;
  best = Infinity;
  /** Epoch after which training was stopped, -1 when it was not. */
  stoppedEpoch = -1;
  private wait = 0;
  private lastEpoch = -1;
  /** Last epoch begun: past `lastEpoch` when training stopped inside an epoch. */
  private lastBegun = -1;
  private bestWeights: tf.Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    this.monitor = args.monitor ?? 'val_loss';
    this.patience = args.patience ?? 3;
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.restoreBestWeights = args.restoreBestWeights ?? true;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new RangeError(`Expected early stopping \`patience\` to be a non-negative integer, found ${this.patience}`);
    }
  }

  onTrainBegin(): void {
    this.reset();
  }

  onEpochBegin(epoch: number): void {
    this.lastBegun = epoch;
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainContext): void {
    this.lastEpoch = epoch;
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new RangeError(`Early stopping monitors \`${this.monitor}\`, which this training run does not log (no validation data?)`);
    }
    if (value < this.best - this.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) {
        tf.dispose(this.bestWeights ?? []);
        this.bestWeights = ctx.model.getWeights().map((w) => w.clone());
      }
    } else if (++this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stop();
    }
  }

  onTrainEnd(_history: readonly EpochLogs[], ctx: TrainContext): void {
    // The model holds the best weights only if it trained no further than the best epoch's end.
    if (this.restoreBestWeights && this.bestWeights !== null && this.bestEpoch !== Math.max(this.lastEpoch, this.lastBegun)) {
      ctx.model.setWeights(this.bestWeights);
    }
  }

  dispose(): void {
    tf.dispose(this.bestWeights ?? []);
    this.bestWeights = null;
  }

  private reset(): void {
    this.dispose();
    this.best = Infinity;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.wait = 0;
    this.lastEpoch = -1;
    this.lastBegun = -1;
  }
}

/** Creates an `EarlyStopping` callback (defaults: val_loss, patience 3, restore best weights). */
export function earlyStopping(args: EarlyStoppingArgs = {}): EarlyStopping {
  return new EarlyStopping(args);
}
