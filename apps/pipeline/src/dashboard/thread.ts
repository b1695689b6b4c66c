import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { PipelineError } from '../errors';
import type { DashboardArgs } from './server';

/** Messages of the dashboard's worker thread. */
export type FromThread =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'stopped' }
  | { readonly type: 'error'; readonly message: string; readonly userError: boolean };
export type ToThread = { readonly type: 'finish' };

/** How long `finish` waits for the thread to stop by itself. */
const FINISH_TIMEOUT_MS = 10_000;

export interface DashboardThread {
  readonly url: string;
  /** Send the page the run's last state, stop serving, and end the thread. */
  finish(): Promise<void>;
}

/**
 * Start the dashboard in a worker thread of this process, beside a run: training keeps the main
 * thread busy for whole epochs at a time, the dashboard's own thread answers the page meanwhile.
 * The thread runs the TypeScript sources through tsx, like the CLIs.
 * @throws PipelineError when the dashboard cannot start (e.g. its port is taken)
 */
export function startDashboardThread(args: Omit<DashboardArgs, 'log'>, log: (line: string) => void): Promise<DashboardThread> {
  const entry = join(__dirname, 'thread-entry.ts');
  const tsx = require.resolve('tsx/cjs/api', { paths: [__dirname] });
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`;
  const worker = new Worker(code, { eval: true, workerData: args, stdout: false, stderr: false });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let started = false;
    worker.on('error', (err) => (started ? log(`dashboard: ${err.message}`) : reject(err)));
    worker.on('message', (message: FromThread) => {
      if (message.type === 'log') log(message.line);
      else if (message.type === 'error') {
        if (started) log(`dashboard: ${message.message}`);
        else reject(message.userError ? new PipelineError(message.message) : new Error(message.message));
      } else if (message.type === 'ready') {
        started = true;
        resolve({
          url: message.url,
          async finish() {
            worker.postMessage({ type: 'finish' } satisfies ToThread);
            // The thread ends by itself once it has stopped; one that hangs is ended after a while.
            const timer = setTimeout(() => void worker.terminate(), FINISH_TIMEOUT_MS);
            await exited;
            clearTimeout(timer);
          },
        });
      }
    });
    exited.then(() => {
      if (!started) reject(new Error('the dashboard thread ended before it started'));
    });
  });
}
