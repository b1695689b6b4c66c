import type { ParamValue } from './distributions';
import { ConfigError, StorageError, TrialPruned, TuningError } from './errors';
import { consoleLogger, type TuningLogger } from './logger';
import { MedianPruner } from './pruners/median-pruner';
import type { Pruner } from './pruners/pruner';
import { TPESampler } from './samplers/tpe-sampler';
import type { Sampler } from './samplers/sampler';
import { InMemoryStorage } from './storage/in-memory-storage';
import type { Storage } from './storage/storage';
import type { StudyView } from './study-view';
import { Trial, type TrialContext } from './trial';
import type { Direction, FrozenTrial, TrialState } from './trial-state';
import { isWorkerDead, THIS_WORKER } from './worker-info';

export interface StudyOptions {
  /** Study name; the key in the storage. Required. */
  readonly name: string;
  /** Default: 'minimize'. When loading, it must match the stored one (if given). */
  readonly direction?: Direction;
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
  /** A RUNNING trial writes a heartbeat this often. Default: 30000 ms. */
  readonly heartbeatIntervalMs?: number;
  /** A RUNNING trial with no heartbeat for this long is marked FAIL by any worker. Default: 120000 ms. */
  readonly staleAfterMs?: number;
  /** Parameters of a trial failed for a dead worker or a stale heartbeat are retried this many times. Default: 1. */
  readonly maxRetries?: number;
}

/** The objective: reads parameters from the trial, returns the value to minimise or maximise. */
export type Objective = (trial: Trial) => number | Promise<number>;
/** Called after each trial of `optimize` finishes. */
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
}

/** One optimisation: a name, a direction, trials in a storage, a sampler and a pruner. */
export class Study implements StudyView {
  readonly name: string;
  readonly direction: Direction;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly storage: Storage;
  private readonly logger: TuningLogger;
  private readonly heartbeatIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly maxRetries: number;
  private readonly heartbeats = new Map<number, ReturnType<typeof setInterval>>();
  private readonly ctx: TrialContext;

