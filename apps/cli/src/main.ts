import { nearestName, parseArgs, runMain, UsageError } from '@digitfuse/core';
import { COMMANDS, type Command } from './commands';

/**
 * `digitfuse <command> [flags]`: runs the package CLI the command names with the flags after it;
 * `digitfuse <command> --help` lists that command's flags. Without a known command, lists the commands.
 */
export async function main(argv: readonly string[]): Promise<void> {
  await dispatch(argv, COMMANDS, 'digitfuse', 'Multimodal digit recognition: hyperparameter search, retraining and a Kaggle submission.');
}

async function dispatch(argv: readonly string[], commands: readonly Command[], name: string, describe: string): Promise<void> {
  const [first, ...rest] = argv;
  // `digitfuse --help train` and `digitfuse help train` are `digitfuse train --help` (yargs would show a page without its flags, or refuse `train`).
  if ((first === '--help' || first === '-h' || first === 'help') && commands.some((c) => c.name === rest[0])) {
    await dispatch([rest[0], first, ...rest.slice(1)], commands, name, describe);
    return;
  }
  const command = commands.find((c) => c.name === first);
  if (command?.run) {
    await command.run(rest);
    return;
  }
  if (command?.subcommands) {
    await dispatch(rest, command.subcommands, `${name} ${command.name}`, command.describe);
    return;
  }
  // A typo of a command (`prepocess`): yargs would call it, and every flag after it, an unknown argument.
  const near = first === undefined || first.startsWith('-') ? undefined : nearestName(first, commands.map((c) => c.name));
  if (near !== undefined) throw new UsageError(`Unknown command: ${first}; did you mean ${near}? (see --help)`);
  // No command (or an unknown one): the help lists the commands; anything else is a usage error.
  await parseArgs(argv, { name, usage: '<command> [flags]', describe }, (y) => {
    const listed = commands
      .reduce((acc, c) => acc.command(c.name, c.nxTarget ? `${c.describe} (nx run ${c.nxTarget})` : c.describe), y)
      .epilog(`Run \`${name} <command> --help\` for the flags of a command.`);
    // With arguments, strict parsing names the first unknown one; without, a command is missing.
    // A lone `--` is no argument (`digitfuse --` printed nothing and exited 0).
    return argv.every((t) => t === '--') ? listed.demandCommand(1, `Expected a command: ${commands.map((c) => c.name).join(', ')}`) : listed;
  });
}

if (require.main === module) runMain(main);
