import { startDashboard } from '../dashboard';
import { FULL_STAGES } from './full';
import { parseArgs, runMain } from '@digitfuse/core';

/** Resolves on the first Ctrl-C (SIGINT) or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `nx run pipeline:dashboard --run DIR [--port N] [--host H]`: a live, read-only dashboard of a run, until Ctrl-C. */
export async function main(argv: readonly string[]): Promise<void> {
  const describe = "Serve a live dashboard of a run (trials, search charts, the running trial's progress, links to the report) until Ctrl-C.";
  const args = await parseArgs(argv, { name: 'digitfuse dashboard', describe }, (y) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'The run directory (as written by digitfuse full)' })
      .option('port', { type: 'number', default: 0, describe: 'Port to serve on (default: a free one)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface to listen on; anything but 127.0.0.1 lets other machines read the run' }),
  );
  const log = (line: string) => process.stderr.write(line + '\n');
  const dashboard = await startDashboard({
    run: args.run,
    port: args.port,
    host: args.host,
    stages: FULL_STAGES.map(({ name, title }) => ({ name, title })),
    log,
  });
  process.stdout.write(`dashboard: ${dashboard.url}\n`);
  log(`watching ${dashboard.monitor.current.run.root} (read-only); Ctrl-C stops the dashboard, not the run`);
  await untilStopped();
  await dashboard.close();
  log('dashboard stopped');
}

if (require.main === module) runMain(main);
