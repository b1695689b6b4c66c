import yargs, { type Argv } from 'yargs';
import { PipelineError } from '../errors';

/** Error classes a user can cause (bad files, flags, configs): printed as one line, no stack trace. */
const USER_ERRORS = new Set([
  'DataError',
  'ConfigError',
  'PipelineError',
  'SubmissionError',
  'BackendError',
  'TuningError',
  'ModelFileError',
]);

/** Print an error for people: one line for user errors; the stack only for bugs (or with DIGITFUSE_DEBUG=1). */
export function reportError(err: unknown, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): void {
  const e = err instanceof Error ? err : new Error(String(err));
  if (USER_ERRORS.has(e.name) && !process.env.DIGITFUSE_DEBUG) {
    write(`error: ${e.message}`);
    return;
  }
  write(`error: ${e.message}`);
  write(process.env.DIGITFUSE_DEBUG ? String(e.stack) : '(unexpected error; run with DIGITFUSE_DEBUG=1 for the stack trace)');
}

/**
 * Parse flags with yargs (strict: unknown flags and bad values are refused with a clear line) and run
 * `body`; returns the process exit code. Nx passes flags through as `--name=value`.
 */
export async function runCli<T>(
  argv: readonly string[],
  name: string,
  describe: string,
  build: (y: Argv) => Argv<T>,
  body: (args: T) => Promise<void>,
): Promise<number> {
  let failure: string | null = null;
  // No camel-case copies of flags: an unknown `--bogus-flag` is reported once, not also as `bogusFlag`.
  const parser = build(yargs([...argv]).parserConfiguration({ 'camel-case-expansion': false }))
    .scriptName(name)
    .usage(`$0 [options]\n\n${describe}`)
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    .fail((msg, err) => {
      failure = msg || (err ? err.message : 'bad arguments');
    });
  let args: T;
  try {
    args = (await parser.parse()) as T;
  } catch (err) {
    failure ??= (err as Error).message;
    args = undefined as T;
  }
  if (failure) {
    process.stderr.write(`error: ${failure} (see --help)\n`);
    return 2;
  }
  if ((args as { help?: boolean }).help || argv.includes('--help') || argv.includes('-h')) return 0;
  try {
    await body(args);
    return 0;
  } catch (err) {
    reportError(err);
    return 1;
  }
}

/** Run a CLI's main and exit with its code (call under `require.main === module`). */
export function exitWith(code: Promise<number>): void {
  const exit = (c: number) => process.stdout.write('', () => process.stderr.write('', () => process.exit(c)));
  code.then(exit, (err) => {
    reportError(err);
    exit(1);
  });
}

export { PipelineError };
