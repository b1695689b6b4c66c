import { parseArgs, runMain } from '@digitfuse/core';
import { UploadError } from '../errors';
import { shellQuote, upload } from '../upload';

/** `digitfuse upload --competition NAME --message MSG [--submission FILE]` (`nx run submit:upload`). */
export async function main(argv: readonly string[]): Promise<void> {
  const spec = {
    name: 'digitfuse upload',
    usage: '--competition NAME --message MSG [--submission FILE]',
    describe: 'Submit with the official `kaggle competitions submit` CLI when it and credentials are present; else say exactly what is missing.',
  };
  const args = await parseArgs(argv, spec, (y) =>
    y
      .option('competition', { type: 'string', demandOption: true, describe: 'Competition slug, as in its Kaggle URL' })
      .option('message', { type: 'string', demandOption: true, describe: 'Submission message' })
      .option('submission', { type: 'string', default: 'submission.csv', describe: 'The file to submit' }),
  );
  const result = upload({ competition: args.competition, message: args.message, file: args.submission });
  const command = result.plan.command.map(shellQuote).join(' ');
  if (result.uploaded) {
    process.stdout.write(`uploaded ${args.submission} to ${args.competition} with the Kaggle CLI\n`);
    return;
  }
  if (result.plan.missing.length > 0) {
    throw new UploadError(`Not uploaded; missing: ${result.plan.missing.join('; ')}; then run: ${command}`);
  }
  throw new UploadError(`Not uploaded: the Kaggle CLI exited with status ${result.status}; command was: ${command}`);
}

if (require.main === module) runMain(main);
