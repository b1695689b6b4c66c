import { shellQuote } from '@digitfuse/core';
import { counted, parseArgs, runMain } from '@digitfuse/core';
import { resolve } from 'node:path';
import { runBeside, STALE_RUN_SUBMISSION, staleRunSubmission } from '../run-beside';
import { submissionTestRows } from '../test-rows';
import { validateSubmission } from '../validate-submission';

/** `digitfuse validate --submission FILE --data DIR` (`nx run submit:validate`): check a submission against the test files. */
export async function main(argv: readonly string[]): Promise<void> {
  const spec = { name: 'digitfuse validate', usage: '--submission FILE --data DIR', describe: 'Check a submission against the test files: header, rows, row ids, labels.' };
  const args = await parseArgs(argv, spec, (y) =>
    y
      .option('submission', { type: 'string', demandOption: true, describe: 'The submission.csv to check' })
      .option('data', { type: 'string', demandOption: true, describe: 'Folder with x_test_wr.npy (gives the number of test rows)' }),
  );
  const testRows = submissionTestRows(resolve(args.data), `\`--data ${args.data}\``);
  const summary = validateSubmission(args.submission, testRows);
  // Valid, but perhaps not the run's (upload refuses it): said, so that it is not taken for the current one.
  const stale = staleRunSubmission(args.submission, runBeside(args.submission));
  if (stale !== null) {
    process.stderr.write(`warning: \`${args.submission}\` is not its run's current submission: ${STALE_RUN_SUBMISSION.replace('recording', 'records')}; \`digitfuse full --resume ${shellQuote(stale)}\` writes the current one\n`);
  }
  process.stdout.write(`${args.submission}: valid (${counted(summary.rows, 'row')}, rows predicted as each digit 0-9: ${summary.labelCounts.join('/')})\n`);
}

if (require.main === module) runMain(main);