  /** Use `createStudy` / `loadStudy`. */
  constructor(options: StudyOptions, direction: Direction) {
    this.name = options.name;
    this.direction = direction;
    this.sampler = options.sampler ?? new TPESampler();
    this.pruner = options.pruner ?? new MedianPruner();
    this.storage = options.storage ?? new InMemoryStorage();
    this.logger = options.logger ?? consoleLogger;
    this.heartbeatIntervalMs = positive('heartbeatIntervalMs', options.heartbeatIntervalMs ?? 30_000);
    this.staleAfterMs = positive('staleAfterMs', options.staleAfterMs ?? 120_000);
    this.maxRetries = options.maxRetries ?? 1;
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) throw new ConfigError(`Study option \`maxRetries\`: expected an integer >= 0, got ${this.maxRetries}`);
    this.ctx = { view: this, storage: this.storage, sampler: this.sampler, pruner: this.pruner, logger: this.logger };
  }

  /** All trials, ordered by number. */
  get trials(): readonly FrozenTrial[] {
    return this.storage.getTrials(this.name);
  }

  getTrials(states?: readonly TrialState[]): readonly FrozenTrial[] {
    const all = this.storage.getTrials(this.name);
    return states === undefined ? all : all.filter((t) => states.includes(t.state));
  }

  /** The best COMPLETE trial (lowest number on ties), or undefined if none. */
  get bestTrial(): FrozenTrial | undefined {
    let best: FrozenTrial | undefined;
    for (const t of this.getTrials(['COMPLETE'])) {
      if (t.value === undefined) continue;
      if (best === undefined || (this.direction === 'minimize' ? t.value < (best.value as number) : t.value > (best.value as number))) best = t;
    }
    return best;
  }

  get bestValue(): number | undefined {
    return this.bestTrial?.value;
  }

  get bestParams(): Readonly<Record<string, ParamValue>> | undefined {
    return this.bestTrial?.params;
  }

  /** Queues a trial whose parameters are fixed in advance; the next `ask` picks it up. Returns its number. */
  enqueueTrial(params: Record<string, ParamValue>): number {
    return this.storage.enqueueTrial(this.name, params, Date.now());
  }

  /** Marks RUNNING trials of dead workers, or without a recent heartbeat, FAIL and enqueues their retries. */
  failStaleTrials(): FrozenTrial[] {
    const failed = this.storage.failStaleTrials(this.name, {
      now: Date.now(),
      staleAfterMs: this.staleAfterMs,
      isWorkerDead,
      maxRetries: this.maxRetries,
    });
    for (const t of failed) this.logger.warn(`Study \`${this.name}\`: trial ${t.number} marked FAIL (${t.failReason})`);
    return failed;
  }

  /** Starts a trial (an enqueued one first) for a custom loop; finish it with `tell`. */
  ask(): Trial {
    const trial = this.tryAsk();
    if (trial === undefined) throw new StorageError(`Study \`${this.name}\`: could not start a trial`);
    return trial;
  }

  /**
   * Finishes a trial: a number completes it with that value, 'PRUNED' or 'FAIL' set the state.
   * A NaN value marks the trial FAIL and throws a ConfigError.
   */
  tell(trial: Trial | number, result: number | 'PRUNED' | 'FAIL', reason?: string): FrozenTrial {
    const number = typeof trial === 'number' ? trial : trial.number;
    this.stopHeartbeat(number);
    const current = this.storage.getTrials(this.name)[number];
    if (current === undefined) throw new ConfigError(`Study \`${this.name}\` tell(): no trial ${number}`);
    if (current.state !== 'RUNNING') {
      throw new TuningError(`Study \`${this.name}\` tell(): trial ${number} is already ${current.state}${current.failReason ? ` (${current.failReason})` : ''}`);
    }
    const now = Date.now();
    if (result === 'PRUNED') {
      const steps = [...current.intermediateValues.keys()];
      const last = steps.length > 0 ? current.intermediateValues.get(Math.max(...steps)) : undefined;
      this.storage.finishTrial(this.name, number, 'PRUNED', last, now);
    } else if (result === 'FAIL') {
      this.storage.finishTrial(this.name, number, 'FAIL', undefined, now, reason);
    } else if (typeof result !== 'number' || Number.isNaN(result)) {
      const why = `objective value: expected a number, got ${typeof result === 'number' ? 'NaN' : JSON.stringify(result)}`;
      this.storage.finishTrial(this.name, number, 'FAIL', undefined, now, why);
      throw new ConfigError(`Study \`${this.name}\` trial ${number} ${why}`);
    } else {
      this.storage.finishTrial(this.name, number, 'COMPLETE', result, now);
    }
    return this.storage.getTrials(this.name)[number];
  }

  /** Runs trials of `objective` until `nTrials` / `timeoutMs` says stop. */
  async optimize(objective: Objective, options: OptimizeOptions = {}): Promise<void> {
    const { nTrials, timeoutMs, nTrialsScope = 'call', concurrency = 1, callbacks = [], pollIntervalMs = 1000 } = options;
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

    const next = async (): Promise<Trial | undefined> => {
      for (;;) {
        if (stopped || Date.now() >= deadline) return undefined;
        if (nTrialsScope === 'call') {
          if (nTrials !== undefined && started >= nTrials) return undefined;
          started++;
          return this.ask();
        }
        const trial = this.tryAsk(nTrials);
        if (trial !== undefined) return trial;
        const finished = this.getTrials(['COMPLETE', 'PRUNED']).length;
        if (finished >= (nTrials as number)) return undefined;
        // Other workers' running trials fill the budget; wait in case one of them dies.
        await new Promise((r) => setTimeout(r, Math.min(pollIntervalMs, Math.max(1, deadline - Date.now()))));
      }
    };

    const runOne = async (trial: Trial): Promise<void> => {
      let value: unknown;
      try {
        value = await objective(trial);
      } catch (e) {
        if (e instanceof TrialPruned) {
          this.finishQuietly(trial.number, 'PRUNED');
        } else {
          const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
          this.finishQuietly(trial.number, 'FAIL', message);
          if (!catchable.some((cls) => e instanceof cls)) {
            stopped = true;
            throw e;
          }
          this.logger.warn(`Study \`${this.name}\` trial ${trial.number} failed: ${message}`);
        }
        this.runCallbacks(callbacks, trial.number);
        return;
      }
      try {
        this.tell(trial, value as number);
      } catch (e) {
        if (!(e instanceof TuningError)) throw e;
        this.logger.warn((e as Error).message);
      }
      this.runCallbacks(callbacks, trial.number);
    };

    const lanes = Array.from({ length: concurrency }, async () => {
      for (let trial = await next(); trial !== undefined; trial = await next()) await runOne(trial);
    });
    // Let the other lanes finish their running trials before reporting the first error.
    const results = await Promise.allSettled(lanes);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  private runCallbacks(callbacks: readonly OptimizeCallback[], number: number): void {
    const frozen = this.storage.getTrials(this.name)[number];
    for (const cb of callbacks) cb(this, frozen);
  }

  private finishQuietly(number: number, state: 'PRUNED' | 'FAIL', reason?: string): void {
    try {
      this.tell(number, state, reason);
    } catch (e) {
      if (!(e instanceof TuningError)) throw e;
      this.logger.warn((e as Error).message);
    }
  }

  private tryAsk(nFinished?: number): Trial | undefined {
    this.failStaleTrials();
    const t = this.storage.startTrial(this.name, THIS_WORKER, Date.now(), nFinished === undefined ? undefined : { nFinished });
    if (t === undefined) return undefined;
    const timer = setInterval(() => {
      try {
        this.storage.heartbeat(this.name, t.number, Date.now());
      } catch (e) {
        this.logger.warn(`Study \`${this.name}\` trial ${t.number}: heartbeat failed: ${(e as Error).message}`);
      }
    }, this.heartbeatIntervalMs);
    timer.unref();
    this.heartbeats.set(t.number, timer);
    return new Trial(this.ctx, t.number);
  }

  private stopHeartbeat(number: number): void {
    const timer = this.heartbeats.get(number);
    if (timer !== undefined) clearInterval(timer);
    this.heartbeats.delete(number);
  }
}

