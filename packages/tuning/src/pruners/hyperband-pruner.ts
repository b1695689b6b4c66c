import { ConfigError } from '../errors';
import { hashString } from '@digitfuse/core';
import { drawIndices } from '../draw-index';
import type { StudyView } from '../study-view';
import type { FrozenTrial } from '../trial-state';
import type { Pruner } from './pruner';
import { maxCompletedStep, SuccessiveHalvingPruner } from './successive-halving-pruner';

export interface HyperbandPrunerArgs {
  /** Steps (epochs) every trial gets in the most aggressive bracket. Default: 1. */
  readonly minResource?: number;
  /** Steps of a full run. Default: 'auto' = steps of the longest COMPLETE trial (last step + 1), fixed once known. */
  readonly maxResource?: number | 'auto';
  /** Default: 3. */
  readonly reductionFactor?: number;
  /** See `SuccessiveHalvingPrunerArgs.bootstrapCount`. Default: 0. */
  readonly bootstrapCount?: number;
}

/**
 * Hyperband: several successive-halving brackets with different aggressiveness
 * (minEarlyStoppingRate 0..nBrackets-1). Each trial is assigned to one bracket by a hash of the study
 * name and trial number, in proportion to the brackets' budgets, and only competes inside it.
 */
export class HyperbandPruner implements Pruner {
  private readonly minResource: number;
  private readonly maxResource: number | 'auto';
  private readonly reductionFactor: number;
  private readonly bootstrapCount: number;
  private brackets: SuccessiveHalvingPruner[] | undefined;
  private budgets: number[] = [];

  constructor(args: HyperbandPrunerArgs = {}) {
    this.minResource = args.minResource ?? 1;
    this.maxResource = args.maxResource ?? 'auto';
    this.reductionFactor = args.reductionFactor ?? 3;
    this.bootstrapCount = args.bootstrapCount ?? 0;
    if (!(Number.isInteger(this.minResource) && this.minResource >= 1)) {
      throw new ConfigError(`Pruner option \`minResource\`: expected an integer >= 1, got ${this.minResource}`);
    }
    if (this.maxResource !== 'auto' && !(Number.isInteger(this.maxResource) && this.maxResource >= this.minResource)) {
      throw new ConfigError(`Pruner option \`maxResource\`: expected 'auto' or an integer >= minResource (${this.minResource}), got ${String(this.maxResource)}`);
    }
    if (!(Number.isInteger(this.reductionFactor) && this.reductionFactor >= 2)) {
      throw new ConfigError(`Pruner option \`reductionFactor\`: expected an integer >= 2, got ${this.reductionFactor}`);
    }
    if (this.maxResource !== 'auto') this.build(this.maxResource);
  }

  /** Number of brackets, once the maximum resource is known. */
  get nBrackets(): number | undefined {
    return this.brackets?.length;
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    if (!this.init(study)) return false;
    const brackets = this.brackets as SuccessiveHalvingPruner[];
    // Brackets by draw index: a retried trial competes where the trial it retries did (draw-index.ts).
    const trials = study.getTrials();
    const index = drawIndices(trials);
    const bracket = (t: FrozenTrial) => this.bracketOf(study.name, index.get(t.number) ?? t.number);
    const id = bracket(trial);
    const competitors = trials.filter((t) => bracket(t) === id);
    return brackets[id].pruneAmong(study, trial, competitors);
  }

  /** Bracket of a trial, 0 = most aggressive (needs a known maximum resource). */
  bracketOf(studyName: string, trialNumber: number): number {
    if (this.budgets.length === 0) throw new ConfigError("HyperbandPruner: brackets are unknown until maxResource is (maxResource 'auto' waits for a COMPLETE trial)");
    const total = this.budgets.reduce((a, b) => a + b, 0);
    let h = hashString(`${studyName}_${trialNumber}`) % total;
    for (let i = 0; i < this.budgets.length; i++) {
      if (h < this.budgets[i]) return i;
      h -= this.budgets[i];
    }
    return this.budgets.length - 1;
  }

  private init(study: StudyView): boolean {
    if (this.brackets !== undefined) return true;
    // 'auto': the number of steps of the longest COMPLETE trial (last step + 1), as in Optuna.
    const longest = maxCompletedStep(study);
    if (longest === undefined) return false;
    const max = Math.max(this.minResource, longest + 1);
    this.build(max);
    return true;
  }

  private build(max: number): void {
    const n = Math.floor(Math.log(max / this.minResource) / Math.log(this.reductionFactor) + 1e-9) + 1;
    this.brackets = [];
    this.budgets = [];
    for (let i = 0; i < n; i++) {
      const s = n - 1 - i;
      this.budgets.push(Math.ceil((n * this.reductionFactor ** s) / (s + 1)));
      this.brackets.push(
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: this.reductionFactor,
          minEarlyStoppingRate: i,
          bootstrapCount: this.bootstrapCount,
        }),
      );
    }
  }
}

/** Factory for `HyperbandPruner`. */
export function hyperbandPruner(args: HyperbandPrunerArgs = {}): HyperbandPruner {
  return new HyperbandPruner(args);
}
