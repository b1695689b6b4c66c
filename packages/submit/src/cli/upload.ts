import { counted, parseArgs, runMain, UsageError } from '@digitfuse/core';
import { COMPETITION_FILES } from '@digitfuse/data';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UploadError } from '../errors';
import { runBeside, runJsonBeside, STALE_RUN_SUBMISSION, staleRunSubmission } from '../run-beside';
import { submissionTestRows } from '../test-rows';
import { competitionProblem, shellQuote, upload } from '../upload';
import { requireSubmissionFile } from '../validate-submission';
import { defaultSubmissionPath } from '../write-submission';

/** Refuses a run's own submission.csv that its run.json no longer accounts for (staleRunSubmission). */
function refuseStaleSubmission(submission: string, beside: ReturnType<typeof runBeside>): void {
  const dir = staleRunSubmission(submission, beside);
  if (dir === null) return;
  throw new UploadError(
    `Expected \`${submission}\` to be its run's current submission, found ${STALE_RUN_SUBMISSION}; ` +
      `\`digitfuse full --resume ${shellQuote(dir)}\` writes the current one (to upload this one as it is, copy it out of the run directory)`,
  );
}

/**
 * The competition folder to check a submission against: `--data`, else the data of the run the
 * submission was written by (its run.json beside it), else an error saying what to pass.
 */
function dataFolder(given: string | undefined, submission: string, beside: ReturnType<typeof runBeside>): { dir: string; what: string } {
  if (given) return { dir: resolve(given), what: `\`--data ${given}\`` };
  const dir = beside?.run.data?.dir ?? beside?.run.options?.data;
  if (dir) return { dir: resolve(dir), what: `the data folder \`${dir}\` of the run that wrote the submission (its run.json; --data DIR names another)` };
  // A flag the command needs here and was not given: a usage error. A run.json there that names no data folder (unreadable, edited) is not "no run.json".
  const runJson = existsSync(runJsonBeside(submission)) ? 'a run.json beside the submission that names no data folder' : 'no run.json beside the submission';
  throw new UsageError(
    `Expected \`--data DIR\` (the competition folder with ${COMPETITION_FILES.testImages}) to check \`${submission}\` against before uploading, found none (and ${runJson})`,
  );
}

/** `digitfuse upload --competition NAME --message MSG [--submission FILE] [--data DIR]` (`nx run submit:upload`). */
export async function main(argv: readonly string[]): Promise<void> {
  const spec = {
    name: 'digitfuse upload',
    usage: '--competition NAME --message MSG [--submission FILE] [--data DIR]',
    describe:
      'Check the submission against the test files, then submit it with the official `kaggle competitions submit` CLI when it and credentials are present; else say exactly what is missing.',
  };
  const args = await parseArgs(argv, spec, (y) =>
    y
      .option('competition', { type: 'string', demandOption: true, describe: 'Competition slug, as in its Kaggle URL' })
      .option('message', { type: 'string', demandOption: true, describe: 'Submission message' })
      .option('submission', { type: 'string', default: defaultSubmissionPath(), defaultDescription: '<workspace>/submission.csv', describe: 'The file to submit' })
      .option('data', { type: 'string', describe: 'Competition folder whose test files the submission must match (default: the data of the run that wrote it)' }),
  );
  // A bad flag is a usage error, refused before any file is read.
  const badSlug = competitionProblem(args.competition);
  if (badSlug) throw new UsageError(badSlug);
  // A mistyped --submission is the problem to name, not the --data that its missing run.json leaves unknown.
  requireSubmissionFile(args.submission);
  const beside = runBeside(args.submission);
  refuseStaleSubmission(args.submission, beside);
  const { dir: data, what } = dataFolder(args.data, args.submission, beside);
  const testRows = submissionTestRows(data, what);
  const result = upload({ competition: args.competition, message: args.message, file: args.submission, testRows });
  const command = result.plan.command.map(shellQuote).join(' ');
  if (result.uploaded) {
    process.stdout.write(`uploaded ${args.submission} (${counted(testRows, 'row')}, checked against ${data}) to ${args.competition} with the Kaggle CLI\n`);
    return;
  }
  if (result.plan.missing.length > 0) {
    throw new UploadError(`Not uploaded; missing: ${result.plan.missing.join('; ')}; then run: ${command}`);
  }
  // A CLI ended by a signal (Ctrl-C, kill) or that could not start has no status: say which.
  const ended = result.error
    ? `could not be started (${(result.error as NodeJS.ErrnoException).code ?? result.error.message})`
    : result.signal
      ? `was stopped by ${result.signal}`
      : `exited with status ${result.status}`;
  throw new UploadError(`Not uploaded: the Kaggle CLI ${ended}; command was: ${command}`);
}

if (require.main === module) runMain(main);
