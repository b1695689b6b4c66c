import { ConfigError } from '../errors';
import type { StudyView } from '../study-view';
import { lastStep, type FrozenTrial } from '../trial-state';
import type { Pruner } from './pruner';

export interface MedianPrunerArgs {
  /** No pruning until this many trials are COMPLETE. Default: 5. */
  readonly nStartupTrials?: number;
  /** No pruning before this step of a trial. Default: 0. */
  readonly nWarmupSteps?: number;
  /** Check only every this many steps (after warm-up). Default: 1. */
  readonly intervalSteps?: number;
  /** Need at least this many COMPLETE trials that reported the same step. Default: 1. */
  readonly nMinTrials?: number;
}

/** Linear-interpolated percentile (numpy's default) of non-NaN values; undefined when none. */
export function percentile(values: readonly number[], q: number): number | undefined {
  const xs = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const pos = (q / 100) * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

/** Whether `step` is the first reported step at or past a pruning checkpoint (Optuna's interval rule). */
export function isCheckStep(trial: FrozenTrial, step: number, nWarmupSteps: number, intervalSteps: number): boolean {
  if (intervalSteps <= 1) return true;
  const checkpoint = Math.floor((step - nWarmupSteps) / intervalSteps) * intervalSteps + nWarmupSteps;
  let previous = -Infinity;
  for (const s of trial.intermediateValues.keys()) if (s < step && s > previous) previous = s;
  return previous < checkpoint;
}

/**
 * Percentile pruner: stops a trial whose best intermediate value so far is worse than the given
 * percentile of COMPLETE trials' values at the same step.
 */
export class PercentilePruner implements Pruner {
  protected readonly nStartupTrials: number;
  protected readonly nWarmupSteps: number;
  protected readonly intervalSteps: number;
  protected readonly nMinTrials: number;

  constructor(
    protected readonly percentileValue: number,
    args: MedianPrunerArgs = {},
  ) {
    this.nStartupTrials = args.nStartupTrials ?? 5;
    this.nWarmupSteps = args.nWarmupSteps ?? 0;
    this.intervalSteps = args.intervalSteps ?? 1;
    this.nMinTrials = args.nMinTrials ?? 1;
    if (!(percentileValue >= 0 && percentileValue <= 100)) {
      throw new ConfigError(`Pruner option \`percentile\`: expected a value in [0, 100], got ${percentileValue}`);
    }
    for (const [key, v, min] of [
      ['nStartupTrials', this.nStartupTrials, 0],
      ['nWarmupSteps', this.nWarmupSteps, 0],
      ['intervalSteps', this.intervalSteps, 1],
      ['nMinTrials', this.nMinTrials, 1],
    ] as const) {
      if (!Number.isInteger(v) || v < min) throw new ConfigError(`Pruner option \`${key}\`: expected an integer >= ${min}, got ${v}`);
    }
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const step = lastStep(trial);
    if (step === undefined) return false;
    const complete = study.getTrials(['COMPLETE']);
    if (complete.length < this.nStartupTrials || complete.length === 0) return false;
    if (step < this.nWarmupSteps) return false;
    if (!isCheckStep(trial, step, this.nWarmupSteps, this.intervalSteps)) return false;
    const own = [...trial.intermediateValues.values()].filter((v) => !Number.isNaN(v));
    if (own.length === 0) return true;
    const minimize = study.direction === 'minimize';
    const best = minimize ? Math.min(...own) : Math.max(...own);
    const others = complete.map((t) => t.intermediateValues.get(step)).filter((v): v is number => v !== undefined);
    if (others.length < this.nMinTrials) return false;
    const p = percentile(others, minimize ? this.percentileValue : 100 - this.percentileValue);
    if (p === undefined) return false;
    return minimize ? best > p : best < p;
  }
}

/** Prunes a trial whose best intermediate value is worse than the median of COMPLETE trials at the same step. */
export class MedianPruner extends PercentilePruner {
  constructor(args: MedianPrunerArgs = {}) {
    super(50, args);
  }
}

/** Factory for `MedianPruner`. */
export function medianPruner(args: MedianPrunerArgs = {}): MedianPruner {
  return new MedianPruner(args);
}
