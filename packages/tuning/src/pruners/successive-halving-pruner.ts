import { ConfigError } from '../errors';
import type { StudyView } from '../study-view';
import { lastStep, type FrozenTrial } from '../trial-state';
import type { Pruner } from './pruner';

export interface SuccessiveHalvingPrunerArgs {
  /** Steps (epochs) every trial gets before its first rung. Default: 'auto' = max(1, floor(longest COMPLETE trial's last step / 100)), fixed once known. */
  readonly minResource?: number | 'auto';
  /** Only the best 1/reductionFactor of a rung go on. Default: 4. */
  readonly reductionFactor?: number;
  /** Rung r sits at step minResource * reductionFactor^(minEarlyStoppingRate + r). Default: 0. */
  readonly minEarlyStoppingRate?: number;
  /** A trial is pruned at a rung until this many trials have reached it. Default: 0. */
  readonly bootstrapCount?: number;
}

/** The step of rung `rung`. */
export function rungStep(minResource: number, reductionFactor: number, minEarlyStoppingRate: number, rung: number): number {
  return minResource * reductionFactor ** (minEarlyStoppingRate + rung);
}

/** Value of a trial at a rung: its intermediate value at the first reported step >= the rung's step. */
export function rungValue(trial: FrozenTrial, step: number): number | undefined {
  let bestStep = Infinity;
  for (const s of trial.intermediateValues.keys()) if (s >= step && s < bestStep) bestStep = s;
  return bestStep === Infinity ? undefined : trial.intermediateValues.get(bestStep);
}

/** The largest last step among COMPLETE trials, or undefined while there is none (for 'auto' resources). */
export function maxCompletedStep(study: StudyView): number | undefined {
  let max: number | undefined;
  for (const t of study.getTrials(['COMPLETE'])) {
    const s = lastStep(t);
    if (s !== undefined && (max === undefined || s > max)) max = s;
  }
  return max;
}

/**
 * Asynchronous successive halving (ASHA), epochs as the resource. When a trial reaches a rung it is
 * compared with every trial that reached the same rung: it goes on only if it is in the best
 * 1/reductionFactor of them (at least the best one). Rung values are recomputed from the stored
 * intermediate values, so the pruner keeps no state and works across processes.
 * `trials` restricts the competitors (the Hyperband pruner passes one bracket).
 */
export class SuccessiveHalvingPruner implements Pruner {
  private minResource: number | 'auto';
  private readonly reductionFactor: number;
  private readonly minEarlyStoppingRate: number;
  private readonly bootstrapCount: number;

  constructor(args: SuccessiveHalvingPrunerArgs = {}) {
    this.minResource = args.minResource ?? 'auto';
    this.reductionFactor = args.reductionFactor ?? 4;
    this.minEarlyStoppingRate = args.minEarlyStoppingRate ?? 0;
    this.bootstrapCount = args.bootstrapCount ?? 0;
    if (this.minResource !== 'auto' && !(Number.isInteger(this.minResource) && this.minResource >= 1)) {
      throw new ConfigError(`Pruner option \`minResource\`: expected 'auto' or an integer >= 1, got ${String(this.minResource)}`);
    }
    if (!(Number.isInteger(this.reductionFactor) && this.reductionFactor >= 2)) {
      throw new ConfigError(`Pruner option \`reductionFactor\`: expected an integer >= 2, got ${this.reductionFactor}`);
    }
    if (!(Number.isInteger(this.minEarlyStoppingRate) && this.minEarlyStoppingRate >= 0)) {
      throw new ConfigError(`Pruner option \`minEarlyStoppingRate\`: expected an integer >= 0, got ${this.minEarlyStoppingRate}`);
    }
    if (!(Number.isInteger(this.bootstrapCount) && this.bootstrapCount >= 0)) {
      throw new ConfigError(`Pruner option \`bootstrapCount\`: expected an integer >= 0, got ${this.bootstrapCount}`);
    }
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    return this.pruneAmong(study, trial, study.getTrials());
  }

  /** Same as `prune`, competing only against `competitors`. */
  pruneAmong(study: StudyView, trial: FrozenTrial, competitors: readonly FrozenTrial[]): boolean {
    const step = lastStep(trial);
    if (step === undefined) return false;
    let minResource = this.minResource;
    if (minResource === 'auto') {
      // Optuna's estimate: 1% of the longest COMPLETE trial, at least 1; fixed once known.
      const longest = maxCompletedStep(study);
      if (longest === undefined) return false;
      minResource = this.minResource = Math.max(1, Math.floor(longest / 100));
    }
    // A failed trial that was retried competes through its retry (the same parameters and seed,
    // draw-index.ts), not beside it: a study whose trial was interrupted is judged as one where it was not.
    const retried = new Set<number>();
    for (const t of competitors) if (t.retryOf !== undefined) retried.add(t.retryOf);
    let previous = -Infinity;
    for (const s of trial.intermediateValues.keys()) if (s < step && s > previous) previous = s;
    const value = trial.intermediateValues.get(step) as number;
    for (let rung = 0; ; rung++) {
      const at = rungStep(minResource, this.reductionFactor, this.minEarlyStoppingRate, rung);
      if (step < at) return false;
      // Only the rungs crossed by this report are judged; earlier ones were passed already.
      if (previous >= at) continue;
      if (Number.isNaN(value)) return true;
      const values: number[] = [value];
      for (const t of competitors) {
        if (t.number === trial.number || retried.has(t.number)) continue;
        const v = rungValue(t, at);
        if (v !== undefined && !Number.isNaN(v)) values.push(v);
      }
      if (values.length <= this.bootstrapCount) return true;
      if (!promotable(value, values, this.reductionFactor, study.direction === 'minimize')) return true;
    }
  }
}

/** Whether `value` is within the best floor(n / reductionFactor) of `values` (at least the best one). */
export function promotable(value: number, values: readonly number[], reductionFactor: number, minimize: boolean): boolean {
  let k = Math.floor(values.length / reductionFactor) - 1;
  if (k < 0) k = 0;
  const sorted = [...values].sort((a, b) => (minimize ? a - b : b - a));
  return minimize ? value <= sorted[k] : value >= sorted[k];
}

/** Factory for `SuccessiveHalvingPruner`. */
export function successiveHalvingPruner(args: SuccessiveHalvingPrunerArgs = {}): SuccessiveHalvingPruner {
  return new SuccessiveHalvingPruner(args);
}