function positive(key: string, v: number): number {
  if (!(v > 0)) throw new ConfigError(`Study option \`${key}\`: expected a number > 0, got ${v}`);
  return v;
}

/** Creates a study (or, with `loadIfExists`, resumes it). */
export function createStudy(options: StudyOptions): Study {
  const storage = options.storage ?? new InMemoryStorage({ logger: options.logger });
  const wanted = options.direction ?? 'minimize';
  const direction = storage.createStudy(options.name, wanted, options.loadIfExists ?? false);
  if (options.direction !== undefined && direction !== options.direction) {
    throw new ConfigError(`Study \`${options.name}\` exists with direction '${direction}', but direction '${options.direction}' was asked for`);
  }
  return new Study({ ...options, storage }, direction);
}

/** Opens an existing study by name; its direction comes from the storage. */
export function loadStudy(options: Omit<StudyOptions, 'direction' | 'loadIfExists'> & { readonly storage: Storage }): Study {
  const direction = options.storage.getStudyDirection(options.name);
  if (direction === undefined) {
    const names = options.storage.getStudyNames();
    throw new StorageError(`No study \`${options.name}\` in the storage (it has: ${names.length > 0 ? names.map((n) => `\`${n}\``).join(', ') : 'none'})`);
  }
  return new Study(options, direction);
}
