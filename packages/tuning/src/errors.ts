import { UserError } from '@digitfuse/core';

/** Base class of the user errors the tuning package throws (a bad argument, an unusable storage). */
export class TuningError extends UserError {}

/** A caller passed a bad argument: a wrong range, empty choices, a NaN objective value... */
export class ConfigError extends TuningError {}

/** The study storage is unusable: an unknown study, a lock that cannot be taken, a bad journal. */
export class StorageError extends TuningError {}

/**
 * A read-only PostgreSQL storage opened on a database without digitfuse's tables: no study was
 * ever stored there (a reader, unlike a writer, creates nothing). Listing its studies finds none.
 */
export class NoStudyTablesError extends StorageError {}

/**
 * A study deleted (`digitfuse studies --delete`) since this storage handle first read it. A study
 * made later under the same name is another one: its reader starts over (its trials, its records).
 */
export class StudyDeletedError extends StorageError {}

/**
 * A shared storage's server stayed out of reach (refused, silent or hanging up) for longer than the
 * storage retries (`PostgresStorage`'s `retryForMs`). What was written before is kept there; the
 * same search can go on once the server is back.
 */
export class StorageUnavailableError extends StorageError {
  constructor(
    message: string,
    /** The server, `host:port`. */
    readonly server: string,
    /** How long calls were retried before giving up (ms). */
    readonly triedMs: number,
  ) {
    super(message);
  }
}

/**
 * Thrown by an objective to say "this trial was pruned" (usually right after
 * `trial.shouldPrune()` returned true). `optimize` records the trial as PRUNED. Control flow, not
 * a user error: one that escapes `optimize` is a bug.
 */
export class TrialPruned extends Error {
  constructor(message = 'Trial was pruned.') {
    super(message);
    this.name = 'TrialPruned';
  }
}
