import type { Distribution, ParamValue } from '../distributions';
import { StorageError } from '../errors';
import type { TuningLogger } from '../logger';
import type { Direction, FrozenTrial, UserAttrValue, WorkerInfo } from '../trial-state';
import { encodeNumber, type JournalOp } from './journal-ops';
import { Replica } from './replica';
import { checkStudyArgs, limitReached, splitValues, staleFailures, isStale, type FinishTrialArgs, type StalePolicy, type Storage, type TrialLimit } from './storage';

interface Commit<T> {
  readonly ops: readonly JournalOp[];
  readonly result: T;
}

/**
 * Shared logic of the journal storages (in memory, a file): every change is a list of journal
 * operations computed from an up-to-date replica and then applied; subclasses decide how they are
 * persisted. Their work is synchronous, so each method's promise is settled when it returns, and
 * `peekTrials` reads the replica directly.
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
  /** Releases files (synchronously). */
  protected abstract release(): void;

  readonly peekTrials = (study: string): readonly FrozenTrial[] => {
    this.refresh();
    return this.replica.trials(study);
  };

  /** The names of the studies, synchronously (after catching up). */
  peekStudyNames(): string[] {
    this.refresh();
    return this.replica.studyNames();
  }

  /** A study's directions, synchronously (after catching up), or undefined. */
  peekDirections(name: string): readonly Direction[] | undefined {
    this.refresh();
    return this.replica.directions(name);
  }

  async close(): Promise<void> {
    this.release();
  }

  async createStudy(name: string, directions: Direction | readonly Direction[], loadIfExists: boolean): Promise<readonly Direction[]> {
    const list = checkStudyArgs(name, directions);
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

  async getStudyDirections(name: string): Promise<readonly Direction[] | undefined> {
    return this.peekDirections(name);
  }

  async getStudyNames(): Promise<string[]> {
    return this.peekStudyNames();
  }

  async getTrials(study: string): Promise<readonly FrozenTrial[]> {
    return this.peekTrials(study);
  }

  async startTrial(study: string, worker: WorkerInfo, now: number, limit?: TrialLimit): Promise<FrozenTrial | undefined> {
    const started = this.commit<number | undefined>(() => {
      const trials = this.requireStudy(study);
      if (limitReached(trials, limit)) return { ops: [], result: undefined };
      const waiting = trials.find((t) => t.state === 'WAITING');
      const number = waiting?.number ?? trials.length;
      const op: JournalOp = waiting
        ? { op: 'claim_trial', study, number, worker, ts: now }
        : { op: 'create_trial', study, number, state: 'RUNNING', worker, ts: now };
      return { ops: [op], result: number };
    });
    return started === undefined ? undefined : this.replica.trial(study, started);
  }

  async enqueueTrial(study: string, params: Record<string, ParamValue>, now: number, retryOf?: number): Promise<number> {
    return this.commit(() => {
      const number = this.requireStudy(study).length;
      const op: JournalOp = { op: 'create_trial', study, number, state: 'WAITING', params: { ...params }, ts: now, ...(retryOf === undefined ? {} : { retryOf }) };
      return { ops: [op], result: number };
    });
  }

  async setParam(study: string, number: number, name: string, distribution: Distribution, value: ParamValue, now: number): Promise<void> {
    this.commitOnRunning(study, number, { op: 'set_param', study, number, name, distribution, value, ts: now });
  }

  async reportIntermediate(study: string, number: number, step: number, value: number, now: number): Promise<void> {
    this.commitOnRunning(study, number, { op: 'report', study, number, step, value: encodeNumber(value), ts: now });
  }

  async heartbeat(study: string, number: number, now: number): Promise<void> {
    this.commit(() => {
      const t = this.replica.trial(study, number);
      if (t === undefined || t.state !== 'RUNNING') return { ops: [], result: undefined };
      return { ops: [{ op: 'heartbeat', study, number, ts: now }], result: undefined };
    });
  }

  async setUserAttr(study: string, number: number, key: string, value: UserAttrValue, now: number): Promise<void> {
    this.commitOnRunning(study, number, { op: 'set_user_attr', study, number, key, value, ts: now });
  }

  async finishTrial(...[study, number, state, value, now, reason, constraints]: FinishTrialArgs): Promise<boolean> {
    return this.commit(() => {
      const t = this.replica.trial(study, number);
      if (t === undefined) throw new StorageError(`Study \`${study}\` has no trial ${number}`);
      if (t.state !== 'RUNNING' && t.state !== 'WAITING') return { ops: [], result: false };
      // A single value is written as `value`, as older versions did; several as `values`.
      const { single, several } = splitValues(value);
      const op: JournalOp = {
        op: 'finish',
        study,
        number,
        state,
        ...(single !== undefined ? { value: encodeNumber(single) } : several !== undefined ? { values: several.map(encodeNumber) } : {}),
        ...(constraints === undefined ? {} : { constraints: constraints.map(encodeNumber) }),
        ...(reason === undefined ? {} : { reason }),
        ts: now,
      };
      return { ops: [op], result: true };
    });
  }

  async failStaleTrials(study: string, policy: StalePolicy): Promise<FrozenTrial[]> {
    // Cheap check without the lock first: most calls find nothing to do.
    if (!this.peekTrials(study).some((t) => isStale(t, policy))) return [];
    const failed = this.commit(() => {
      const trials = this.requireStudy(study);
      const ops: JournalOp[] = [];
      let next = trials.length;
      const failures = staleFailures(trials, policy);
      for (const f of failures) {
        ops.push({ op: 'finish', study, number: f.number, state: 'FAIL', reason: f.reason, ts: f.endedAt });
        if (f.retryParams !== undefined) {
          ops.push({ op: 'create_trial', study, number: next++, state: 'WAITING', params: f.retryParams, retryOf: f.number, ts: policy.now });
        }
      }
      return { ops, result: failures.map((f) => f.number) };
    });
    return failed.map((n) => this.replica.trial(study, n) as FrozenTrial);
  }

  /** Applies committed operations to the replica (subclasses call this after persisting them). */
  protected applyAll(ops: readonly JournalOp[]): void {
    for (const op of ops) this.replica.apply(op);
  }

  private commitOnRunning(study: string, number: number, op: JournalOp): void {
    this.commit(() => {
      const t = this.replica.trial(study, number);
      if (t === undefined) throw new StorageError(`Study \`${study}\` has no trial ${number}`);
      if (t.state !== 'RUNNING') throw new StorageError(`Trial ${number} of study \`${study}\` is ${t.state}, not RUNNING`);
      return { ops: [op], result: undefined };
    });
  }

  private requireStudy(study: string): readonly FrozenTrial[] {
    if (this.replica.direction(study) === undefined) throw new StorageError(`Unknown study \`${study}\``);
    return this.replica.trials(study);
  }
}
