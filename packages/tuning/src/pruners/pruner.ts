import type { StudyView } from '../study-view';
import type { FrozenTrial } from '../trial-state';

/** Decides, from a running trial's intermediate values and the study's other trials, whether to stop it. */
export interface Pruner {
  prune(study: StudyView, trial: FrozenTrial): boolean;
}
