import { startDashboard } from '../dashboard';
import { FULL_STAGES } from './full';
import { parseArgs, runMain, typedNumber, untilStopSignal, UsageError } from '@digitfuse/core';
import { STORAGE_FLAG, STUDY_FLAG, storageFlag, storageOf, studyName } from '../options';

/**
 * `--storage`: with `--run`, only the flag (the run's recorded storage is the default, DIGITFUSE_STORAGE
 * gives its password), as when a search is resumed; without `--run`, the flag or DIGITFUSE_STORAGE,
 * as for a new search.
 */
function storageArg(run: string | undefined, flag: unknown): string | null {
  return run === undefined ? storageOf(flag) : storageFlag(flag);
}

/**
 * `nx run pipeline:dashboard --run DIR | --storage URL [--study NAME] [--port N] [--host H]`: a live,
 * read-only dashboard of a run, or of a study in a PostgreSQL database, until Ctrl-C.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const describe =
    "Serve a live dashboard of a run (trials, search charts, the running trial's progress, links to the report), or of a study in PostgreSQL (--storage, --study), until Ctrl-C.";
  const args = await parseArgs(argv, { name: 'digitfuse dashboard', describe }, (y) =>
    y
      .option('run', { type: 'string', describe: 'The run directory (as written by digitfuse full or search); its study too, wherever it lives' })
      .option('storage', {
        ...STORAGE_FLAG,
        describe: "A study in PostgreSQL, postgresql://user@host:port/db, read only (default: the run's storage with --run, else DIGITFUSE_STORAGE; with --run only the run's, e.g. to give its password)",
      })
      .option('study', { ...STUDY_FLAG, describe: "Name of the study in the storage (default: the run's, else digitfuse; with --run only the run's)" })
      .option('port', { type: 'number', default: 0, describe: 'Port to serve on (default: a free one)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface to listen on; anything but 127.0.0.1 lets other machines read the run' }),
  );
  const storage = storageArg(args.run, args.storage);
  if (args.run === undefined && storage === null) {
    throw new UsageError('Expected `--run DIR` or `--storage postgresql://user@host:port/database` (or DIGITFUSE_STORAGE), found neither');
  }
  // An integer written otherwise than in digits (8080.0, 1e3) is refused, as every other integer flag refuses it.
  const typedPort = typedNumber('port');
  if (typedPort !== undefined && Number.isInteger(args.port) && !/^-?\d+$/.test(typedPort)) {
    throw new UsageError(`Expected \`--port\` to be an integer from 0 to 65535 (0: a free one) written in digits, found \`${typedPort}\``);
  }
  const log = (line: string) => process.stderr.write(line + '\n');
  const dashboard = await startDashboard({
    run: args.run ?? null,
    storage,
    study: args.study === undefined ? null : studyName(args.study),
    port: args.port,
    host: args.host,
    stages: FULL_STAGES.map(({ name, title }) => ({ name, title })),
    log,
  });
  process.stdout.write(`dashboard: ${dashboard.url}\n`);
  const { run, source } = dashboard.monitor.current;
  const study = source.kind === 'postgresql' ? `study \`${source.study}\` in ${source.place}` : null;
  const what = [run?.root, study].filter((w) => w !== undefined && w !== null).join(' and ');
  log(`watching ${what} (read-only); Ctrl-C stops the dashboard, not the ${run === null ? 'search' : 'run'}`);
  // The first Ctrl-C or SIGTERM (the binary's passing on the same one is the same stop).
  await untilStopSignal(['SIGINT', 'SIGTERM']);
  await dashboard.close();
  log('dashboard stopped');
}

if (require.main === module) runMain(main);
