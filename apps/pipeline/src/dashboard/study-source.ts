import type { Direction, FrozenTrial } from '@digitfuse/tuning';

/** A study as the dashboard reads it, from whichever source (a run's journal, a PostgreSQL database). */
export interface StudyData {
  readonly name: string;
  readonly direction: Direction;
  readonly trials: readonly FrozenTrial[];
  /** When each trial reported each step (epoch ms): trial number -> step -> time. */
  readonly reportTimes: ReadonlyMap<number, ReadonlyMap<number, number>>;
  /**
   * How the study ranks its trials and the seed it searches with, as the study records them (a shared
   * storage's study-key.json); undefined where only the run's options say (a journal).
   */
  readonly objective?: string | null;
  readonly seed?: number | null;
  /** The fusion of the study's models as it records them (`--fusion`; null for `--modality image`); undefined as `objective`. */
  readonly fusion?: string | null;
}

/** Where the page says the study is. Every string is data (the page shows it as text). */
export interface SourceInfo {
  readonly kind: 'journal' | 'postgresql';
  /** The journal's path, or the database's URL without its password. */
  readonly place: string;
  /** The study's name there. */
  readonly study: string;
}

/** Why the study cannot be read now, and since when (epoch ms). */
export interface SourceProblem {
  readonly message: string;
  readonly since: number;
}

/**
 * Where the dashboard reads a study from: the run directory's journal (`JournalSource`, read again
 * when the run's watcher sees it change) or a PostgreSQL database (`PostgresSource`, polled). Both
 * give the same `StudyData`, from which one code path builds the page's snapshot (snapshot.ts).
 * Read-only: no source writes to the journal or the database.
 */
export interface StudySource {
  readonly info: SourceInfo;
  /** The study (a journal is caught up with now; a database as last polled), null while there is none yet. */
  read(): StudyData | null;
  /** Why the source cannot be read now (a database out of reach: `read` gives the study as last read), or null. */
  problem?(): SourceProblem | null;
  /** Follow the study: `onChange` after each change seen. */
  start(onChange: () => void): Promise<void>;
  /** Stop following (`read` still gives the last state). */
  stop(): Promise<void>;
  /** Release files and connections (after `stop`). */
  close(): Promise<void>;
}
