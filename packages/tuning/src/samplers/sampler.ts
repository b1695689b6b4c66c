import type { Distribution, ParamValue } from '../distributions';
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
