import { UsageError, UserError } from '../errors';
import { redactCredentials } from '../redact-credentials';
import { endWithParent } from './end-with-parent';
import { HelpShown } from './parse-args';

/**
 * Runs a command at the process edge and returns its exit code:
 * - 0 when `main` resolves (or printed `--help`);
 * - 2 for a {@link UsageError} (unknown flag, bad value), printed as one line `error: <message>`;
 * - 1 for any other {@link UserError} (bad file, configuration...), one line `error: <message>`;
 * - 1 for anything else: a bug, printed as `error: <message>` and its stack trace.
 * No URL's password is printed ({@link redactCredentials}), and a message is printed with its control
 * characters escaped (`\x00`, `\x1b`): one that quotes a file's bytes never writes NULs or terminal
 * escape sequences.
 * With `DEBUG=digitfuse` (or `DIGITFUSE_DEBUG=1`) every error also prints its stack trace.
 */
export async function runCli(main: () => Promise<unknown>, write: (text: string) => void = writeStderr): Promise<number> {
  try {
    await main();
    return 0;
  } catch (err) {
    return reportError(err, write);
  }
}

/** Prints `err` as {@link runCli} does and returns the exit code it stands for. */
export function reportError(err: unknown, write: (text: string) => void = writeStderr): number {
  if (err instanceof HelpShown) return 0;
  const e = err instanceof Error ? err : new Error(String(err));
  const user = e instanceof UserError;
  // No URL's password, whatever echoed it (the command line's are left out where they are echoed, parseArgs).
  write(`error: ${escapeControls(redactCredentials(user ? oneLine(e.message) : e.message))}\n`);
  if (!user || debugEnabled()) write(`${escapeControls(redactCredentials(e.stack ?? e.message))}\n`);
  if (e instanceof UsageError) return 2;
  return 1;
}

/**
 * The entry-point guard of every CLI module: `if (require.main === module) runMain(main)`. Runs
 * `main` with the process's arguments through {@link runCli}, then exits with its code once stdout
 * and stderr are flushed (without waiting for timers or worker threads a library left running).
 * Where the reader of its output is gone (`| head -1`), it ends there quietly, with status 141, as
 * Unix tools do (a long run calls {@link outliveClosedOutput} to go on instead). Started by a digitfuse
 * process, it stops as on SIGTERM when that process is killed outright ({@link endWithParent}).
 * `write` takes the error line instead of stderr (a worker process prefixes its lines).
 */
export function runMain(
  main: (argv: readonly string[]) => Promise<unknown>,
  argv: readonly string[] = process.argv.slice(2),
  /** Where the error line goes. Default: stderr. */
  write: (text: string) => void = writeStderr,
): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', endAtClosedOutput);
  // Started by a digitfuse process that is killed outright: stop with it.
  endWithParent();
  void runCli(() => main(argv), write).then((code) => {
    process.exitCode = code;
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}

/**
 * A command whose reader is gone (`digitfuse studies ... | head -1`) ends there, quietly, as Unix
 * tools do, with the status of one that SIGPIPE ended (128 + 13): Node printed the EPIPE's stack
 * trace. Another write error of stdout or stderr is thrown, as Node would.
 */
function endAtClosedOutput(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(141);
  throw err;
}

/** A write error of stdout or stderr, dropped: the stream is closed, and the lines after it go nowhere. */
const dropOutput = (): undefined => undefined;

/**
 * Lets a long command (a run of `full` or `search`, and the processes it starts) outlive its stdout
 * and stderr: once their reader is gone (`digitfuse full ... 2>&1 | head -3`, a terminal that was
 * closed, a log file's disk that filled up), the lines still to print there are dropped, while the
 * run goes on writing its files and ends with the exit code it would have had. Without it Node ends
 * the process (an unhandled 'error' event: EPIPE, EIO) at the first line printed after the reader
 * left, in the middle of a stage. A short command keeps the Unix way: it ends there ({@link runMain}).
 */
export function outliveClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.off('error', endAtClosedOutput);
    if (!stream.listeners('error').includes(dropOutput)) stream.on('error', dropOutput);
  }
}

/** Whether stack traces are wanted for every error: `DEBUG=digitfuse` (or `*`, `digitfuse:*`) or `DIGITFUSE_DEBUG=1`. */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.DIGITFUSE_DEBUG && env.DIGITFUSE_DEBUG !== '0') return true;
  return (env.DEBUG ?? '').split(/[\s,]+/).some((ns) => ns === '*' || /^digitfuse(:.*|\*)?$/.test(ns));
}

const oneLine = (message: string): string => message.replace(/\s*\n\s*/g, ' ').trim();

/** `text` with every control character but the line break and tab written as `\xNN` (`\u2028` for the two Unicode line separators). */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

function writeStderr(text: string): void {
  process.stderr.write(text);
}
