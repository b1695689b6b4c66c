import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { basename, dirname } from 'node:path';
import type { RunLayout } from '../run-artifacts';
import { ASSETS_DIR, FORMAT_PARAM_JS, vendorFiles } from './assets';
import { relativeToRun, resolveRunFile } from './run-files';
import type { RunMonitor } from './run-monitor';
import type { DashboardSnapshot } from './types';

/** The page runs only its own scripts and talks only to this server. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** A run's files (report.html: inline style, embedded figures) run no script at all. */
const RUN_FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox; frame-ancestors 'none'";

/** Seconds between keep-alive comments on an idle event stream. */
const PING_SECONDS = 15;

/**
 * The dashboard's routes, all read-only:
 * - `/` and the page's assets; `/format-param.js`: the report's formatting of parameter values;
 *   `/vendor/<file>`: vega, vega-lite, vega-embed from node_modules;
 * - `/api/snapshot`: the run as JSON (`DashboardSnapshot`); `/api/events`: the same, pushed as
 *   server-sent events whenever the run changes (`event: end` when the run has ended);
 * - `/run/<file>`: the run's report and outputs (`resolveRunFile`), nothing else (and nothing at all
 *   for a study shown without its run: `layout` null).
 */
export async function registerRoutes(app: FastifyInstance, monitor: RunMonitor, layout: RunLayout | null): Promise<void> {
  app.addHook('onSend', async (request, reply, payload) => {
    protect(request, reply);
    return payload;
  });

  // Only the files present at start are routed (no wildcard: nothing else in the folder is reachable).
  await app.register(fastifyStatic, { root: ASSETS_DIR, prefix: '/', wildcard: false, index: ['index.html'], dotfiles: 'deny' });

  app.get('/format-param.js', (_request, reply) => reply.sendFile(basename(FORMAT_PARAM_JS), dirname(FORMAT_PARAM_JS)));

  const vendor = vendorFiles();
  app.get<{ Params: { file: string } }>('/vendor/:file', (request, reply) => {
    const file = vendor.get(request.params.file);
    if (file === undefined) return reply.code(404).type('text/plain').send('Not found');
    return reply.sendFile(basename(file), dirname(file));
  });

  // `sentAt`: the server's clock as the snapshot leaves (it may have been built a while before).
  app.get('/api/snapshot', async (): Promise<DashboardSnapshot> => ({ ...monitor.current, sentAt: Date.now() }));

  app.get('/api/events', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    const send = (snapshot: DashboardSnapshot) => {
      // JSON has no raw line breaks, so one `data:` line carries it.
      res.write(`event: snapshot\ndata: ${JSON.stringify({ ...snapshot, sentAt: Date.now() })}\n\n`);
      if (snapshot.ended) res.end('event: end\ndata: {}\n\n');
    };
    res.write('retry: 2000\n\n');
    const unsubscribe = monitor.subscribe(send);
    const ping = setInterval(() => res.write(': ping\n\n'), PING_SECONDS * 1000);
    res.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
    send(monitor.current);
  });

  app.get<{ Params: { '*': string } }>('/run/*', (request, reply) => {
    const real = layout === null ? null : resolveRunFile(layout.root, request.params['*']);
    if (layout === null || real === null) return reply.code(404).type('text/plain').send('Not found');
    const { root, path } = relativeToRun(layout.root, real);
    if (path.endsWith('.csv')) reply.header('Content-Disposition', `attachment; filename="${basename(path)}"`);
    return reply.sendFile(path, root);
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain').send('Not found'));
  app.setErrorHandler((err, _request, reply) => {
    answerError(err, reply);
  });
}

/** The headers of every answer: no sniffing, no referrer, this site only, no caching, and the page's or the run files' CSP. */
function protect(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Referrer-Policy', 'no-referrer');
  reply.header('Cross-Origin-Resource-Policy', 'same-origin');
  reply.header('Content-Security-Policy', request.url.startsWith('/run/') ? RUN_FILE_CSP : PAGE_CSP);
  reply.header('Cache-Control', 'no-store');
}

/** An error as the dashboard answers it: its status, in plain text (`Bad request` or `Internal error`), never its message. */
function answerError(err: unknown, reply: FastifyReply): void {
  const code = (err as { statusCode?: number }).statusCode ?? 500;
  reply.code(code >= 400 && code < 600 ? code : 500).type('text/plain').send(code < 500 ? 'Bad request' : 'Internal error');
}

/**
 * Fastify's `frameworkErrors`: what it meets before any route, a malformed URL such as `/%ZZ`
 * (FST_ERR_BAD_URL) among them, answered as the routes' errors are (with their headers: no hook runs
 * for it), not as fastify's JSON.
 */
export function answerFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  protect(request, reply);
  answerError(err, reply);
}
