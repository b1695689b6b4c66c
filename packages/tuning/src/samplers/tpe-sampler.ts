import { constraintViolation, isFeasible } from '../constraints';
import { fromInternal, toInternal, type Distribution, type ParamValue } from '../distributions';
import { selectByHypervolume, referencePoint } from '../multi-objective/hssp';
import { lossVector, nonDominationRanks } from '../multi-objective/pareto';
import { randomSeed, streamFor } from '@digitfuse/core';
import { drawIndex } from '../draw-index';
import type { StudyView } from '../study-view';
import { lastStep, type Direction, type FrozenTrial } from '../trial-state';
import { ParzenEstimator, type ParzenEstimatorOptions } from './parzen-estimator';
import { sampleUniformInternal } from './random-sampler';
import { intersectionSearchSpace, type Sampler } from './sampler';

/** Module-level aliases: inside Jest's vm sandbox every global lookup (Math, Infinity) in a hot loop is ~10x slower. */
const M = Math;
const INF = Number.POSITIVE_INFINITY;

/** Optuna's default gamma: the number of "good" trials among n, min(ceil(0.1 n), 25). */
export function defaultGamma(n: number): number {
  return M.min(M.ceil(0.1 * n), 25);
}

/** Optuna's default gamma with several objectives: ceil(0.1 n), no cap. */
export function defaultGammaMultiObjective(n: number): number {
  return M.ceil(0.1 * n);
}

/** Optuna's default weights: flat for the newest 25 observations, a linear ramp from 1/n up for older ones. */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n);
  if (n < 25) return w.fill(1);
  const nRamp = n - 25;
  for (let i = 0; i < nRamp; i++) w[i] = nRamp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (nRamp - 1);
  w.fill(1, nRamp);
  return w;
}

/** Optuna 5's default number of random trials before TPE starts (`nStartupTrials`). */
export const DEFAULT_N_STARTUP_TRIALS = 10;

/** Optuna 5's default number of candidates per draw (`nEiCandidates`). */
export const DEFAULT_N_EI_CANDIDATES = 24;

export interface TPESamplerArgs {
  /** Seed of every draw. Default: a random seed. Streams are derived from (seed, trial number). */
  readonly seed?: number;
  /** Trials (COMPLETE or PRUNED) sampled at random before TPE starts. Default: 10. */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion; the one maximising l(x)/g(x) wins. Default: 24. */
  readonly nEiCandidates?: number;
  /**
   * Number of "good" trials out of n finished ones. Default: `defaultGamma`, min(ceil(0.1 n), 25);
   * with several objectives `defaultGammaMultiObjective`, ceil(0.1 n).
   */
  readonly gamma?: (n: number) => number;
  /** Observation weights, oldest first (with several objectives, only of the "bad" trials; good ones weigh 1). Default: `defaultWeights`. */
  readonly weights?: (n: number) => ArrayLike<number>;
  /** Weight of the prior kernel. Default: 1.0. */
  readonly priorWeight?: number;
  /** Lower-bound bandwidths by (high - low) / min(100, 1 + nKernels). Default: true. */
  readonly considerMagicClip?: boolean;
  /** Let the outermost kernels' bandwidths reach the range ends. Default: false. */
  readonly considerEndpoints?: boolean;
  /**
   * Model the parameters present in every finished trial jointly (multivariate TPE); the others are
   * sampled one at a time. `false`: every parameter on its own (independent TPE). Default, as Optuna 5:
   * true with one objective, false with several.
   */
  readonly multivariate?: boolean;
  /**
   * Constant liar: while drawing, trials still RUNNING (other workers', or this process's other
   * `concurrency` lanes) count as bad observations, so parallel trials spread out instead of all
   * sampling the same promising region. Their parameters are the ones they have suggested so far,
   * plus their whole joint sample when this sampler drew it. Default: true (as Optuna 5).
   */
  readonly constantLiar?: boolean;
}

