import { constraintViolation, isFeasible } from '../constraints';
import { ConfigError } from '../errors';
import { fromInternal, type Distribution, type ParamValue } from '../distributions';
import { crowdingDistances } from '../multi-objective/crowding-distance';
import { dominates, lossVector, nonDominationRanks } from '../multi-objective/pareto';
import { randomSeed, streamFor, type Rng } from '@digitfuse/core';
import type { StudyView } from '../study-view';
import type { Direction, FrozenTrial } from '../trial-state';
import { sampleUniformInternal } from './random-sampler';
import { intersectionSearchSpace, type Sampler } from './sampler';

export interface NSGAIISamplerArgs {
  /** Seed of every draw. Default: a random seed. Streams are derived from (seed, trial number). */
  readonly seed?: number;
  /** Trials per generation, and the size of the parent population. Default: 50. */
  readonly populationSize?: number;
  /** Probability that a child is a crossover of two parents rather than a copy of one. Default: 0.9. */
  readonly crossoverProb?: number;
  /** Uniform crossover: probability that a parameter comes from the second parent. Default: 0.5. */
  readonly swappingProb?: number;
  /** Probability that a parameter is mutated (drawn again at random). Default: 1 / number of parameters. */
  readonly mutationProb?: number;
}

/**
 * NSGA-II with Optuna's semantics and defaults (elitist non-dominated sorting genetic algorithm, Deb
 * et al. 2002): COMPLETE trials form generations of `populationSize` in the order they finished; the
 * parents of generation g are the best `populationSize` of generation g-1 and its parents, by
 * non-domination rank, then crowding distance. A child takes each parameter from one of two parents
 * chosen by binary tournament (uniform crossover), and a mutated parameter is drawn at random. With
 * constraints, feasible trials dominate infeasible ones, which rank by total violation. The first
 * generation is random. Generations are recomputed from the stored trials, so any number of workers
 * can share a study.
 */
export class NSGAIISampler implements Sampler {
  readonly seed: number;
  private readonly populationSize: number;
  private readonly crossoverProb: number;
  private readonly swappingProb: number;
  private readonly mutationProb: number | undefined;
  /** Parent populations computed so far, per study: generation g -> its parents and the trials that chose them. */
  private readonly parentCache = new Map<string, { key: string; parents: FrozenTrial[] }[]>();

  constructor(args: NSGAIISamplerArgs = {}) {
    this.seed = args.seed ?? randomSeed();
    this.populationSize = args.populationSize ?? 50;
    this.crossoverProb = args.crossoverProb ?? 0.9;
    this.swappingProb = args.swappingProb ?? 0.5;
    this.mutationProb = args.mutationProb;
    if (!(Number.isInteger(this.populationSize) && this.populationSize >= 2)) {
      throw new ConfigError(`NSGAIISampler option \`populationSize\`: expected an integer >= 2, got ${this.populationSize}`);
    }
    for (const [key, p] of [['crossoverProb', this.crossoverProb], ['swappingProb', this.swappingProb], ['mutationProb', this.mutationProb ?? 0]] as const) {
      if (!(p >= 0 && p <= 1)) throw new ConfigError(`NSGAIISampler option \`${key}\`: expected a probability in [0, 1], got ${p}`);
    }
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    return intersectionSearchSpace(study.getTrials(['COMPLETE']));
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    const names = Object.keys(space);
    if (names.length === 0) return {};
    const parents = this.parentPopulation(study);
    if (parents.length === 0) return {};
    const rng = streamFor(this.seed, trial.number, 'nsga2:child');
    const directions = study.directions;
    const constrained = parents.some((t) => t.constraints !== undefined && t.constraints.length > 0);
    const better = (a: FrozenTrial, b: FrozenTrial): boolean => constrainedDominates(a, b, directions, constrained);
    let child: Record<string, ParamValue>;
    if (rng.next() < this.crossoverProb) {
      const first = tournament(parents, rng, better);
      const second = tournament(
        parents.filter((t) => t !== first),
        rng,
        better,
      );
      child = {};
      for (const name of names) child[name] = (rng.next() >= this.swappingProb ? second : first).params[name];
    } else {
      child = { ...parents[rng.int(parents.length)].params };
    }
    const mutationProb = this.mutationProb ?? 1 / Math.max(1, names.length);
    const out: Record<string, ParamValue> = {};
    // A mutated parameter is left out: the trial then draws it at random (sampleIndependent).
    for (const name of names) if (rng.next() >= mutationProb && child[name] !== undefined) out[name] = child[name];
    return out;
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    const rng = streamFor(this.seed, trial.number, `nsga2:${name}`);
    return fromInternal(distribution, sampleUniformInternal(rng, distribution));
  }

