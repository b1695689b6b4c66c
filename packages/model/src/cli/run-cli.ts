/**
 * Runs a CLI's main function: exit code 0 on success; on an error, ONE line `error: <message>` on
 * stderr and exit code 1 (set DIGITFUSE_DEBUG=1 for the stack trace).
 */
export function runCli(main: () => Promise<void>): void {
  main().then(
    () => {
      process.exitCode = 0;
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      process.stderr.write(`error: ${e.message.split('\n')[0]}\n`);
      if (process.env['DIGITFUSE_DEBUG']) process.stderr.write(`${e.stack ?? ''}\n`);
      process.exitCode = 1;
    },
  );
}