/**
 * Tree-structured Parzen Estimator with Optuna 5's semantics and defaults: trials are split into the
 * best gamma(n) ("below", density l) and the rest ("above", density g); nEiCandidates points are drawn
 * from l and the one with the largest log l - log g is proposed. With several objectives the best are
 * chosen by non-domination rank, ties broken by hypervolume (MOTPE); with constraints, feasible trials
 * rank before infeasible ones, which rank by total violation.
 */
export class TPESampler implements Sampler {
  readonly seed: number;
  private readonly nStartupTrials: number;
  private readonly nEiCandidates: number;
  private readonly gamma: ((n: number) => number) | undefined;
  private readonly multivariate: boolean | undefined;
  private readonly constantLiar: boolean;
  private readonly peOptions: ParzenEstimatorOptions;
  /** Last split, reused while the study's set of finished trials is unchanged (it only ever grows). */
  private splitCache:
    | { study: string; directions: string; n: number; first: FrozenTrial; last: FrozenTrial; below: FrozenTrial[]; above: FrozenTrial[] }
    | undefined;
  /** Joint samples drawn for trials that may still be RUNNING, by study and trial number (for the constant liar). */
  private readonly drawn = new Map<string, Map<number, Readonly<Record<string, ParamValue>>>>();

  constructor(args: TPESamplerArgs = {}) {
    this.seed = args.seed ?? randomSeed();
    this.nStartupTrials = args.nStartupTrials ?? DEFAULT_N_STARTUP_TRIALS;
    this.nEiCandidates = args.nEiCandidates ?? DEFAULT_N_EI_CANDIDATES;
    this.gamma = args.gamma;
    this.multivariate = args.multivariate;
    this.constantLiar = args.constantLiar ?? true;
    this.peOptions = {
      priorWeight: args.priorWeight ?? 1.0,
      considerMagicClip: args.considerMagicClip ?? true,
      considerEndpoints: args.considerEndpoints ?? false,
      weights: args.weights ?? defaultWeights,
    };
    if (this.nEiCandidates < 1) throw new RangeError(`nEiCandidates must be >= 1, got ${this.nEiCandidates}`);
  }

  /** Whether parameters are modelled jointly in `study` (the default depends on its number of objectives). */
  isMultivariate(study: StudyView): boolean {
    return this.multivariate ?? study.directions.length === 1;
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    if (!this.isMultivariate(study)) return {};
    const trials = study.getTrials(['COMPLETE', 'PRUNED']);
    if (trials.length < this.nStartupTrials || trials.length === 0) return {};
    return intersectionSearchSpace(trials);
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    const names = Object.keys(space);
    if (names.length === 0) return {};
    const internal = this.sampleTpe(study, trial, names, names.map((n) => space[n]), 'relative');
    if (internal === undefined) return {};
    const out: Record<string, ParamValue> = {};
    names.forEach((n, i) => (out[n] = fromInternal(space[n], internal[i])));
    if (this.constantLiar) this.remember(study, trial.number, out);
    return out;
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    const internal = this.sampleTpe(study, trial, [name], [distribution], `independent:${name}`);
    if (internal !== undefined) return fromInternal(distribution, internal[0]);
    const rng = streamFor(this.seed, drawIndex(study.getTrials(), trial), `startup:${name}`);
    return fromInternal(distribution, sampleUniformInternal(rng, distribution));
  }

  private split(study: StudyView, trials: readonly FrozenTrial[]): [FrozenTrial[], FrozenTrial[]] {
    const c = this.splitCache;
    const n = trials.length;
    const directions = study.directions.join(',');
    // Finished trials never change (their snapshots keep their identity), so these pin the set down.
    if (c !== undefined && c.study === study.name && c.directions === directions && c.n === n && c.first === trials[0] && c.last === trials[n - 1]) {
      return [c.below, c.above];
    }
    const gamma = this.gamma ?? (study.directions.length > 1 ? defaultGammaMultiObjective : defaultGamma);
    const [below, above] = splitTrials(trials, study.directions, gamma(n));
    this.splitCache = { study: study.name, directions, n, first: trials[0], last: trials[n - 1], below, above };
    return [below, above];
  }

