/** Test helpers: raw HTTP requests (paths sent exactly as given) and a server-sent-events reader. */
import { request, type IncomingMessage } from 'node:http';
import type { DashboardSnapshot } from '../types';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** GET `path` as written (no normalisation of `..` or percent escapes), with an optional Host header. */
export function rawGet(url: string, path: string, host?: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers: host ? { host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An open `/api/events` stream: the snapshots received so far, and a way to wait for one. */
export interface EventStream {
  readonly snapshots: DashboardSnapshot[];
  readonly ended: () => boolean;
  /** The first snapshot (already received or to come) that satisfies `test`. */
  waitFor(test: (s: DashboardSnapshot) => boolean, timeoutMs: number): Promise<DashboardSnapshot>;
  close(): void;
}

export function openEvents(url: string): Promise<EventStream> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: '/api/events', method: 'GET' }, (res) => {
      const snapshots: DashboardSnapshot[] = [];
      const waiters = new Set<() => void>();
      let ended = false;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === 'snapshot' && data) snapshots.push(JSON.parse(data) as DashboardSnapshot);
          if (event === 'end') ended = true;
        }
        for (const w of waiters) w();
      });
      resolve({
        snapshots,
        ended: () => ended,
        waitFor(test, timeoutMs) {
          return new Promise((ok, fail) => {
            const check = () => {
              const found = snapshots.find(test);
              if (found === undefined) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok(found);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching snapshot within ${timeoutMs} ms (${snapshots.length} received)`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
