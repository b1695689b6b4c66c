import { fromInternal, type Distribution, type ParamValue } from '../distributions';
import { randomSeed, streamFor, uniform, type Rng } from '@digitfuse/core';
import { drawIndex } from '../draw-index';
import type { StudyView } from '../study-view';
import type { FrozenTrial } from '../trial-state';
import type { Sampler } from './sampler';

/** Module-level aliases: inside Jest's vm sandbox every global lookup (Math) in a hot loop is ~10x slower. */
const M = Math;

export interface RandomSamplerArgs {
  /** Seed of every draw. Default: a random seed. Each (seed, trial number, parameter) has its own stream. */
  readonly seed?: number;
}

/** Draws one value uniformly from a distribution (log-uniformly for log ranges), in internal form. */
export function sampleUniformInternal(rng: Rng, d: Distribution): number {
  if (d.type === 'categorical') return rng.int(d.choices.length);
  if (d.log) {
    // Ints are drawn on [low - 0.5, high + 0.5] in log space, then rounded, like Optuna.
    const lo = d.type === 'int' ? d.low - 0.5 : d.low;
    const hi = d.type === 'int' ? d.high + 0.5 : d.high;
    const x = M.exp(uniform(rng, M.log(lo), M.log(hi)));
    return M.min(d.high, M.max(d.low, d.type === 'int' ? M.round(x) : x));
  }
  if (d.step !== undefined) {
    const n = M.round((d.high - d.low) / d.step) + 1;
    return d.low + rng.int(n) * d.step;
  }
  return uniform(rng, d.low, d.high);
}

/** Samples every parameter independently and uniformly. */
export class RandomSampler implements Sampler {
  readonly seed: number;

  constructor(args: RandomSamplerArgs = {}) {
    this.seed = args.seed ?? randomSeed();
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, ParamValue> {
    return {};
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    const rng = streamFor(this.seed, drawIndex(study.getTrials(), trial), `random:${name}`);
    return fromInternal(distribution, sampleUniformInternal(rng, distribution));
  }
}

/** Factory for `RandomSampler`. */
export function randomSampler(args: RandomSamplerArgs = {}): RandomSampler {
  return new RandomSampler(args);
}