  /** Keeps a trial's joint sample while it runs, and forgets those of trials that have finished. */
  private remember(study: StudyView, number: number, params: Readonly<Record<string, ParamValue>>): void {
    let byNumber = this.drawn.get(study.name);
    if (byNumber === undefined) this.drawn.set(study.name, (byNumber = new Map()));
    const all = study.getTrials();
    for (const n of byNumber.keys()) if (all[n] !== undefined && all[n].state !== 'RUNNING') byNumber.delete(n);
    byNumber.set(number, params);
  }

  /** A trial's parameters as the model sees them: a RUNNING trial's joint sample fills in what it has not suggested yet. */
  private paramsOf(study: StudyView, t: FrozenTrial): Readonly<Record<string, ParamValue>> {
    if (t.state !== 'RUNNING') return t.params;
    const drawn = this.drawn.get(study.name)?.get(t.number);
    return drawn === undefined ? t.params : { ...drawn, ...t.params };
  }

  /** Runs TPE over `names`; undefined while still in the start-up phase. */
  private sampleTpe(
    study: StudyView,
    trial: FrozenTrial,
    names: readonly string[],
    space: readonly Distribution[],
    purpose: string,
  ): number[] | undefined {
    const trials = study.getTrials(['COMPLETE', 'PRUNED']);
    if (trials.length < this.nStartupTrials) return undefined;
    const [below, finishedAbove] = this.split(study, trials);
    let above = finishedAbove;
    if (this.constantLiar) {
      // The lie: every other RUNNING trial is a bad observation (gamma still counts finished trials only).
      const running = study.getTrials(['RUNNING']).filter((t) => t.number !== trial.number);
      if (running.length > 0) above = [...finishedAbove, ...running].sort((a, b) => a.number - b.number);
    }
    const paramsOf = (t: FrozenTrial): Readonly<Record<string, ParamValue>> => this.paramsOf(study, t);
    const obsBelow = observations(below, names, space, paramsOf);
    const obsAbove = observations(above, names, space, paramsOf);
    // With several objectives the good trials weigh the same (Optuna 5's MOTPE).
    const belowOptions = study.directions.length > 1 ? { ...this.peOptions, weights: (n: number) => new Float64Array(n).fill(1) } : this.peOptions;
    const peBelow = new ParzenEstimator(obsBelow, space, belowOptions);
    const peAbove = new ParzenEstimator(obsAbove, space, this.peOptions);
    const rng = streamFor(this.seed, drawIndex(study.getTrials(), trial), `tpe:${purpose}`);
    const candidates = peBelow.sample(rng, this.nEiCandidates);
    const lBelow = peBelow.logPdf(candidates);
    const lAbove = peAbove.logPdf(candidates);
    let best = 0;
    let bestScore = -INF;
    for (let j = 0; j < this.nEiCandidates; j++) {
      const score = lBelow[j] - lAbove[j];
      if (score > bestScore) {
        bestScore = score;
        best = j;
      }
    }
    return candidates.map((c) => c[best]);
  }
}

/** Factory for `TPESampler`. */
export function tpeSampler(args: TPESamplerArgs = {}): TPESampler {
  return new TPESampler(args);
}

function better(direction: Direction, a: number, b: number): number {
  return direction === 'minimize' ? a - b : b - a;
}

/**
 * The nBelow best COMPLETE trials with several objectives: whole non-domination ranks first; the rank
 * that does not fit is cut by greedy hypervolume subset selection (Optuna 5's MOTPE split).
 */
function bestByDominance(complete: readonly FrozenTrial[], directions: readonly Direction[], nBelow: number): FrozenTrial[] {
  if (nBelow <= 0) return [];
  if (nBelow >= complete.length) return [...complete];
  const losses = complete.map((t) => lossVector(t.values as readonly number[], directions));
  const ranks = nonDominationRanks(losses, nBelow);
  const counts: number[] = [];
  for (const r of ranks) counts[r] = (counts[r] ?? 0) + 1;
  let lastWhole = -1;
  for (let r = 0, total = 0; r < counts.length && total + counts[r] <= nBelow; r++) {
    total += counts[r];
    lastWhole = r;
  }
  const chosen = complete.filter((_, i) => ranks[i] <= lastWhole);
  if (chosen.length < nBelow) {
    const tied = complete.map((_, i) => i).filter((i) => ranks[i] === lastWhole + 1);
    const tiedLosses = tied.map((i) => losses[i]);
    for (const j of selectByHypervolume(tiedLosses, nBelow - chosen.length, referencePoint(tiedLosses))) chosen.push(complete[tied[j]]);
  }
  return chosen;
}

