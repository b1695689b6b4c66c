import { isFeasible } from './constraints';
import type { ParamValue } from './distributions';
import { ConfigError, StorageError, StorageUnavailableError, TrialPruned, TuningError } from './errors';
import { consoleLogger, type TuningLogger } from './logger';
import { paretoFrontTrials } from './multi-objective/pareto';
import { MedianPruner } from './pruners/median-pruner';
import type { Pruner } from './pruners/pruner';
import { TPESampler } from './samplers/tpe-sampler';
import type { Sampler } from './samplers/sampler';
import { InMemoryStorage } from './storage/in-memory-storage';
import { isStale, type StalePolicy, type Storage, type TrialLimit } from './storage/storage';
import { TrialCache } from './study-cache';
import type { StudyView } from './study-view';
import { Trial, type TrialContext } from './trial';
import type { Direction, FinishedState, FrozenTrial, TrialState, WorkerInfo } from './trial-state';
import { isWorkerDead, THIS_WORKER } from './worker-info';

/** How often a RUNNING trial's worker writes a heartbeat, and after how long without one any worker fails the trial (and retries its parameters). */
export const HEARTBEAT_DEFAULTS = Object.freeze({ intervalMs: 30_000, staleAfterMs: 120_000 });

export interface StudyOptions {
  /** Study name; the key in the storage. Required. */
  readonly name: string;
  /** Default: 'minimize'. When loading, it must match the stored one (if given). */
  readonly direction?: Direction;
  /**
   * Several objectives, one direction each (Optuna's `directions`); the objective then returns an
   * array of values. Give `direction` or `directions`, not both. Default: `[direction]`.
   */
  readonly directions?: readonly Direction[];
  /**
   * Constraints of a finished (COMPLETE or PRUNED) trial, computed when it is told: a trial is
   * feasible when every value is <= 0. Samplers prefer feasible trials, and `bestTrial` /
   * `bestTrials` consider only them. It receives the trial with its values (set user attributes in
   * the objective to pass figures along). Default: none (every trial is feasible).
   */
  readonly constraintsFunc?: (trial: FrozenTrial) => readonly number[];
  /** Default: `new TPESampler()` (random seed). */
  readonly sampler?: Sampler;
  /** Default: `new MedianPruner()`. */
  readonly pruner?: Pruner;
  /** Default: a new `InMemoryStorage`. */
  readonly storage?: Storage;
  /** Resume the study if the storage already holds one with this name. Default: false (it is an error). */
  readonly loadIfExists?: boolean;
  /** Receives warnings. Default: `consoleLogger`. */
  readonly logger?: TuningLogger;
  /** A RUNNING trial writes a heartbeat this often. Default: `HEARTBEAT_DEFAULTS.intervalMs` (30 s). */
  readonly heartbeatIntervalMs?: number;
  /** A RUNNING trial with no heartbeat for this long is marked FAIL by any worker. Default: `HEARTBEAT_DEFAULTS.staleAfterMs` (2 min). */
  readonly staleAfterMs?: number;
  /** Parameters of a trial failed for a dead worker or a stale heartbeat are retried this many times. Default: 1. */
  readonly maxRetries?: number;
}

/** The objective: reads parameters from the trial, returns the value (one per objective) to minimise or maximise. */
export type Objective = (trial: Trial) => number | readonly number[] | Promise<number | readonly number[]>;
/**
 * Called after each trial of `optimize` finishes. One that returns a promise (an async function, e.g.
 * one that reads a database's trials again with `study.refresh()`) is awaited before the next
 * callback runs and before its lane goes on.
 */
export type OptimizeCallback = (study: Study, trial: FrozenTrial) => void;