  /** Parents of the generation a new trial belongs to (empty during the first generation). */
  private parentPopulation(study: StudyView): FrozenTrial[] {
    const complete = [...study.getTrials(['COMPLETE'])].sort(
      (a, b) => (a.datetimeComplete ?? 0) - (b.datetimeComplete ?? 0) || a.number - b.number,
    );
    const size = this.populationSize;
    const generation = Math.floor(complete.length / size);
    let cache = this.parentCache.get(study.name);
    if (cache === undefined) this.parentCache.set(study.name, (cache = []));
    let parents: FrozenTrial[] = [];
    for (let g = 1; g <= generation; g++) {
      const population = complete.slice((g - 1) * size, g * size);
      const key = population.map((t) => t.number).join(',');
      const hit = cache[g - 1];
      if (hit !== undefined && hit.key === key) {
        parents = hit.parents;
        continue;
      }
      parents = selectElite([...population, ...parents], study.directions, size);
      cache[g - 1] = { key, parents };
      cache.length = g;
    }
    return parents;
  }
}

/** Factory for `NSGAIISampler`. */
export function nsga2Sampler(args: NSGAIISamplerArgs = {}): NSGAIISampler {
  return new NSGAIISampler(args);
}

/**
 * The best `size` trials: whole non-domination ranks while they fit (feasible trials first, then
 * infeasible ones by total violation), the rank that does not fit cut by crowding distance.
 */
export function selectElite(trials: readonly FrozenTrial[], directions: readonly Direction[], size: number): FrozenTrial[] {
  const feasible = trials.filter(isFeasible);
  const infeasible = trials.filter((t) => !isFeasible(t));
  const fronts: FrozenTrial[][] = [];
  const losses = feasible.map((t) => lossVector(t.values as readonly number[], directions));
  const ranks = nonDominationRanks(losses);
  feasible.forEach((t, i) => (fronts[ranks[i]] ??= []).push(t));
  const violationRanks = nonDominationRanks(infeasible.map((t) => [constraintViolation(t)]));
  const offset = fronts.length;
  infeasible.forEach((t, i) => (fronts[offset + violationRanks[i]] ??= []).push(t));
  const elite: FrozenTrial[] = [];
  for (const front of fronts) {
    if (front === undefined) continue;
    if (elite.length + front.length < size) {
      elite.push(...front);
      continue;
    }
    const distances = crowdingDistances(front.map((t) => lossVector(t.values as readonly number[], directions)));
    const order = front.map((_, i) => i).sort((i, j) => distances[j] - distances[i] || i - j);
    for (const i of order.slice(0, size - elite.length)) elite.push(front[i]);
    break;
  }
  return elite;
}

/** Binary tournament: two random picks (with replacement); the first wins only if it dominates the second. */
function tournament(population: readonly FrozenTrial[], rng: Rng, better: (a: FrozenTrial, b: FrozenTrial) => boolean): FrozenTrial {
  const a = population[rng.int(population.length)];
  const b = population[rng.int(population.length)];
  return better(a, b) ? a : b;
}

/** Domination between two COMPLETE trials; with constraints, feasible beats infeasible and less violation beats more. */
function constrainedDominates(a: FrozenTrial, b: FrozenTrial, directions: readonly Direction[], constrained: boolean): boolean {
  const la = lossVector(a.values as readonly number[], directions);
  const lb = lossVector(b.values as readonly number[], directions);
  if (!constrained) return dominates(la, lb);
  const fa = isFeasible(a);
  const fb = isFeasible(b);
  if (fa && fb) return dominates(la, lb);
  if (fa !== fb) return fa;
  return constraintViolation(a) < constraintViolation(b);
}
