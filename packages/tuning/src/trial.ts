import {
  categoricalDistribution,
  contains,
  describeDistribution,
  floatDistribution,
  intDistribution,
  sameDistribution,
  type CategoricalChoice,
  type Distribution,
  type ParamValue,
  type SuggestOptions,
} from './distributions';
import { ConfigError, StorageError, TrialPruned } from './errors';
import type { TuningLogger } from './logger';
import type { Pruner } from './pruners/pruner';
import type { Sampler } from './samplers/sampler';
import type { StudyView } from './study-view';
import type { FrozenTrial, UserAttrValue } from './trial-state';
import { isUserAttrValue } from './storage/replica';

/**
 * How a trial records what it learns. The study applies each write to its own view at once (so the
 * trial reads it back synchronously) and sends it to the storage in order; an error of the storage
 * surfaces at the next `tell`.
 */
export interface TrialWriter {
  setParam(number: number, name: string, distribution: Distribution, value: ParamValue): void;
  report(number: number, step: number, value: number): void;
  setUserAttr(number: number, key: string, value: UserAttrValue): void;
}

/** What a trial needs from its study. */
export interface TrialContext {
  readonly view: StudyView;
  readonly writer: TrialWriter;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly logger: TuningLogger;
}

/** A RUNNING trial handed to the objective: suggests parameters, reports intermediate values. */
export class Trial {
  private relative: { space: Record<string, Distribution>; values: Record<string, ParamValue> } | undefined;

  constructor(
    private readonly ctx: TrialContext,
    /** The trial's number in its study (0, 1, ...). */
    readonly number: number,
  ) {}

  /** Current snapshot of this trial. */
  get frozen(): FrozenTrial {
    const t = this.ctx.view.getTrials()[this.number];
    if (t === undefined) throw new StorageError(`Study \`${this.ctx.view.name}\` has no trial ${this.number}`);
    return t;
  }

  /** Parameters suggested so far. */
  get params(): Readonly<Record<string, ParamValue>> {
    return this.frozen.params;
  }

  /** A float in [low, high]; `{ log: true }` samples in log space, `{ step }` on a grid. */
  suggestFloat(name: string, low: number, high: number, options: SuggestOptions = {}): number {
    return this.suggest(name, floatDistribution(name, low, high, options)) as number;
  }

  /** An integer in [low, high]; `{ log: true }` samples in log space, `{ step }` on a grid from low. */
  suggestInt(name: string, low: number, high: number, options: SuggestOptions = {}): number {
    return this.suggest(name, intDistribution(name, low, high, options)) as number;
  }

  /** One of `choices`. */
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.suggest(name, categoricalDistribution(name, choices)) as T;
  }

  /** Records the objective's value at `step` (e.g. validation accuracy after an epoch). */
  report(value: number, step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new ConfigError(`Trial ${this.number} report(): expected an integer step >= 0, got ${step}`);
    if (typeof value !== 'number') throw new ConfigError(`Trial ${this.number} report(): expected a number at step ${step}, got ${JSON.stringify(value)}`);
    const t = this.requireRunning();
    if (t.intermediateValues.has(step)) {
      this.ctx.logger.warn(`Trial ${this.number}: step ${step} was already reported; the value ${value} is ignored`);
      return;
    }
    this.ctx.writer.report(this.number, step, value);
  }

  /**
   * Records a figure beside the objective's value (Optuna's `set_user_attr`), e.g. the accuracies an
   * objective combines; it is kept in the study and shown in the trials table.
   * @throws ConfigError for an empty key or a value that is not a JSON scalar (finite numbers only).
   */
  setUserAttr(key: string, value: UserAttrValue): void {
    if (typeof key !== 'string' || key.length === 0) throw new ConfigError(`Trial ${this.number} setUserAttr(): expected a non-empty key, got ${JSON.stringify(key)}`);
    if (!isUserAttrValue(value)) {
      throw new ConfigError(`Trial ${this.number} setUserAttr(\`${key}\`): expected a string, boolean, null or finite number, got ${String(value)}`);
    }
    this.requireRunning();
    this.ctx.writer.setUserAttr(this.number, key, value);
  }

  /**
   * Whether the study's pruner wants this trial stopped; if so, throw `new TrialPruned()`.
   * Also true when the trial is no longer RUNNING (another worker marked it FAIL as stale).
   */
  shouldPrune(): boolean {
    const t = this.frozen;
    if (t.state !== 'RUNNING') return true;
    return this.ctx.pruner.prune(this.ctx.view, t);
  }

  /**
   * The trial, if still RUNNING. One that another worker has marked FAIL (its heartbeat looked
   * stale) ends the objective with a TrialPruned, so `optimize` moves on instead of crashing.
   */
  private requireRunning(): FrozenTrial {
    const t = this.frozen;
    if (t.state !== 'RUNNING') {
      const why = t.failReason === undefined ? '' : ` (${t.failReason})`;
      this.ctx.logger.warn(`Trial ${this.number} is already ${t.state}${why}; stopping its objective`);
      throw new TrialPruned(`Trial ${this.number} is already ${t.state}${why}`);
    }
    return t;
  }

  private suggest(name: string, distribution: Distribution): ParamValue {
    const t = this.frozen;
    if (t.state !== 'RUNNING') throw new StorageError(`Trial ${this.number} is ${t.state}; parameters can only be suggested while it is RUNNING`);
    const previous = t.distributions[name];
    if (previous !== undefined) {
      if (!sameDistribution(previous, distribution)) {
        throw new ConfigError(
          `Parameter \`${name}\` was already suggested in trial ${this.number} as ${describeDistribution(previous)}, now as ${describeDistribution(distribution)}`,
        );
      }
      return t.params[name];
    }
    let value: ParamValue | undefined;
    const fixed = t.fixedParams?.[name];
    if (t.fixedParams !== undefined && name in t.fixedParams) {
      if (contains(distribution, fixed as ParamValue)) value = fixed as ParamValue;
      else this.ctx.logger.warn(`Trial ${this.number}: enqueued value ${JSON.stringify(fixed)} of \`${name}\` is outside ${describeDistribution(distribution)}; sampling instead`);
    }
    if (value === undefined) {
      if (this.relative === undefined) {
        const space = this.ctx.sampler.inferRelativeSearchSpace(this.ctx.view, t);
        this.relative = { space, values: Object.keys(space).length > 0 ? this.ctx.sampler.sampleRelative(this.ctx.view, t, space) : {} };
      }
      const d = this.relative.space[name];
      if (d !== undefined && sameDistribution(d, distribution) && name in this.relative.values) value = this.relative.values[name];
    }
    if (value === undefined) value = this.ctx.sampler.sampleIndependent(this.ctx.view, t, name, distribution);
    this.ctx.writer.setParam(this.number, name, distribution, value);
    return value;
  }
}
