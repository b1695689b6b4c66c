import { upload } from '../upload';
import { parseArgs, runMain } from './cli-support';

/** `nx run submit:upload --competition NAME --message MSG [--submission FILE]`. */
export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(argv, 'submit:upload --competition NAME --message MSG [--submission FILE]', (y) =>
    y
      .option('competition', { type: 'string', demandOption: true, describe: 'Competition slug, as in its Kaggle URL' })
      .option('message', { type: 'string', demandOption: true, describe: 'Submission message' })
      .option('submission', { type: 'string', default: 'submission.csv', describe: 'The file to submit' }),
  );
  const result = upload({ competition: args.competition, message: args.message, file: args.submission });
  const command = result.plan.command.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
  if (result.uploaded) {
    process.stdout.write(`uploaded ${args.submission} to ${args.competition} with the Kaggle CLI\n`);
    return;
  }
  if (result.plan.missing.length > 0) {
    process.stderr.write(`not uploaded; missing:\n${result.plan.missing.map((m) => `  - ${m}`).join('\n')}\nthen run:\n  ${command}\n`);
  } else {
    process.stderr.write(`not uploaded: the Kaggle CLI exited with status ${result.status}; command was:\n  ${command}\n`);
  }
  process.exitCode = 1;
}

if (require.main === module) runMain(main);