export interface OptimizeOptions {
  /** Number of trials. Default: no limit (then give `timeoutMs`). See `nTrialsScope`. */
  readonly nTrials?: number;
  /**
   * 'call' (default): run `nTrials` trials in this call. 'study': run until the study has `nTrials`
   * COMPLETE + PRUNED trials, counting every worker process and earlier runs; this is what each of
   * several worker processes sharing one journal should use.
   */
  readonly nTrialsScope?: 'call' | 'study';
  /** Start no new trial after this many ms (running trials finish). Default: no limit. */
  readonly timeoutMs?: number;
  /** Trials run at the same time in this process (async objectives). Default: 1. */
  readonly concurrency?: number;
  /** Called after each finished trial. Default: none. */
  readonly callbacks?: readonly OptimizeCallback[];
  /** Errors of these classes mark the trial FAIL and the search goes on; others stop it. Default: none. */
  readonly catch?: readonly (abstract new (...args: never[]) => Error)[];
  /** With nTrialsScope 'study', how often to look again while other workers' trials fill the budget. Default: 1000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * With nTrialsScope 'study', called while a lane waits for other workers' RUNNING trials (those
   * that fill the budget; this process's own are left out): when the wait begins, then every
   * `waitNoticeMs` while it lasts, with those trials and how long the lane has waited. Default: none.
   */
  readonly onWaiting?: (running: readonly FrozenTrial[], waitedMs: number) => void;
  /** How often `onWaiting` is called during one wait. Default: 60000 ms. */
  readonly waitNoticeMs?: number;
}

/**
 * The start of a lane's next trial, made with the finish of its current one when the storage can
 * (`finishAndStartTrial`): the limit the start must respect, whether it holds a slot of a call's
 * `nTrials`, and (once the finish answered) the trial it started.
 */
interface NextStart {
  readonly limit?: TrialLimit;
  readonly reserved: boolean;
  started?: FrozenTrial;
}

/** One optimisation: a name, one direction per objective, trials in a storage, a sampler and a pruner. */
export class Study implements StudyView {
  readonly name: string;
  readonly directions: readonly Direction[];
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly storage: Storage;
  private readonly logger: TuningLogger;
  private readonly heartbeatIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly maxRetries: number;
  private readonly constraintsFunc: ((trial: FrozenTrial) => readonly number[]) | undefined;
  private readonly heartbeats = new Map<number, ReturnType<typeof setInterval>>();
  /** The trials {@link failOwnTrials} failed while their objective ran. */
  private readonly abandoned = new Set<number>();
  /** The last heartbeat's error, told once; null after one that succeeds. */
  private heartbeatProblem: string | null = null;
  private readonly ctx: TrialContext;
  private readonly cache: TrialCache;
  /** `stop()` was called during the running `optimize`. */
  private stopAsked = false;

