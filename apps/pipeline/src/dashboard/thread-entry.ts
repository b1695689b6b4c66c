/**
 * The dashboard's worker thread (started by `startDashboardThread`): serves the run given in
 * `workerData` until the main thread posts `finish`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '@digitfuse/core';
import { startDashboard, type DashboardArgs } from './server';
import type { FromThread, ToThread } from './thread';

const port = parentPort;
if (port === null) throw new Error('thread-entry.ts runs only as a worker thread');
const post = (message: FromThread) => port.postMessage(message);
const args = workerData as Omit<DashboardArgs, 'log'>;

startDashboard({ ...args, log: (line) => post({ type: 'log', line }) }).then(
  (dashboard) => {
    port.on('message', (message: ToThread) => {
      if (message.type !== 'finish') return;
      dashboard
        .finish()
        .then(
          () => post({ type: 'stopped' }),
          (err: unknown) => post({ type: 'error', message: (err as Error).message, userError: false }),
        )
        .finally(() => port.close());
    });
    post({ type: 'ready', url: dashboard.url });
  },
  (err: unknown) => {
    post({ type: 'error', message: (err as Error).message, userError: err instanceof UserError });
    port.close();
  },
);
