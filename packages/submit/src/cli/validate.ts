import { parseArgs, runMain } from '@digitfuse/core';
import { COMPETITION_FILES, readNpy, requireDataDir } from '@digitfuse/data';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SubmissionError } from '../errors';
import { validateSubmission } from '../validate-submission';

/** `digitfuse validate --submission FILE --data DIR` (`nx run submit:validate`): check a submission against the test files. */
export async function main(argv: readonly string[]): Promise<void> {
  const spec = { name: 'digitfuse validate', usage: '--submission FILE --data DIR', describe: 'Check a submission against the test files: header, rows, row ids, labels.' };
  const args = await parseArgs(argv, spec, (y) =>
    y
      .option('submission', { type: 'string', demandOption: true, describe: 'The submission.csv to check' })
      .option('data', { type: 'string', demandOption: true, describe: 'Folder with x_test_wr.npy (gives the number of test rows)' }),
  );
  requireDataDir(resolve(args.data));
  const testImages = join(resolve(args.data), COMPETITION_FILES.testImages);
  if (!existsSync(testImages)) {
    throw new SubmissionError(`Expected \`--data ${args.data}\` to hold ${COMPETITION_FILES.testImages} (its rows are the submission's), found no such file`, testImages);
  }
  const { shape } = readNpy(testImages);
  const summary = validateSubmission(args.submission, shape[0]);
  process.stdout.write(`${args.submission}: valid (${summary.rows} rows, rows predicted as each digit 0-9: ${summary.labelCounts.join('/')})\n`);
}

if (require.main === module) runMain(main);
