import type { Distribution, ParamValue } from '../distributions';
import { ConfigError } from '../errors';
import type { Direction, FinishedState, FrozenTrial, UserAttrValue, WorkerInfo } from '../trial-state';

/** When `startTrial` may create a new trial. */
export interface TrialLimit {
  /** Stop once the study has this many COMPLETE + PRUNED trials; running ones count as future finishes. */
  readonly nFinished: number;
}

/** How `failStaleTrials` recognises abandoned RUNNING trials. */
export interface StalePolicy {
  readonly now: number;
  /** A RUNNING trial without a heartbeat for this long is failed. Infinity disables the check. */
  readonly staleAfterMs: number;
  /** Whether the process that ran a trial is known to be dead. */
  readonly isWorkerDead: (worker: WorkerInfo) => boolean;
  /** A failed trial's parameters are enqueued again at most this many times (0 = never). */
  readonly maxRetries: number;
  /**
   * Why its trials failed, when the caller knows: its own process is stopping them, so they end now
   * (`now`); otherwise each is said from the check that found it, and ended when it was last heard from.
   */
  readonly reason?: string;
}

/** The arguments of {@link Storage.finishTrial}: the trial, how it ended, its value(s), when, why, and its constraint values. */
export type FinishTrialArgs = [
  study: string,
  number: number,
  state: FinishedState,
  value: number | readonly number[] | undefined,
  now: number,
  reason?: string,
  constraints?: readonly number[],
];

/** The arguments of the start in {@link Storage.finishAndStartTrial} (the study is the finish's). */
export interface StartTrialArgs {
  readonly worker: WorkerInfo;
  readonly now: number;
  readonly limit?: TrialLimit;
}

/**
 * Where studies live. Every method is asynchronous (a database answers later); each change is
 * atomic: a journal append, or one database transaction. In-memory, journal-file and PostgreSQL
 * storages implement it; the study logic above them is the same.
 */
