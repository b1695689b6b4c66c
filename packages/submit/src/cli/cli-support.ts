import yargs, { type Argv } from 'yargs';

/** Error classes a user can cause: printed as one line without a stack trace. */
const USER_ERRORS = new Set(['DataError', 'SubmissionError', 'ModelFileError', 'ConfigError', 'BackendError', 'UsageError']);

class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parse flags strictly: an unknown flag or a bad value becomes a UsageError naming it. */
export async function parseArgs<T>(argv: readonly string[], usage: string, build: (y: Argv) => Argv<T>): Promise<T> {
  return (await build(yargs([...argv]).scriptName(usage.split(' ')[0]).usage(usage))
    .strict()
    .version(false)
    .help()
    .fail((msg, err) => {
      throw new UsageError(`${msg ?? err?.message ?? 'bad arguments'} (see --help)`);
    })
    .parse()) as T;
}

/** Run a CLI's main: a user error is one line `error: ...` and exit code 1; a bug keeps its stack. */
export function runMain(main: (argv: readonly string[]) => Promise<void>): void {
  main(process.argv.slice(2)).catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`error: ${e.message}\n`);
    if (!USER_ERRORS.has(e.name) || process.env.DIGITFUSE_DEBUG) process.stderr.write(`${e.stack ?? ''}\n`);
    process.exitCode = 1;
  });
}
