import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** What upload and validate read of the run.json of the run that wrote a submission. */
export interface RunBeside {
  readonly data?: { readonly dir?: string };
  readonly options?: { readonly data?: string | null };
  readonly stages?: Record<string, unknown>;
}

/** Where the run.json of the run that wrote `submission` lies: beside it. */
export const runJsonBeside = (submission: string): string => join(dirname(resolve(submission)), 'run.json');

/** The run.json beside `submission` (the run that wrote it), or null when there is none or it cannot be read. */
export function runBeside(submission: string): { readonly dir: string; readonly run: RunBeside } | null {
  const state = runJsonBeside(submission);
  const dir = dirname(state);
  if (!existsSync(state)) return null;
  let run: unknown;
  try {
    run = JSON.parse(readFileSync(state, 'utf8'));
  } catch {
    return null; // not a run.json we can read
  }
  // A run.json edited by hand or cut short (`null`, `[]`, a data folder that is no string) is no run's: what it says is not used.
  if (typeof run !== 'object' || run === null || Array.isArray(run)) return null;
  const { data, options, stages } = run as Record<string, unknown>;
  const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    dir,
    run: {
      data: { dir: text(field(data, 'dir')) },
      options: { data: text(field(options, 'data')) },
      stages: typeof stages === 'object' && stages !== null && !Array.isArray(stages) ? (stages as Record<string, unknown>) : undefined,
    },
  };
}

/** What a stale run submission is found to be, for the messages. */
export const STALE_RUN_SUBMISSION =
  "run.json recording no finished predict stage (the file is from before the run's search went on or its later stages were redone)";

/**
 * The run directory of a run's own submission.csv that its run.json no longer accounts for, else
 * null: the run's search went on (a larger `--trials` or `--budget` on resume) or a stage before the
 * predict stage is to run again (its files were deleted) since the file was written, and the predict
 * stage that replaces it has not run yet.
 */
export function staleRunSubmission(submission: string, beside: ReturnType<typeof runBeside>): string | null {
  if (!beside || basename(submission) !== 'submission.csv' || !beside.run.stages || beside.run.stages.predict) return null;
  return beside.dir;
}
