import { PipelineError } from '../errors';
import type { PipelineOptions } from '../options';
import type { RunLayout } from '../run-artifacts';
import { STUDY_NAME, withPassword } from '../study-access';
import { JournalSource } from './journal-source';
import { PostgresSource } from './postgres-source';
import type { StudySource } from './study-source';

export interface StudySourceArgs {
  /** The run directory, or null for a study shown alone. */
  readonly layout: RunLayout | null;
  /** The run's options (run.json), when there is a run. */
  readonly options: PipelineOptions | null;
  /** `--storage`: a PostgreSQL URL (with its password, if any), or null. */
  readonly storage: string | null;
  /** `--study`, or null. */
  readonly study: string | null;
  readonly log: (line: string) => void;
  /** Milliseconds between two reads of a database. Default: 500. */
  readonly pollMs?: number;
}

/**
 * Where the dashboard reads the study, as the search chose it: `--storage` when given; else the
 * storage the run recorded in run.json (its password from DIGITFUSE_STORAGE when that names the same
 * database, else PGPASSWORD or ~/.pgpass); else the run's journal. The study is `--study`, else the
 * run's, else `digitfuse`. A run's study that the database does not hold yet is waited for; so is a
 * `--study` that a journal does not hold while it holds none.
 * @throws PipelineError without a run or a storage, for an unknown study in a database (without a run),
 * or for a `--study` the run's journal does not hold (the message lists those it does); StorageError for an unusable database
 */
export async function openStudySource(args: StudySourceArgs): Promise<StudySource> {
  const url = args.storage ?? withPassword(args.options?.storage ?? null);
  const study = args.study ?? args.options?.study ?? STUDY_NAME;
  // A run's study may not exist yet (its search has not started): the dashboard waits for it.
  if (url !== null) return PostgresSource.open(url, study, { log: args.log, pollMs: args.pollMs, waitForStudy: args.layout !== null });
  if (args.layout !== null) return await openJournal(args.layout.journal, study, args);
  throw new PipelineError('Expected `--run DIR` or `--storage postgresql://user@host:port/database` (the study to show), found neither');
}

/**
 * The run's journal. A `--study` it does not hold is refused once the journal holds any study; without
 * `--study` the run's study is read, else the journal's first one (a run from before studies were named).
 */
async function openJournal(journal: string, study: string, args: StudySourceArgs): Promise<JournalSource> {
  const exact = args.study !== null;
  // Warnings about the journal's lines wait until the study is known to be there: a refusal is one line.
  let held: string[] | null = [];
  const warn = (message: string) => (held === null ? args.log(`dashboard: ${message}`) : held.push(message));
  const source = new JournalSource(journal, study, { warn }, exact);
  const names = exact ? source.studyNames() : [];
  if (names.length > 0 && !names.includes(study)) {
    await source.close();
    throw new PipelineError(`Expected \`--study ${study}\` to name a study in ${journal}, found none of that name (studies there: ${names.join(', ')})`);
  }
  const warnings = held;
  held = null;
  for (const message of warnings) warn(message);
  return source;
}
