import type { EpochLogs } from '../training/callbacks';

/**
 * Epochs in the files digitfuse writes (a model's meta.json from its version 2 on, train's
 * metrics.json) count from 1, as every log line, table and report does: `"bestEpoch": 3` is the epoch
 * the `epoch 3/10` line showed, and `history[0].epoch` is 1. In code (`EpochLogs.epoch`,
 * `TrainResult.bestEpoch`, `ModelMeta`) they count from 0, as tfjs and Keras do. These convert between
 * the two, at the files' edge only.
 */

/** The epoch `index` (from 0; -1 when no epoch finished) as written to a file: its number from 1 (0 when none finished). */
export const epochNumber = (index: number): number => index + 1;

/** An epoch `number` read from a file (from 1) as the index code uses (from 0). */
export const epochIndex = (number: number): number => number - 1;

/** A training history as written to a file: each entry's `epoch` counted from 1. */
export const numberedHistory = (history: readonly EpochLogs[]): EpochLogs[] => history.map((h) => ({ ...h, epoch: epochNumber(h.epoch) }));

/** A history read from a file whose epochs count from 1, as code uses it (from 0); entries without a numeric `epoch` are kept as they are. */
export const indexedHistory = (history: readonly EpochLogs[]): EpochLogs[] =>
  history.map((h) => (typeof h?.epoch === 'number' ? { ...h, epoch: epochIndex(h.epoch) } : h));
