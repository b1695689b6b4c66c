import yargs, { type Argv } from 'yargs';
import { DataError } from '../errors';

/**
 * Runs a CLI's main function at the process edge: a user error (DataError, bad flag) becomes one
 * line on stderr and exit code 1; anything else is a bug and keeps its stack trace.
 */
export async function runCli(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof DataError || err instanceof UsageError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

/** A bad command line (unknown flag, bad value). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A strict yargs parser for `argv` whose failures throw {@link UsageError} instead of printing help. */
export function cliParser(argv: readonly string[], usage: string): Argv {
  return yargs([...argv])
    .scriptName(usage.split(' ')[0])
    .usage(usage)
    .strict()
    .version(false)
    .help()
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      throw new UsageError(`${msg ?? err?.message ?? 'bad arguments'} (see --help)`);
    });
}

/** Throws a UsageError unless `value` is a positive integer. */
export function positiveInt(value: number, flag: string, allowZero = false): number {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new UsageError(`Expected --${flag} to be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`);
  }
  return value;
}
