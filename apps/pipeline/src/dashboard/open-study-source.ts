import { UsageError } from '@digitfuse/core';
import { redactUrl, sameDatabase } from '@digitfuse/tuning';
import { PipelineError } from '../errors';
import { otherStudy } from '../open-run';
import type { PipelineOptions } from '../options';
import type { RunLayout } from '../run-artifacts';
import { STUDY_NAME, studyNameIn, withPassword } from '../study-access';
import { JournalSource } from './journal-source';
import { PostgresSource } from './postgres-source';
import type { StudySource } from './study-source';

export interface StudySourceArgs {
  /** The run directory, or null for a study shown alone. */
  readonly layout: RunLayout | null;
  /** The run's options (run.json), when there is a run. */
  readonly options: PipelineOptions | null;
  /** Whether run.json records the run's search stage as finished: its study is then refused when missing, never waited for. */
  readonly searched?: boolean;
  /**
   * Set by the process that runs the run (`full --dashboard`): `storage` and `study` are the run's as
   * it runs it, which run.json may not record yet (a resume that moves the run to another study), so
   * they are not compared with run.json, and a study not there yet is waited for (its search creates it).
   */
  readonly besideRun?: boolean;
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
 * run's, else `digitfuse`. With a run, `--storage` and `--study` may only name the run's own. A run's
 * study that the database does not hold yet is waited for while its search has not finished; so is a
 * `--study` that a journal does not hold while it holds none.
 * @throws UsageError for a `--storage` or `--study` other than the run's; PipelineError without a run or
 * a storage, for an unknown study in a database (without a run, or of a run whose search finished), or
 * for a `--study` the run's journal does not hold (the message lists those it does); StorageError for an unusable database
 */
export async function openStudySource(args: StudySourceArgs): Promise<StudySource> {
  const { layout, options } = args;
  const run = layout !== null && options !== null && !args.besideRun ? { layout, options } : null;
  if (run !== null) refuseOtherStudy(run.layout, run.options, args.storage, args.study);
  const url = args.storage ?? withPassword(options?.storage ?? null);
  const study = args.study ?? options?.study ?? STUDY_NAME;
  // A run's study may not exist yet (its search has not started): the dashboard waits for it. Once
  // its search has finished, the study was there: one that is gone is an error, not a wait for ever.
  const searchedBy = run !== null && args.searched ? run.layout.root : undefined;
  if (url !== null) return PostgresSource.open(url, study, { log: args.log, pollMs: args.pollMs, waitForStudy: layout !== null, searchedBy });
  if (layout !== null) return await openJournal(layout.journal, study, args);
  throw new PipelineError('Expected `--run DIR` or `--storage postgresql://user@host:port/database` (the study to show), found neither');
}

/**
 * Refuses a `--storage` or `--study` other than those run.json records: the page would show the run's
 * stages, --trials, submission and report beside the trials of another study. URLs are compared
 * without their passwords (run.json keeps none; `--storage` may give it): `sameDatabase`.
 * @throws UsageError naming the flag, the run's own value and what to do instead
 */
function refuseOtherStudy(layout: RunLayout, options: PipelineOptions, storage: string | null, study: string | null): void {
  const recorded = options.storage ?? null;
  const place = recorded === null ? `its journal (${layout.journal})` : redactUrl(recorded);
  if (storage !== null && (recorded === null || !sameDatabase(storage, recorded))) {
    throw new UsageError(
      `Expected \`--storage ${redactUrl(storage)}\` to name the storage of ${layout.root}, ${place}, found ${recorded === null ? 'a database' : 'another database'}; ` +
        "drop --storage to show the run's own study, or leave out --run to show that database's study alone",
    );
  }
  if (study !== null && study !== studyNameIn(options)) {
    const alone = recorded === null ? '' : ', or leave out --run to show that study alone';
    throw new UsageError(`${otherStudy(study, layout.root, studyNameIn(options), place)}; drop --study to show the run's own study${alone}`);
  }
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
