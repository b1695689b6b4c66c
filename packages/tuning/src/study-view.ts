import type { Direction, FrozenTrial, TrialState } from './trial-state';

/** What samplers and pruners may read from a study. */
export interface StudyView {
  readonly name: string;
  /** The objective's direction; a study with several objectives throws a ConfigError (read `directions`). */
  readonly direction: Direction;
  /** One direction per objective. */
  readonly directions: readonly Direction[];
  /** Snapshot of the study's trials (ordered by number), optionally only those in `states`. */
  getTrials(states?: readonly TrialState[]): readonly FrozenTrial[];
}
