/** Base class of every error the tuning package throws on purpose. */
export class TuningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A caller passed a bad argument: a wrong range, empty choices, a NaN objective value... */
export class ConfigError extends TuningError {}

/** The study storage is unusable: an unknown study, a lock that cannot be taken, a bad journal. */
export class StorageError extends TuningError {}

/**
 * Thrown by an objective to say "this trial was pruned" (usually right after
 * `trial.shouldPrune()` returned true). `optimize` records the trial as PRUNED.
 */
export class TrialPruned extends TuningError {
  constructor(message = 'Trial was pruned.') {
    super(message);
  }
}
