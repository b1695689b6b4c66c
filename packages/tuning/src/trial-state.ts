import type { Distribution, ParamValue } from './distributions';

/** Life cycle of a trial. WAITING trials were enqueued and have not been picked up yet. */
export type TrialState = 'WAITING' | 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL';
export const TRIAL_STATES: readonly TrialState[] = ['WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL'];
/** States a trial can finish in. */
export type FinishedState = 'COMPLETE' | 'PRUNED' | 'FAIL';

export type Direction = 'minimize' | 'maximize';

/** A value a trial can carry besides its parameters (Optuna's user attributes): JSON scalars. */
export type UserAttrValue = number | string | boolean | null;

/** Which process runs a trial; used to spot trials left RUNNING by a dead worker. */
export interface WorkerInfo {
  readonly host: string;
  readonly pid: number;
  /** Random id of the process's study handle, unique per process. */
  readonly id: string;
}

/** A read-only snapshot of a trial. */
export interface FrozenTrial {
  readonly number: number;
  readonly state: TrialState;
  /**
   * Objective value of a COMPLETE trial (a PRUNED trial carries its last intermediate value);
   * undefined in a study with several objectives (read `values`).
   */
  readonly value: number | undefined;
  /** Objective values, one per direction of the study (`[value]` with one objective). */
  readonly values: readonly number[] | undefined;
  /** Constraint values from the study's `constraintsFunc`; feasible when all are <= 0. Undefined: unconstrained. */
  readonly constraints: readonly number[] | undefined;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** step -> reported value, in insertion order. */
  readonly intermediateValues: ReadonlyMap<number, number>;
  /** Parameters fixed in advance by `enqueueTrial` (or a retry of a failed trial). */
  readonly fixedParams: Readonly<Record<string, ParamValue>> | undefined;
  /** The failed trial this one retries, if any. */
  readonly retryOf: number | undefined;
  readonly worker: WorkerInfo | undefined;
  /** Epoch milliseconds. */
  readonly datetimeStart: number | undefined;
  readonly datetimeComplete: number | undefined;
  readonly lastHeartbeat: number | undefined;
  /** Why a FAIL trial failed, when known. */
  readonly failReason: string | undefined;
  /** Figures the objective recorded besides the value (`Trial.setUserAttr`), in insertion order. */
  readonly userAttrs: Readonly<Record<string, UserAttrValue>>;
}

/** Whether a trial is finished (not WAITING or RUNNING). */
export function isFinished(state: TrialState): state is FinishedState {
  return state === 'COMPLETE' || state === 'PRUNED' || state === 'FAIL';
}

/**
 * A trial's time in seconds: from its start (`ask`: before it suggests its parameters) to its end
 * (`tell`: after its objective returned), so setup and evaluation count as well as the steps. Of a
 * trial not finished (or recorded without an end), up to `now` when given, else undefined; undefined
 * without a start. What the trials table's `seconds` and any line about a trial's time give.
 */
export function trialSeconds(trial: Pick<FrozenTrial, 'datetimeStart' | 'datetimeComplete'>, now?: number): number | undefined {
  const end = trial.datetimeComplete ?? now;
  return trial.datetimeStart === undefined || end === undefined ? undefined : Math.max(0, end - trial.datetimeStart) / 1000;
}

/** The last reported step of a trial, or undefined. */
export function lastStep(trial: FrozenTrial): number | undefined {
  let last: number | undefined;
  for (const step of trial.intermediateValues.keys()) if (last === undefined || step > last) last = step;
  return last;
}
