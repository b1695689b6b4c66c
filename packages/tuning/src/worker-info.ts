import { processAlive } from '@digitfuse/core';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import type { WorkerInfo } from './trial-state';

/**
 * This process, as recorded on the trials it runs. DIGITFUSE_WORKER_HOST overrides the host name
 * (containers that share a host name, or a test playing another machine).
 */
export const THIS_WORKER: WorkerInfo = Object.freeze({ host: process.env.DIGITFUSE_WORKER_HOST || os.hostname(), pid: process.pid, id: randomUUID() });

/**
 * Whether the process behind `worker` is known to be dead: it ran on this host and its pid is gone
 * or a zombie (ended, not reaped), or the pid is ours but the id is not (an earlier process had our
 * pid). Workers on other hosts are never "known dead"; their trials fail by heartbeat timeout instead.
 */
export function isWorkerDead(worker: WorkerInfo): boolean {
  if (worker.host !== THIS_WORKER.host) return false;
  if (worker.pid === THIS_WORKER.pid) return worker.id !== THIS_WORKER.id;
  return !processAlive(worker.pid);
}

/**
 * Whether the process behind `worker` ran on this host and is gone (or a zombie). Unlike
 * {@link isWorkerDead}, a worker with this process's pid counts as alive: for a reader in a thread of
 * the process that runs the trials (a dashboard beside a run), whose module copy has another id.
 */
export function isWorkerGone(worker: WorkerInfo): boolean {
  return worker.host === THIS_WORKER.host && worker.pid !== process.pid && !processAlive(worker.pid);
}
