import type { Distribution, ParamValue } from '../distributions';
import { ConfigError, StorageError } from '../errors';
import type { TuningLogger } from '../logger';
import type { Direction, FinishedState, FrozenTrial, UserAttrValue, WorkerInfo } from '../trial-state';
import { encodeNumber, type JournalOp } from './journal-ops';
import { Replica } from './replica';

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
}

/** Where studies live. All methods are synchronous; a journal operation is one atomic append. */
export interface Storage {
  /** Creates a study (one direction per objective), or loads it when `loadIfExists`; returns its directions. */
  createStudy(name: string, directions: Direction | readonly Direction[], loadIfExists: boolean): readonly Direction[];
  /** Direction of an existing study (the first objective's), or undefined. */
  getStudyDirection(name: string): Direction | undefined;
  /** Directions of an existing study's objectives, or undefined. */
  getStudyDirections(name: string): readonly Direction[] | undefined;
  getStudyNames(): string[];
  /** Snapshot of a study's trials, ordered by number, after catching up with other writers. */
  getTrials(study: string): readonly FrozenTrial[];
  /**
   * Claims the oldest WAITING trial, or creates a RUNNING one. Returns undefined when `limit` says
   * the study already has (or is about to have) enough finished trials.
   */
  startTrial(study: string, worker: WorkerInfo, now: number, limit?: TrialLimit): FrozenTrial | undefined;
  enqueueTrial(study: string, params: Record<string, ParamValue>, now: number, retryOf?: number): number;
  setParam(study: string, number: number, name: string, distribution: Distribution, value: ParamValue, now: number): void;
  reportIntermediate(study: string, number: number, step: number, value: number, now: number): void;
  heartbeat(study: string, number: number, now: number): void;
  /** Records a user attribute of a RUNNING trial (a later value of the same key replaces it). */
  setUserAttr(study: string, number: number, key: string, value: UserAttrValue, now: number): void;
  /**
   * Finishes a RUNNING trial with its value (an array: one per objective) and constraint values;
   * false (and nothing written) when it had already finished.
   */
  finishTrial(
    study: string,
    number: number,
    state: FinishedState,
    value: number | readonly number[] | undefined,
    now: number,
    reason?: string,
    constraints?: readonly number[],
  ): boolean;
  /** Marks abandoned RUNNING trials FAIL (and enqueues retries) in one atomic step; returns the failed trials. */
  failStaleTrials(study: string, policy: StalePolicy): FrozenTrial[];
  /** Releases files; the storage is unusable afterwards. */
  close(): void;
}

interface Commit<T> {
  readonly ops: readonly JournalOp[];
  readonly result: T;
}

/**
 * Shared logic of the storages: every change is a list of journal operations computed from an
 * up-to-date replica and then applied; subclasses decide how they are persisted.
 */
export abstract class ReplicatedStorage implements Storage {
  protected readonly replica: Replica;

  constructor(protected readonly logger: TuningLogger) {
    this.replica = new Replica(logger);
  }

  /** Catches up with operations written by others. */
  protected abstract refresh(): void;
  /** Runs `fn` on a fresh replica while no one else writes, persists its operations, applies them. */
  protected abstract commit<T>(fn: () => Commit<T>): T;

  abstract close(): void;

  createStudy(name: string, directions: Direction | readonly Direction[], loadIfExists: boolean): readonly Direction[] {
    if (typeof name !== 'string' || name.length === 0) throw new ConfigError(`Study option \`name\`: expected a non-empty string, got ${JSON.stringify(name)}`);
    const list = typeof directions === 'string' ? [directions] : directions;
    if (!Array.isArray(list) || list.length === 0) throw new ConfigError(`Study option \`directions\`: expected at least one direction, got ${JSON.stringify(directions)}`);
    for (const direction of list) {
      if (direction !== 'minimize' && direction !== 'maximize') {
        throw new ConfigError(`Study option \`direction\`: expected 'minimize' or 'maximize', got ${JSON.stringify(direction)}`);
      }
    }
    return this.commit(() => {
      const existing = this.replica.directions(name);
      if (existing !== undefined) {
        if (!loadIfExists) throw new StorageError(`Study \`${name}\` already exists; pass loadIfExists: true to resume it`);
        return { ops: [], result: existing };
      }
      // One objective: the line older versions wrote (and read).
      const op: JournalOp = { op: 'create_study', study: name, direction: list[0], ...(list.length > 1 ? { directions: [...list] } : {}), ts: Date.now() };
      return { ops: [op], result: Object.freeze([...list]) };
    });
  }

  getStudyDirection(name: string): Direction | undefined {
    this.refresh();
    return this.replica.direction(name);
  }

  getStudyDirections(name: string): readonly Direction[] | undefined {
    this.refresh();
    return this.replica.directions(name);
  }

  getStudyNames(): string[] {
    this.refresh();
    return this.replica.studyNames();
  }

  getTrials(study: string): readonly FrozenTrial[] {
    this.refresh();
    return this.replica.trials(study);
  }

  startTrial(study: string, worker: WorkerInfo, now: number, limit?: TrialLimit): FrozenTrial | undefined {
    const started = this.commit<number | undefined>(() => {
      const trials = this.requireStudy(study);
      if (limit !== undefined) {
        const finished = trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED').length;
        const running = trials.filter((t) => t.state === 'RUNNING').length;
        if (finished + running >= limit.nFinished) return { ops: [], result: undefined };
      }
      const waiting = trials.find((t) => t.state === 'WAITING');
      const number = waiting?.number ?? trials.length;
      const op: JournalOp = waiting
        ? { op: 'claim_trial', study, number, worker, ts: now }
        : { op: 'create_trial', study, number, state: 'RUNNING', worker, ts: now };
      return { ops: [op], result: number };
    });
    return started === undefined ? undefined : this.replica.trial(study, started);
  }