  /** Use `createStudy` / `loadStudy`. */
  constructor(options: StudyOptions, directions: Direction | readonly Direction[]) {
    this.name = options.name;
    this.directions = Object.freeze(typeof directions === 'string' ? [directions] : [...directions]);
    this.constraintsFunc = options.constraintsFunc;
    this.sampler = options.sampler ?? new TPESampler();
    this.pruner = options.pruner ?? new MedianPruner();
    this.storage = options.storage ?? new InMemoryStorage();
    this.logger = options.logger ?? consoleLogger;
    this.heartbeatIntervalMs = positive('heartbeatIntervalMs', options.heartbeatIntervalMs ?? HEARTBEAT_DEFAULTS.intervalMs);
    this.staleAfterMs = positive('staleAfterMs', options.staleAfterMs ?? HEARTBEAT_DEFAULTS.staleAfterMs);
    this.maxRetries = options.maxRetries ?? 1;
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) throw new ConfigError(`Study option \`maxRetries\`: expected an integer >= 0, got ${this.maxRetries}`);
    this.cache = new TrialCache(this.storage, this.name);
    this.ctx = { view: this, writer: this.cache, sampler: this.sampler, pruner: this.pruner, logger: this.logger };
  }

  /**
   * All trials, ordered by number. With a journal or in-memory storage this is always current; with
   * a database it is the study's cache as of its last `ask`, `tell`, report or `refresh()`.
   */
  get trials(): readonly FrozenTrial[] {
    return this.cache.trials();
  }

  getTrials(states?: readonly TrialState[]): readonly FrozenTrial[] {
    const all = this.cache.trials();
    return states === undefined ? all : all.filter((t) => states.includes(t.state));
  }

  /** Reads the storage again (after this process's pending writes); returns every trial. */
  refresh(): Promise<readonly FrozenTrial[]> {
    return this.cache.refresh();
  }

  /**
   * The objective's direction.
   * @throws ConfigError in a study with several objectives (read `directions`).
   */
  get direction(): Direction {
    if (this.directions.length > 1) throw new ConfigError(`Study \`${this.name}\` has ${this.directions.length} objectives; read \`directions\` instead of \`direction\``);
    return this.directions[0];
  }

  /**
   * The best feasible COMPLETE trial (lowest number on ties), or undefined if none.
   * @throws ConfigError in a study with several objectives (read `bestTrials`).
   */
  get bestTrial(): FrozenTrial | undefined {
    if (this.directions.length > 1) throw new ConfigError(`Study \`${this.name}\` has ${this.directions.length} objectives; read \`bestTrials\` (the Pareto front)`);
    let best: FrozenTrial | undefined;
    for (const t of this.getTrials(['COMPLETE'])) {
      if (t.value === undefined || !isFeasible(t)) continue;
      if (best === undefined || (this.direction === 'minimize' ? t.value < (best.value as number) : t.value > (best.value as number))) best = t;
    }
    return best;
  }

  /**
   * The feasible COMPLETE trials that no other feasible COMPLETE trial dominates (the Pareto front,
   * Optuna's `best_trials`), in trial order; with one objective, every trial with the best value.
   */
  get bestTrials(): FrozenTrial[] {
    return paretoFrontTrials(this.getTrials(['COMPLETE']).filter(isFeasible), this.directions);
  }

  get bestValue(): number | undefined {
    return this.bestTrial?.value;
  }

  get bestParams(): Readonly<Record<string, ParamValue>> | undefined {
    return this.bestTrial?.params;
  }

  /** Queues a trial whose parameters are fixed in advance; the next `ask` picks it up. Returns its number. */
  async enqueueTrial(params: Record<string, ParamValue>): Promise<number> {
    const number = await this.storage.enqueueTrial(this.name, params, Date.now());
    await this.cache.refresh();
    return number;
  }

  /** Marks RUNNING trials of dead workers, or without a recent heartbeat, FAIL and enqueues their retries. */
  async failStaleTrials(): Promise<FrozenTrial[]> {
    return this.failAndRetry({ now: Date.now(), staleAfterMs: this.staleAfterMs, isWorkerDead, maxRetries: this.maxRetries });
  }

  /**
   * Marks the trials this process is running FAIL with `reason`, and enqueues their retries as
   * {@link failStaleTrials} would, and asks `optimize` to start no more ({@link stop}): for a process
   * that is about to end (Ctrl-C), as Optuna fails a trial on KeyboardInterrupt. Other workers of a
   * shared study take the retries at once, rather than once the heartbeat is stale. Returns the failed
   * trials.
   */
  async failOwnTrials(reason: string): Promise<FrozenTrial[]> {
    this.stop();
    const own = this.getTrials(['RUNNING']).filter((t) => this.heartbeats.has(t.number));
    for (const t of own) {
      this.stopHeartbeat(t.number);
      // What its objective still returns (or throws) is dropped: no tell, no callbacks.
      this.abandoned.add(t.number);
    }
    if (own.length === 0) return [];
    const mine = (worker: WorkerInfo): boolean => worker.id === THIS_WORKER.id && worker.host === THIS_WORKER.host && worker.pid === THIS_WORKER.pid;
    // Always retried: a stop is no sign that its parameters crash the process (`maxRetries` is for that).
    return this.failAndRetry({ now: Date.now(), staleAfterMs: Infinity, isWorkerDead: mine, maxRetries: Infinity, reason });
  }

  /**
   * Marks the RUNNING trials of a process of this host that has ended (`pid`: one this process started
   * and saw exit, a `spawnWorkers` worker) FAIL with `reason` at once, rather than at the next
   * {@link failStaleTrials}; their retries are enqueued always (`retry: 'always'`: the process was
   * stopped, which is no sign that its parameters crash it) or as {@link failStaleTrials} would
   * (`'as-stale'`, at most `maxRetries`: a process killed outright, e.g. out of memory, may have been
   * killed by them). Returns the failed trials (none when it ran none).
   */
  async failTrialsOfEnded(pid: number, reason: string, retry: 'always' | 'as-stale'): Promise<FrozenTrial[]> {
    const ended = (worker: WorkerInfo): boolean => worker.host === THIS_WORKER.host && worker.pid === pid && pid !== THIS_WORKER.pid;
    return this.failAndRetry({ now: Date.now(), staleAfterMs: Infinity, isWorkerDead: ended, maxRetries: retry === 'always' ? Infinity : this.maxRetries, reason });
  }

  private async failAndRetry(policy: StalePolicy): Promise<FrozenTrial[]> {
    const failed = await this.storage.failStaleTrials(this.name, policy);
    if (failed.length > 0) await this.cache.refresh();
    for (const t of failed) {
      // Whether its parameters run again (as which trial), so that no one looks for a lost configuration.
      const retry = this.trials.find((r) => r.retryOf === t.number);
      const drawn = Object.keys({ ...t.fixedParams, ...t.params }).length > 0;
      const again = retry === undefined ? '' : drawn ? `; its parameters run again as trial ${retry.number}` : `; trial ${retry.number} draws in its place the parameters it had not drawn yet`;
      const next = retry !== undefined ? again : t.retryOf !== undefined ? `; a retry of trial ${t.retryOf}, not run again` : '';
      this.logger.warn(`Study \`${this.name}\`: trial ${t.number} marked FAIL (${t.failReason})${next}`);
    }
    return failed;
  }

  /** Starts a trial (an enqueued one first) for a custom loop; finish it with `tell`. */
  async ask(): Promise<Trial> {
    const trial = await this.tryAsk();
    if (trial === undefined) throw new StorageError(`Study \`${this.name}\`: could not start a trial`);
    return trial;
  }

  /**
   * Finishes a trial: a number (an array of one per objective) completes it with that value, 'PRUNED'
   * or 'FAIL' set the state. A NaN value, or the wrong number of values, marks the trial FAIL and
   * throws a ConfigError. With `constraintsFunc`, a COMPLETE or PRUNED trial's constraints are
   * computed and stored with it (a bad result, or one that throws, marks the trial FAIL).
   */
  async tell(trial: Trial | number, result: number | readonly number[] | 'PRUNED' | 'FAIL', reason?: string): Promise<FrozenTrial> {
    return this.told(trial, result, reason);
  }

  /**
   * `tell`; with `then` (optimize's lanes), a finish that records the result as given also starts the
   * lane's next trial in the same storage step (`then.started`), where the storage can.
   */
  private async told(trial: Trial | number, result: number | readonly number[] | 'PRUNED' | 'FAIL', reason?: string, then?: NextStart): Promise<FrozenTrial> {
    const number = typeof trial === 'number' ? trial : trial.number;
    this.stopHeartbeat(number);
    const writeError = await this.cache.settle();
    // This process's view (fresh for a journal; for a database, its cache with its own writes: a
    // trial another worker failed meanwhile is caught by finishTrial, which then writes nothing).
    const current = this.cache.trials()[number] ?? (await this.cache.refresh())[number];
    const already = (t: FrozenTrial): TuningError =>
      new TuningError(`Study \`${this.name}\` tell(): trial ${number} is already ${t.state}${t.failReason ? ` (${t.failReason})` : ''}`);
    if (current === undefined) throw new ConfigError(`Study \`${this.name}\` tell(): no trial ${number}`);
    if (current.state !== 'RUNNING') throw already(current);
    const now = Date.now();
    const finish = async (andStart: boolean, ...args: [FinishedState, (readonly number[])?, string?, (readonly number[])?]): Promise<FrozenTrial> => {
      const [state, values, why, constraints] = args;
      let written: boolean;
      if (andStart && then !== undefined && this.storage.finishAndStartTrial !== undefined) {
        const r = await this.storage.finishAndStartTrial([this.name, number, state, values, now, why, constraints], { worker: THIS_WORKER, now: Date.now(), limit: then.limit });
        written = r.finished;
        then.started = r.started;
      } else {
        written = await this.storage.finishTrial(this.name, number, state, values, now, why, constraints);
      }
      if (!written) throw already((await this.cache.refresh())[number]);
      // A database is read again at the next ask; until then the view shows the finish.
      this.cache.written(number, (t) => ({
        ...t,
        state,
        values: values === undefined ? undefined : Object.freeze([...values]),
        value: values?.length === 1 ? values[0] : undefined,
        constraints: constraints === undefined ? undefined : Object.freeze([...constraints]),
        datetimeComplete: now,
        failReason: why,
      }));
      return this.cache.trials()[number];
    };
    if (writeError !== undefined) {
      // What the objective wrote did not all reach the storage: the trial cannot count.
      await finish(false, 'FAIL', undefined, `writing to the storage failed: ${(writeError as Error).message ?? String(writeError)}`);
      throw writeError;
    }
    if (result === 'FAIL') return finish(true, 'FAIL', undefined, reason);
    const checked = this.checkResult(current, result);
    if (typeof checked === 'string') {
      await finish(false, 'FAIL', undefined, checked);
      throw new ConfigError(`Study \`${this.name}\` trial ${number} ${checked}`);
    }
    const { state, values } = checked;
    let constraints: readonly number[] | undefined;
    if (this.constraintsFunc !== undefined) {
      const finished: FrozenTrial = { ...current, state, values, value: values?.length === 1 ? values[0] : undefined };
      let c: unknown;
      try {
        c = this.constraintsFunc(finished);
      } catch (e) {
        await finish(false, 'FAIL', undefined, `constraintsFunc failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        throw e;
      }
      if (!Array.isArray(c) || !c.every((v) => typeof v === 'number' && !Number.isNaN(v))) {
        const why = `constraintsFunc: expected an array of numbers (not NaN), got ${JSON.stringify(c)}`;
        await finish(false, 'FAIL', undefined, why);
        throw new ConfigError(`Study \`${this.name}\` trial ${number} ${why}`);
      }
      constraints = c as readonly number[];
    }
    return finish(true, state, values, undefined, constraints);
  }

  /** The state and values `tell` records for `result`, or why it is not a valid result. */
  private checkResult(current: FrozenTrial, result: number | readonly number[] | 'PRUNED'): { state: 'COMPLETE' | 'PRUNED'; values: readonly number[] | undefined } | string {
    if (result === 'PRUNED') {
      const steps = [...current.intermediateValues.keys()];
      const last = steps.length > 0 ? current.intermediateValues.get(Math.max(...steps)) : undefined;
      // With several objectives an intermediate value is not the trial's values.
      return { state: 'PRUNED', values: last === undefined || this.directions.length > 1 ? undefined : [last] };
    }
    const k = this.directions.length;
    const list = typeof result === 'number' ? [result] : Array.isArray(result) ? (result as readonly unknown[]) : [result];
    if (list.length !== k || !list.every((v) => typeof v === 'number' && !Number.isNaN(v))) {
      const expected = k === 1 ? 'a number' : `${k} numbers (one per objective)`;
      const got = typeof result === 'number' ? String(result) : JSON.stringify(result, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
      return `objective value: expected ${expected}, got ${got}`;
    }
    return { state: 'COMPLETE', values: list as readonly number[] };
  }

  /**
   * Asks the running `optimize` to start no more trials (Optuna's `Study.stop`): the running ones
   * finish and are recorded, then it returns. Call it from the objective (from an `optimize`
   * callback, a trial that a storage starting the next trial with the finish, like PostgreSQL's,
   * has already started still runs). The next `optimize` starts afresh; no effect outside one.
   */
  stop(): void {
    this.stopAsked = true;
  }

  /** Whether `stop()` was called during the running `optimize`: it starts no more trials. */
  get stopRequested(): boolean {
    return this.stopAsked;
  }

  /** Runs trials of `objective` until `nTrials` / `timeoutMs` / `stop()` says stop. */
  async optimize(objective: Objective, options: OptimizeOptions = {}): Promise<void> {
    const { nTrials, timeoutMs, nTrialsScope = 'call', concurrency = 1, callbacks = [], pollIntervalMs = 1000, onWaiting, waitNoticeMs = 60_000 } = options;
    const catchable = options.catch ?? [];
    if (nTrials !== undefined && !(Number.isInteger(nTrials) && nTrials >= 0)) throw new ConfigError(`optimize() option \`nTrials\`: expected an integer >= 0, got ${nTrials}`);
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new ConfigError(`optimize() option \`timeoutMs\`: expected a number > 0, got ${timeoutMs}`);
    if (nTrials === undefined && timeoutMs === undefined) throw new ConfigError('optimize(): give `nTrials` or `timeoutMs` (or both); without them it would never stop');
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new ConfigError(`optimize() option \`concurrency\`: expected an integer >= 1, got ${concurrency}`);
    if (nTrialsScope !== 'call' && nTrialsScope !== 'study') throw new ConfigError(`optimize() option \`nTrialsScope\`: expected 'call' or 'study', got ${JSON.stringify(nTrialsScope)}`);
    if (nTrialsScope === 'study' && nTrials === undefined) throw new ConfigError("optimize(): nTrialsScope 'study' needs `nTrials`");
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    let started = 0;
    let stopped = false;
    this.stopAsked = false;

    const next = async (): Promise<Trial | undefined> => {
      // This wait's beginning, and when `onWaiting` is due again.
      let waitingSince: number | undefined;
      let noticeDue = 0;
      for (;;) {
        if (stopped || this.stopAsked || Date.now() >= deadline) return undefined;
        if (nTrialsScope === 'call') {
          if (nTrials !== undefined && started >= nTrials) return undefined;
          started++;
          return this.ask();
        }
        const trial = await this.tryAsk(nTrials);
        if (trial !== undefined) return trial;
        const finished = this.getTrials(['COMPLETE', 'PRUNED']).length;
        if (finished >= (nTrials as number)) return undefined;
        // Other workers' running trials fill the budget; wait in case one of them dies.
        const now = Date.now();
        waitingSince ??= now;
        const others = this.getTrials(['RUNNING']).filter((t) => !this.heartbeats.has(t.number));
        if (onWaiting !== undefined && others.length > 0 && now >= noticeDue) {
          noticeDue = now + waitNoticeMs;
          onWaiting(others, now - waitingSince);
        }
        await new Promise((r) => setTimeout(r, Math.min(pollIntervalMs, Math.max(1, deadline - Date.now()))));
      }
    };

    /**
     * With a storage that finishes a trial and starts the next in one step: whether the lane finishing
     * trial `finishing` may start its next trial with the finish — exactly when `next()` would start
     * one after it (not stopped, before the deadline, a call's `nTrials` not reached, no stale trial to
     * fail first; a study's `nTrials` is the start's limit, judged by the storage after the finish).
     * A call's slot is taken now, and given back if no trial was started.
     */
    const nextStart = (finishing: number): NextStart | undefined => {
      if (this.storage.finishAndStartTrial === undefined || stopped || this.stopAsked || Date.now() >= deadline) return undefined;
      const policy = { now: Date.now(), staleAfterMs: this.staleAfterMs, isWorkerDead, maxRetries: this.maxRetries };
      if (this.getTrials(['RUNNING']).some((t) => t.number !== finishing && isStale(t, policy))) return undefined;
      if (nTrialsScope === 'study') return { limit: { nFinished: nTrials as number }, reserved: false };
      if (nTrials !== undefined && started >= nTrials) return undefined;
      started++;
      return { reserved: true };
    };

    /**
     * Runs a trial; returns the lane's next trial when its finish started it. The callbacks run before
     * the study's view is read again, so they see it as they would without the early start.
     */
    const runOne = async (trial: Trial): Promise<FrozenTrial | undefined> => {
      let value: unknown;
      let then: NextStart | undefined;
      try {
        try {
          value = await objective(trial);
        } catch (e) {
          if (this.abandoned.has(trial.number)) return undefined;
          if (e instanceof TrialPruned) {
            then = nextStart(trial.number);
            await this.finishQuietly(trial.number, 'PRUNED', undefined, then);
          } else {
            const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
            const caught = catchable.some((cls) => e instanceof cls);
            if (caught) then = nextStart(trial.number);
            await this.finishQuietly(trial.number, 'FAIL', message, then, caught ? undefined : e);
            if (!caught) {
              stopped = true;
              throw e;
            }
            this.logger.warn(`Study \`${this.name}\` trial ${trial.number} failed: ${message}`);
          }
          return await this.afterTrial(callbacks, trial.number, then?.started);
        }
        if (this.abandoned.has(trial.number)) return undefined;
        then = nextStart(trial.number);
        try {
          await this.told(trial, value as number | readonly number[], undefined, then);
        } catch (e) {
          if (!warnOnly(e)) throw e;
          this.logger.warn((e as Error).message);
        }
        return await this.afterTrial(callbacks, trial.number, then?.started);
      } finally {
        if (then?.reserved === true && then.started === undefined) started--;
      }
    };

    const lanes = Array.from({ length: concurrency }, async () => {
      for (let trial = await next(); trial !== undefined; ) {
        const following = await runOne(trial);
        trial = following !== undefined ? await this.adopt(following) : await next();
      }
    });
    // Let the other lanes finish their running trials before reporting the first error.
    const results = await Promise.allSettled(lanes);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  private async runCallbacks(callbacks: readonly OptimizeCallback[], number: number): Promise<void> {
    const frozen = this.getTrials()[number];
    for (const cb of callbacks) {
      const done: unknown = cb(this, frozen);
      if (done instanceof Promise) await done;
    }
  }

  /**
   * Runs the callbacks of finished trial `number`; returns `following`, the trial its finish started.
   * Should a callback throw (or its promise reject), that trial, which no lane will run now, is marked FAIL.
   */
  private async afterTrial(callbacks: readonly OptimizeCallback[], number: number, following: FrozenTrial | undefined): Promise<FrozenTrial | undefined> {
    try {
      await this.runCallbacks(callbacks, number);
    } catch (e) {
      if (following !== undefined) {
        const why = `optimize() stopped before the trial ran: a callback after trial ${number} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
        await this.storage.finishTrial(this.name, following.number, 'FAIL', undefined, Date.now(), why).catch(() => undefined);
      }
      throw e;
    }
    return following;
  }

  /** The trial a finish started (see `NextStart`), once the view shows it; its heartbeat begins. */
  private async adopt(started: FrozenTrial): Promise<Trial> {
    // In the turn of the event loop of the finish's answer, this read is the one that came with it.
    await this.cache.refresh();
    return this.running(started.number);
  }

  /** `thrown`: the objective's error, thrown once this returns; a failure to record that says the same (a deleted study) is not said twice. */
  private async finishQuietly(number: number, state: 'PRUNED' | 'FAIL', reason?: string, then?: NextStart, thrown?: unknown): Promise<void> {
    try {
      await this.told(number, state, reason, then);
    } catch (e) {
      if (!warnOnly(e)) throw e;
      if (thrown instanceof Error && (e as Error).message === thrown.message) return;
      this.logger.warn((e as Error).message);
    }
  }

  private async tryAsk(nFinished?: number): Promise<Trial | undefined> {
    // Judged on this process's view first (fresh for a journal, the last read for a database), so
    // that most asks cost the storage nothing here.
    const policy = { now: Date.now(), staleAfterMs: this.staleAfterMs, isWorkerDead, maxRetries: this.maxRetries };
    if (this.getTrials(['RUNNING']).some((t) => isStale(t, policy))) await this.failStaleTrials();
    const t = await this.storage.startTrial(this.name, THIS_WORKER, Date.now(), nFinished === undefined ? undefined : { nFinished });
    await this.cache.refresh();
    if (t === undefined) return undefined;
    return this.running(t.number);
  }

  /** A trial this process started: its heartbeat begins. */
  private running(number: number): Trial {
    const timer = setInterval(() => {
      this.storage.heartbeat(this.name, number, Date.now()).then(
        () => {
          this.heartbeatProblem = null;
          this.cache.refreshSoon();
        },
        (e: unknown) => {
          // Once per problem: an outage fails every heartbeat alike (the storage says when it is over).
          const message = (e as Error).message;
          if (message !== this.heartbeatProblem) this.logger.warn(`Study \`${this.name}\` trial ${number}: heartbeat failed: ${message}`);
          this.heartbeatProblem = message;
        },
      );
    }, this.heartbeatIntervalMs);
    timer.unref();
    this.heartbeats.set(number, timer);
    return new Trial(this.ctx, number);
  }

  private stopHeartbeat(number: number): void {
    const timer = this.heartbeats.get(number);
    if (timer !== undefined) clearInterval(timer);
    this.heartbeats.delete(number);
  }
}

