import { fromInternal, sameDistribution, toInternal, type Distribution, type ParamValue } from '../distributions';
import { randomSeed, streamFor } from '@digitfuse/core';
import type { StudyView } from '../study-view';
import { lastStep, type Direction, type FrozenTrial } from '../trial-state';
import { ParzenEstimator, type ParzenEstimatorOptions } from './parzen-estimator';
import { sampleUniformInternal } from './random-sampler';
import type { Sampler } from './sampler';

/** Module-level aliases: inside Jest's vm sandbox every global lookup (Math, Infinity) in a hot loop is ~10x slower. */
const M = Math;
const INF = Number.POSITIVE_INFINITY;

/** Optuna's default gamma: the number of "good" trials among n, min(ceil(0.1 n), 25). */
export function defaultGamma(n: number): number {
  return M.min(M.ceil(0.1 * n), 25);
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

export interface TPESamplerArgs {
  /** Seed of every draw. Default: a random seed. Streams are derived from (seed, trial number). */
  readonly seed?: number;
  /** Trials (COMPLETE or PRUNED) sampled at random before TPE starts. Default: 10. */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion; the one maximising l(x)/g(x) wins. Default: 24. */
  readonly nEiCandidates?: number;
  /** Number of "good" trials out of n. Default: `defaultGamma`, min(ceil(0.1 n), 25). */
  readonly gamma?: (n: number) => number;
  /** Observation weights, oldest first. Default: `defaultWeights`. */
  readonly weights?: (n: number) => ArrayLike<number>;
  /** Weight of the prior kernel. Default: 1.0. */
  readonly priorWeight?: number;
  /** Lower-bound bandwidths by (high - low) / min(100, 1 + nKernels). Default: true. */
  readonly considerMagicClip?: boolean;
  /** Let the outermost kernels' bandwidths reach the range ends. Default: false. */
  readonly considerEndpoints?: boolean;
  /** Model the parameters present in every past trial jointly. Default: false (independent). */
  readonly multivariate?: boolean;
}

/**
 * Tree-structured Parzen Estimator with Optuna's semantics and defaults: trials are split into the
 * best gamma(n) ("below", density l) and the rest ("above", density g); nEiCandidates points are drawn
 * from l and the one with the largest log l - log g is proposed.
 */
export class TPESampler implements Sampler {
  readonly seed: number;
  private readonly nStartupTrials: number;
  private readonly nEiCandidates: number;
  private readonly gamma: (n: number) => number;
  private readonly multivariate: boolean;
  private readonly peOptions: ParzenEstimatorOptions;
  /** Last split, reused while the study's set of finished trials is unchanged (it only ever grows). */
  private splitCache:
    | { study: string; direction: string; n: number; first: FrozenTrial; last: FrozenTrial; below: FrozenTrial[]; above: FrozenTrial[] }
    | undefined;

  constructor(args: TPESamplerArgs = {}) {
    this.seed = args.seed ?? randomSeed();
    this.nStartupTrials = args.nStartupTrials ?? 10;
    this.nEiCandidates = args.nEiCandidates ?? 24;
    this.gamma = args.gamma ?? defaultGamma;
    this.multivariate = args.multivariate ?? false;
    this.peOptions = {
      priorWeight: args.priorWeight ?? 1.0,
      considerMagicClip: args.considerMagicClip ?? true,
      considerEndpoints: args.considerEndpoints ?? false,
      multivariate: this.multivariate,
      weights: args.weights ?? defaultWeights,
    };
    if (this.nEiCandidates < 1) throw new RangeError(`nEiCandidates must be >= 1, got ${this.nEiCandidates}`);
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    if (!this.multivariate) return {};
    const trials = study.getTrials(['COMPLETE', 'PRUNED']);
    if (trials.length < this.nStartupTrials || trials.length === 0) return {};
    let space: Record<string, Distribution> | undefined;
    for (const t of trials) {
      if (space === undefined) {
        space = { ...t.distributions };
        continue;
      }
      for (const [name, d] of Object.entries(space)) {
        const other = t.distributions[name];
        if (other === undefined || !sameDistribution(d, other)) delete space[name];
      }
    }
    const sorted: Record<string, Distribution> = {};
    for (const name of Object.keys(space ?? {}).sort()) sorted[name] = (space ?? {})[name];
    return sorted;
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    const names = Object.keys(space);
    if (names.length === 0) return {};
    const internal = this.sampleTpe(study, trial, names, names.map((n) => space[n]), 'relative');
    if (internal === undefined) return {};
    const out: Record<string, ParamValue> = {};
    names.forEach((n, i) => (out[n] = fromInternal(space[n], internal[i])));
    return out;
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    const internal = this.sampleTpe(study, trial, [name], [distribution], `independent:${name}`);
    if (internal !== undefined) return fromInternal(distribution, internal[0]);
    const rng = streamFor(this.seed, trial.number, `startup:${name}`);
    return fromInternal(distribution, sampleUniformInternal(rng, distribution));
  }

  private split(study: StudyView, trials: readonly FrozenTrial[]): [FrozenTrial[], FrozenTrial[]] {
    const c = this.splitCache;
    const n = trials.length;
    // Finished trials never change (their snapshots keep their identity), so these pin the set down.
    if (c !== undefined && c.study === study.name && c.direction === study.direction && c.n === n && c.first === trials[0] && c.last === trials[n - 1]) {
      return [c.below, c.above];
    }
    const [below, above] = splitTrials(trials, study.direction, this.gamma(n));
    this.splitCache = { study: study.name, direction: study.direction, n, first: trials[0], last: trials[n - 1], below, above };
    return [below, above];
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
    const [below, above] = this.split(study, trials);
    const obsBelow = observations(below, names, space);
    const obsAbove = observations(above, names, space);
    const peBelow = new ParzenEstimator(obsBelow, space, this.peOptions);
    const peAbove = new ParzenEstimator(obsAbove, space, this.peOptions);
    const rng = streamFor(this.seed, trial.number, `tpe:${purpose}`);
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
 * Splits finished trials into the nBelow best and the rest. COMPLETE trials rank by value; PRUNED ones
 * follow, those that went further first, then by their last intermediate value. Each part is returned
 * in trial order (oldest first) so the weights' ramp applies by age.
 */
export function splitTrials(
  trials: readonly FrozenTrial[],
  direction: Direction,
  nBelow: number,
): [FrozenTrial[], FrozenTrial[]] {
  const complete = trials.filter((t) => t.state === 'COMPLETE' && t.value !== undefined);
  complete.sort((a, b) => better(direction, a.value as number, b.value as number) || a.number - b.number);
  const pruned = trials.filter((t) => t.state === 'PRUNED');
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
    return (na ? 0 : better(direction, va, vb)) || a.number - b.number;
  });
  const ordered = [...complete, ...pruned];
  const byNumber = (a: FrozenTrial, b: FrozenTrial): number => a.number - b.number;
  return [ordered.slice(0, nBelow).sort(byNumber), ordered.slice(nBelow).sort(byNumber)];
}

/** Internal values of `names` in each trial that has all of them inside the current ranges. */
function observations(trials: readonly FrozenTrial[], names: readonly string[], space: readonly Distribution[]): Float64Array[] {
  const rows: number[][] = [];
  for (const t of trials) {
    const row: number[] = [];
    for (let i = 0; i < names.length; i++) {
      const d = t.distributions[names[i]];
      const v = t.params[names[i]];
      if (d === undefined || d.type !== space[i].type || v === undefined) break;
      const internal = toInternal(space[i], v);
      if (internal === undefined) break;
      row.push(internal);
    }
    if (row.length === names.length) rows.push(row);
  }
  return names.map((_, i) => Float64Array.from(rows, (r) => r[i]));
}