  enqueueTrial(study: string, params: Record<string, ParamValue>, now: number, retryOf?: number): number {
    return this.commit(() => {
      const number = this.requireStudy(study).length;
      const op: JournalOp = { op: 'create_trial', study, number, state: 'WAITING', params: { ...params }, ts: now, ...(retryOf === undefined ? {} : { retryOf }) };
      return { ops: [op], result: number };
    });
  }

  setParam(study: string, number: number, name: string, distribution: Distribution, value: ParamValue, now: number): void {
    this.commit(() => {
      this.requireRunning(study, number);
      return { ops: [{ op: 'set_param', study, number, name, distribution, value, ts: now }], result: undefined };
    });
  }

  reportIntermediate(study: string, number: number, step: number, value: number, now: number): void {
    this.commit(() => {
      this.requireRunning(study, number);
      return { ops: [{ op: 'report', study, number, step, value: encodeNumber(value), ts: now }], result: undefined };
    });
  }

  heartbeat(study: string, number: number, now: number): void {
    this.commit(() => {
      const t = this.replica.trial(study, number);
      if (t === undefined || t.state !== 'RUNNING') return { ops: [], result: undefined };
      return { ops: [{ op: 'heartbeat', study, number, ts: now }], result: undefined };
    });
  }

  setUserAttr(study: string, number: number, key: string, value: UserAttrValue, now: number): void {
    this.commit(() => {
      this.requireRunning(study, number);
      return { ops: [{ op: 'set_user_attr', study, number, key, value, ts: now }], result: undefined };
    });
  }

  finishTrial(
    study: string,
    number: number,
    state: FinishedState,
    value: number | readonly number[] | undefined,
    now: number,
    reason?: string,
    constraints?: readonly number[],
  ): boolean {
    return this.commit(() => {
      const t = this.replica.trial(study, number);
      if (t === undefined) throw new StorageError(`Study \`${study}\` has no trial ${number}`);
      if (t.state !== 'RUNNING' && t.state !== 'WAITING') return { ops: [], result: false };
      // A single value is written as `value`, as older versions did; several as `values`.
      const single = typeof value === 'number' ? value : value?.length === 1 ? value[0] : undefined;
      const op: JournalOp = {
        op: 'finish',
        study,
        number,
        state,
        ...(single !== undefined ? { value: encodeNumber(single) } : value !== undefined && typeof value !== 'number' ? { values: value.map(encodeNumber) } : {}),
        ...(constraints === undefined ? {} : { constraints: constraints.map(encodeNumber) }),
        ...(reason === undefined ? {} : { reason }),
        ts: now,
      };
      return { ops: [op], result: true };
    });
  }

  failStaleTrials(study: string, policy: StalePolicy): FrozenTrial[] {
    // Cheap check without the lock first: most calls find nothing to do.
    const isStale = (t: FrozenTrial): boolean =>
      t.state === 'RUNNING' &&
      ((t.worker !== undefined && policy.isWorkerDead(t.worker)) || policy.now - (t.lastHeartbeat ?? t.datetimeStart ?? policy.now) > policy.staleAfterMs);
    if (!this.getTrials(study).some(isStale)) return [];
    const failed = this.commit(() => {
      const trials = this.requireStudy(study);
      const ops: JournalOp[] = [];
      const stale = trials.filter(isStale);
      let next = trials.length;
      for (const t of stale) {
        const dead = t.worker !== undefined && policy.isWorkerDead(t.worker);
        const reason = dead
          ? `worker ${t.worker?.host}:${t.worker?.pid} died while the trial was RUNNING`
          : `no heartbeat for ${Math.round((policy.now - (t.lastHeartbeat ?? policy.now)) / 1000)} s`;
        ops.push({ op: 'finish', study, number: t.number, state: 'FAIL', reason, ts: policy.now });
        let depth = 0;
        for (let r = t.retryOf; r !== undefined; r = trials[r]?.retryOf) depth++;
        const params = { ...(t.fixedParams ?? {}), ...t.params };
        if (depth < policy.maxRetries && Object.keys(params).length > 0) {
          ops.push({ op: 'create_trial', study, number: next++, state: 'WAITING', params, retryOf: t.number, ts: policy.now });
        }
      }
      return { ops, result: stale.map((t) => t.number) };
    });
    return failed.map((n) => this.replica.trial(study, n) as FrozenTrial);
  }

  /** Applies committed operations to the replica (subclasses call this after persisting them). */
  protected applyAll(ops: readonly JournalOp[]): void {
    for (const op of ops) this.replica.apply(op);
  }

  private requireStudy(study: string): readonly FrozenTrial[] {
    if (this.replica.direction(study) === undefined) throw new StorageError(`Unknown study \`${study}\``);
    return this.replica.trials(study);
  }

  private requireRunning(study: string, number: number): void {
    const t = this.replica.trial(study, number);
    if (t === undefined) throw new StorageError(`Study \`${study}\` has no trial ${number}`);
    if (t.state !== 'RUNNING') throw new StorageError(`Trial ${number} of study \`${study}\` is ${t.state}, not RUNNING`);
  }
}
