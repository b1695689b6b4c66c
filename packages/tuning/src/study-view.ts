import type { Direction, FrozenTrial, TrialState } from './trial-state';

/** What samplers and pruners may read from a study. */
export interface StudyView {
  readonly name: string;
  readonly direction: Direction;
  /** Snapshot of the study's trials (ordered by number), optionally only those in `states`. */
  getTrials(states?: readonly TrialState[]): readonly FrozenTrial[];
}
