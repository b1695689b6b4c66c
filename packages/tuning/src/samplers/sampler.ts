import { sameDistribution, type Distribution, type ParamValue } from '../distributions';
import type { StudyView } from '../study-view';
import type { FrozenTrial } from '../trial-state';

/**
 * Proposes parameter values. A trial first gets a joint ("relative") sample over the search space the
 * sampler infers from past trials; parameters outside it are sampled one at a time ("independent").
 */
export interface Sampler {
  /** Parameters to sample jointly for `trial`; `{}` for an independent sampler. */
  inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution>;
  /** Joint sample over `space`. */
  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue>;
  /** One parameter's value for `trial`. */
  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue;
}

/**
 * The intersection search space of `trials` (Optuna's): the parameters every one of them has, with
 * the same distribution, in name order; ranges with a single value are left out (they are sampled
 * independently). Empty for no trials.
 */
export function intersectionSearchSpace(trials: readonly FrozenTrial[]): Record<string, Distribution> {
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
  for (const name of Object.keys(space ?? {}).sort()) {
    const d = (space ?? {})[name];
    if (d.type === 'categorical' ? d.choices.length > 1 : d.low < d.high) sorted[name] = d;
  }
  return sorted;
}
