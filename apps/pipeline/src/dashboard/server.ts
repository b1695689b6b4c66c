import Fastify from 'fastify';
import { UsageError } from '@digitfuse/core';
import { isIP } from 'node:net';
import { PipelineError } from '../errors';
import type { PipelineOptions } from '../options';
import { openRun, type RunLayout } from '../run-artifacts';
import { openStudySource } from './open-study-source';
import { answerFrameworkError, registerRoutes } from './routes';
import { RunMonitor } from './run-monitor';
import type { StageInfo } from './types';

export interface DashboardArgs {
  /** The run directory (with run.json); null or absent for a study shown alone (`storage`). */
  readonly run?: string | null;
  /**
   * The study's PostgreSQL database, `postgresql://user[:password]@host:port/db` (the password is
   * never shown). Default: the storage the run recorded, else the run's journal.
   */
  readonly storage?: string | null;
  /** The study's name. Default: the run's, else `digitfuse`. */
  readonly study?: string | null;
  /**
   * Set by the process that runs the run (`full --dashboard`): `storage` and `study` are the run's as
   * that process runs it, which run.json may not record yet (a resume that moves the run to another
   * study). Without it they must be those run.json records, and a study missing once the run's search
   * has finished is an error, not waited for. Default: false.
   */
  readonly besideRun?: boolean;
  /** Milliseconds between two reads of a database. Default: 500. */
  readonly pollMs?: number;
  /** Port to listen on. Default: 0, a free one. */
  readonly port?: number;
  /** Interface to listen on. Default: 127.0.0.1 (this machine only). */
  readonly host?: string;
  /** The pipeline's stages in order, for the stage list. Default: only those run.json records. */
  readonly stages?: readonly StageInfo[];
  /** Receives warnings. Default: stderr. */
  readonly log?: (line: string) => void;
}

export interface Dashboard {
  /** Where the page is, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  readonly monitor: RunMonitor;
  /** The run has ended: send the page a last snapshot marked ended, then stop. */
  finish(): Promise<void>;
  /** Stop serving. */
  close(): Promise<void>;
}

/** Why `host` cannot be an address to listen on, before trying it; null when it may be one. */
function hostProblem(host: unknown): string | null {
  if (typeof host !== 'string' || host.trim() === '') return 'an empty one';
  if (isIP(host) !== 0) return null;
  if (/^[\d.]+$/.test(host)) return 'not an IPv4 address';
  if (host.includes(':')) return 'not an IPv6 address';
  return /^[a-z\d]([a-z\d-]*[a-z\d])?(\.[a-z\d]([a-z\d-]*[a-z\d])?)*\.?$/i.test(host) ? null : 'not an address or a host name';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** `http://host:port/` with an IPv6 address in brackets; a wildcard address is shown as 127.0.0.1. */
function urlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}/`;
}

/**
 * Serve the live dashboard of a run, or of a study in a database (fastify): the page, its data as
 * JSON and server-sent events, and the run's report and submission. Read-only; on 127.0.0.1 unless
 * `host` says otherwise (then a warning is logged).
 * @throws UsageError for a bad port or host (not a number in range, not an address or a name), or a
 * `storage` or `study` other than the run's;
 * PipelineError for a folder without run.json, an unknown study, neither a run nor a storage, a port
 * already in use or a host this machine cannot listen on; StorageError for a database that cannot be read.
 */
export async function startDashboard(args: DashboardArgs): Promise<Dashboard> {
  const { port = 0, host = '127.0.0.1', stages = [], log = (line: string) => process.stderr.write(line + '\n') } = args;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`Expected \`--port\` to be an integer from 0 to 65535 (0: a free one), found \`${String(port)}\``);
  }
  const badHost = hostProblem(host);
  if (badHost !== null) throw new UsageError(`Expected \`--host\` to be an IP address or a host name of this machine, found \`${String(host)}\` (${badHost})`);
  let layout: RunLayout | null = null;
  let options: PipelineOptions | null = null;
  let searched = false;
  if (args.run !== undefined && args.run !== null) {
    // One line for a missing folder, a file, no run.json or one that is not a digitfuse run's.
    const run = openRun<PipelineOptions>(args.run, '--run');
    layout = run.layout;
    options = run.state.options;
    searched = run.state.stages.search !== undefined;
  }
  const source = await openStudySource({
    layout,
    options,
    searched,
    besideRun: args.besideRun,
    storage: args.storage ?? null,
    study: args.study ?? null,
    log,
    pollMs: args.pollMs,
  });
  const monitor = new RunMonitor({ layout, source, stages, log });
  try {
    await monitor.start();
  } catch (err) {
    await monitor.close();
    await monitor.dispose();
    throw err;
  }

  const app = Fastify({ logger: false, forceCloseConnections: true, return503OnClosing: true, frameworkErrors: answerFrameworkError });
  let allowedHosts = new Set<string>();
  if (LOOPBACK.has(host)) {
    // A page on another site cannot read this one through a host name it points at 127.0.0.1 (DNS rebinding).
    app.addHook('onRequest', async (request, reply) => {
      if (!allowedHosts.has(String(request.headers.host))) return reply.code(403).type('text/plain').send('Forbidden host');
    });
  }
  await registerRoutes(app, monitor, layout);
  try {
    await app.listen({ port, host });
  } catch (err) {
    await monitor.close();
    await monitor.dispose();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new PipelineError(`Expected port ${port} on ${host} to be free, but another program listens there; choose another --port or leave it out for a free one`);
    if (code === 'EADDRNOTAVAIL') throw new PipelineError(`Expected \`--host ${host}\` to be an address of this machine, but none of its interfaces has it (EADDRNOTAVAIL)`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
      throw new PipelineError(`Expected \`--host ${host}\` to be an address of this machine, but the name does not resolve (${code})`);
    }
    if (code === 'EACCES') throw new PipelineError(`Expected to be allowed to listen on port ${port} of ${host}, found it refused (EACCES: ports below 1024 need administrator rights); choose another --port`);
    throw err;
  }
  const address = app.server.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  const url = urlOf(host, actual);
  allowedHosts = new Set([`127.0.0.1:${actual}`, `localhost:${actual}`, `[::1]:${actual}`]);
  if (!LOOPBACK.has(host)) {
    const what = layout === null ? "this study's trials" : "this run's trials, report and submission";
    log(`warning: the dashboard listens on ${host}, not only on this machine: anyone who can reach port ${actual} can read ${what}`);
  }

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await monitor.close();
    await app.close();
    await monitor.dispose();
  };
  return {
    url,
    monitor,
    async finish() {
      if (closed) return;
      await monitor.finish(); // the page's event streams get the last snapshot and `end`
      await close();
    },
    close,
  };
}
