import { spawnSync } from 'node:child_process';
import { isWorkerDead, isWorkerGone, THIS_WORKER } from './worker-info';

/** The pid of a process that has ended. */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());

describe('isWorkerGone() and isWorkerDead()', () => {
  it('a worker on this machine whose process has ended is gone and dead', () => {
    const worker = { host: THIS_WORKER.host, pid: deadPid(), id: 'ended' };
    expect(isWorkerGone(worker)).toBe(true);
    expect(isWorkerDead(worker)).toBe(true);
  });

  it('a worker on another machine is neither: only its heartbeat can tell', () => {
    const worker = { host: `${THIS_WORKER.host}-elsewhere`, pid: deadPid(), id: 'far' };
    expect(isWorkerGone(worker)).toBe(false);
    expect(isWorkerDead(worker)).toBe(false);
  });

  it("this process's pid with another id (a reader in a thread beside the trials' process) is not gone, though a study judges it dead", () => {
    const worker = { host: THIS_WORKER.host, pid: process.pid, id: 'another-module-copy' };
    expect(isWorkerGone(worker)).toBe(false);
    expect(isWorkerDead(worker)).toBe(true);
    expect(isWorkerGone(THIS_WORKER)).toBe(false);
  });
});