/**
 * Splits finished trials into the nBelow best and the rest. Feasible COMPLETE trials rank first (by
 * value, or by non-domination rank and hypervolume with several objectives); feasible PRUNED ones
 * follow, those that went further first, then by their last intermediate value; infeasible trials
 * (a constraint > 0) come last, by total violation. Each part is returned in trial order (oldest
 * first) so the weights' ramp applies by age.
 */
export function splitTrials(
  trials: readonly FrozenTrial[],
  directions: Direction | readonly Direction[],
  nBelow: number,
): [FrozenTrial[], FrozenTrial[]] {
  const dirs = typeof directions === 'string' ? [directions] : directions;
  const direction = dirs[0];
  const infeasible = trials.filter((t) => !isFeasible(t));
  infeasible.sort((a, b) => constraintViolation(a) - constraintViolation(b) || a.number - b.number);
  const feasible = trials.filter((t) => isFeasible(t));
  const complete = feasible.filter((t) => t.state === 'COMPLETE' && t.values !== undefined && t.values.length === dirs.length);
  let bestComplete: FrozenTrial[];
  if (dirs.length === 1) {
    complete.sort((a, b) => better(direction, (a.values as number[])[0], (b.values as number[])[0]) || a.number - b.number);
    bestComplete = complete.slice(0, M.max(0, nBelow));
  } else {
    bestComplete = bestByDominance(complete, dirs, nBelow);
  }
  const chosen = new Set(bestComplete);
  const restComplete = complete.filter((t) => !chosen.has(t));
  const pruned = feasible.filter((t) => t.state === 'PRUNED');
  const key = (t: FrozenTrial): [number, number] => {
    const s = lastStep(t);
    if (s === undefined) return [-INF, NaN];
    return [s, t.intermediateValues.get(s) as number];
  };
  pruned.sort((a, b) => {
    const [sa, va] = key(a);
    const [sb, vb] = key(b);
    if (sa !== sb) return sb - sa;
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na !== nb) return na ? 1 : -1;
    // With several objectives an intermediate value has no direction: pruned trials rank by progress only.
    return (na || dirs.length > 1 ? 0 : better(direction, va, vb)) || a.number - b.number;
  });
  const ordered = [...bestComplete, ...restComplete, ...pruned, ...infeasible];
  const byNumber = (a: FrozenTrial, b: FrozenTrial): number => a.number - b.number;
  const nBest = M.max(0, M.min(nBelow, ordered.length));
  return [ordered.slice(0, nBest).sort(byNumber), ordered.slice(nBest).sort(byNumber)];
}

/** Internal values of `names` in each trial that has all of them inside the current ranges. */
function observations(
  trials: readonly FrozenTrial[],
  names: readonly string[],
  space: readonly Distribution[],
  paramsOf: (t: FrozenTrial) => Readonly<Record<string, ParamValue>>,
): Float64Array[] {
  const rows: number[][] = [];
  for (const t of trials) {
    const row: number[] = [];
    const params = paramsOf(t);
    for (let i = 0; i < names.length; i++) {
      const d = t.distributions[names[i]] ?? (t.state === 'RUNNING' ? space[i] : undefined);
      const v = params[names[i]];
      if (d === undefined || d.type !== space[i].type || v === undefined) break;
      const internal = toInternal(space[i], v);
      if (internal === undefined) break;
      row.push(internal);
    }
    if (row.length === names.length) rows.push(row);
  }
  return names.map((_, i) => Float64Array.from(rows, (r) => r[i]));
}