/**
 * Whether a failed `tell` in `optimize` is only a warning (a trial another worker failed meanwhile, a
 * bad objective value): a storage out of reach stops the search instead, as its next step would fail too.
 */
const warnOnly = (e: unknown): boolean => e instanceof TuningError && !(e instanceof StorageUnavailableError);

function positive(key: string, v: number): number {
  if (!(v > 0)) throw new ConfigError(`Study option \`${key}\`: expected a number > 0, got ${v}`);
  return v;
}

/** Creates a study (or, with `loadIfExists`, resumes it). */
export async function createStudy(options: StudyOptions): Promise<Study> {
  if (options.direction !== undefined && options.directions !== undefined) {
    throw new ConfigError(`Study \`${options.name}\`: give \`direction\` or \`directions\`, not both`);
  }
  const storage = options.storage ?? new InMemoryStorage({ logger: options.logger });
  const asked = options.directions ?? (options.direction === undefined ? undefined : [options.direction]);
  const directions = await storage.createStudy(options.name, asked ?? ['minimize'], options.loadIfExists ?? false);
  if (asked !== undefined && directions.join() !== asked.join()) {
    const show = (d: readonly Direction[]): string => (d.length === 1 ? `direction '${d[0]}'` : `directions [${d.map((x) => `'${x}'`).join(', ')}]`);
    throw new ConfigError(`Study \`${options.name}\` exists with ${show(directions)}, but ${show(asked)} was asked for`);
  }
  const study = new Study({ ...options, storage }, directions);
  await study.refresh();
  return study;
}

/** Opens an existing study by name; its directions come from the storage. */
export async function loadStudy(options: Omit<StudyOptions, 'direction' | 'directions' | 'loadIfExists'> & { readonly storage: Storage }): Promise<Study> {
  const directions = await options.storage.getStudyDirections(options.name);
  if (directions === undefined) {
    const names = await options.storage.getStudyNames();
    throw new StorageError(`No study \`${options.name}\` in the storage (it has: ${names.length > 0 ? names.map((n) => `\`${n}\``).join(', ') : 'none'})`);
  }
  const study = new Study(options, directions);
  await study.refresh();
  return study;
}