export interface Storage {
  /** Creates a study (one direction per objective), or loads it when `loadIfExists`; returns its directions. */
  createStudy(name: string, directions: Direction | readonly Direction[], loadIfExists: boolean): Promise<readonly Direction[]>;
  /** Directions of an existing study's objectives, or undefined. */
  getStudyDirections(name: string): Promise<readonly Direction[] | undefined>;
  getStudyNames(): Promise<string[]>;
  /** Snapshot of a study's trials, ordered by number, after catching up with other writers. */
  getTrials(study: string): Promise<readonly FrozenTrial[]>;
  /**
   * The same snapshot, synchronously, for storages that can give it cheaply (in memory, a journal
   * file on a local disk); undefined elsewhere, where the study keeps a cache refreshed at each
   * asynchronous step.
   */
  readonly peekTrials?: (study: string) => readonly FrozenTrial[];
  /**
   * Claims the oldest WAITING trial, or creates a RUNNING one. Returns undefined when `limit` says
   * the study already has (or is about to have) enough finished trials.
   */
  startTrial(study: string, worker: WorkerInfo, now: number, limit?: TrialLimit): Promise<FrozenTrial | undefined>;
  enqueueTrial(study: string, params: Record<string, ParamValue>, now: number, retryOf?: number): Promise<number>;
  setParam(study: string, number: number, name: string, distribution: Distribution, value: ParamValue, now: number): Promise<void>;
  reportIntermediate(study: string, number: number, step: number, value: number, now: number): Promise<void>;
  heartbeat(study: string, number: number, now: number): Promise<void>;
  /** Records a user attribute of a RUNNING trial (a later value of the same key replaces it). */
  setUserAttr(study: string, number: number, key: string, value: UserAttrValue, now: number): Promise<void>;
  /**
   * Finishes a RUNNING trial with its value (an array: one per objective) and constraint values;
   * false (and nothing written) when it had already finished.
   */
  finishTrial(...args: FinishTrialArgs): Promise<boolean>;
  /**
   * Optional: `finishTrial`, then, only when it wrote, `startTrial` (with `start`'s worker, time and
   * limit) in the same atomic step, as one round trip where the two calls take two. `finished` is
   * what `finishTrial` would return; `started` the trial `startTrial` would return (undefined when
   * nothing was finished, or when the limit says stop). Study's `optimize` uses it when a storage has
   * it; other storages get the two calls.
   */
  finishAndStartTrial?(finish: FinishTrialArgs, start: StartTrialArgs): Promise<{ readonly finished: boolean; readonly started: FrozenTrial | undefined }>;
  /** Marks abandoned RUNNING trials FAIL (and enqueues retries) in one atomic step; returns the failed trials. */
  failStaleTrials(study: string, policy: StalePolicy): Promise<FrozenTrial[]>;
  /** Releases files and connections; the storage is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Files kept with a study in its storage (Optuna's artifact store), so that whatever later stages
 * read of a trial (its model, meta, calibration) is there on every machine. `trial` -1 holds the
 * study's own files. Only storages shared between machines (PostgreSQL) have it.
 */
export interface ArtifactStore {
  /** Stores a file; with `ifAbsent`, keeps an existing one. Returns whether this call wrote it. */
  putArtifact(study: string, trial: number, path: string, data: Buffer, options?: { readonly ifAbsent?: boolean }): Promise<boolean>;
  /** A stored file, or undefined. */
  getArtifact(study: string, trial: number, path: string): Promise<Buffer | undefined>;
  /** The paths stored for a trial, sorted. */
  listArtifacts(study: string, trial: number): Promise<string[]>;
}

/** Whether a storage keeps artifacts. */
export function hasArtifacts(storage: Storage): storage is Storage & ArtifactStore {
  return typeof (storage as Partial<ArtifactStore>).putArtifact === 'function';
}

/** Checks a study's name and directions; returns the directions as a list. */
export function checkStudyArgs(name: string, directions: Direction | readonly Direction[]): readonly Direction[] {
  if (typeof name !== 'string' || name.length === 0) throw new ConfigError(`Study option \`name\`: expected a non-empty string, got ${JSON.stringify(name)}`);
  const list = typeof directions === 'string' ? [directions] : directions;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(`Study option \`directions\`: expected at least one direction, got ${JSON.stringify(directions)}`);
  for (const direction of list) {
    if (direction !== 'minimize' && direction !== 'maximize') {
      throw new ConfigError(`Study option \`direction\`: expected 'minimize' or 'maximize', got ${JSON.stringify(direction)}`);
    }
  }
  return list;
}

/** Whether a trial counts against `TrialLimit`: the study has enough finished + running trials. */
export function limitReached(trials: readonly FrozenTrial[], limit: TrialLimit | undefined): boolean {
  if (limit === undefined) return false;
  const busy = trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED' || t.state === 'RUNNING').length;
  return busy >= limit.nFinished;
}

/** A RUNNING trial `failStaleTrials` fails: why, and the parameters of its retry (if it gets one). */
export interface StaleFailure {
  readonly number: number;
  readonly reason: string;
  /**
   * When the trial last showed life (its last heartbeat, report or attribute, else its start): the
   * time it is recorded as ended, so that its duration is the time it ran, not the time until another
   * process noticed (a resume the next day made a trial stopped after 2 s last a day).
   */
  readonly endedAt: number;
  readonly retryParams: Record<string, ParamValue> | undefined;
}

/** Whether a trial is RUNNING with a dead worker or an old heartbeat. */
export function isStale(t: FrozenTrial, policy: Pick<StalePolicy, 'now' | 'staleAfterMs' | 'isWorkerDead'>): boolean {
  return (
    t.state === 'RUNNING' &&
    ((t.worker !== undefined && policy.isWorkerDead(t.worker)) || policy.now - (t.lastHeartbeat ?? t.datetimeStart ?? policy.now) > policy.staleAfterMs)
  );
}

/** The stale trials of a study (ordered by number), each with its reason and retry. */
export function staleFailures(trials: readonly FrozenTrial[], policy: StalePolicy): StaleFailure[] {
  return trials
    .filter((t) => isStale(t, policy))
    .map((t) => {
      const dead = t.worker !== undefined && policy.isWorkerDead(t.worker);
      const reason = policy.reason !== undefined
        ? policy.reason
        : dead
        ? `its process (${t.worker?.pid} on ${t.worker?.host}) ended while the trial was running: stopped (Ctrl-C), killed or crashed`
        : `no heartbeat for ${Math.round((policy.now - (t.lastHeartbeat ?? policy.now)) / 1000)} s`;
      let depth = 0;
      for (let r = t.retryOf; r !== undefined; r = trials[r]?.retryOf) depth++;
      const params = { ...(t.fixedParams ?? {}), ...t.params };
      // One without parameters too (its worker stopped, or lost the database, just as it started), as
      // Optuna's RetryFailedTrialCallback: its retry draws them as it would have (its draw index is the
      // trial's, draw-index.ts), so the search goes on as one never interrupted, not with new ones.
      const retry = depth < policy.maxRetries;
      return { number: t.number, reason, endedAt: policy.reason !== undefined ? policy.now : (t.lastHeartbeat ?? t.datetimeStart ?? policy.now), retryParams: retry ? params : undefined };
    });
}

/** A finished trial's objective values as stored: one number, several, or none. */
export function splitValues(value: number | readonly number[] | undefined): { single?: number; several?: readonly number[] } {
  const single = typeof value === 'number' ? value : value?.length === 1 ? value[0] : undefined;
  if (single !== undefined) return { single };
  return value !== undefined && typeof value !== 'number' ? { several: value } : {};
}
