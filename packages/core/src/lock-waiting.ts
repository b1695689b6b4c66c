import { lockSync } from 'proper-lockfile';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

export interface WaitingLockOptions {
  /** The lock folder. Default: `<path>.lock`. */
  readonly lockfilePath?: string;
  /** A lock whose holder stopped refreshing it this long ago (it crashed) is broken (minimum 2000). */
  readonly staleMs: number;
  /** How long to wait while another process holds the lock. */
  readonly waitMs: number;
}

/**
 * proper-lockfile's `lockSync` on `path`, tried again with a short random back-off while another
 * process holds the lock, for at most `waitMs`: returns the function that releases it, or null when
 * the lock stayed held all that time. Other errors (a folder one may not write in) are thrown as they are.
 */
export function lockSyncWaiting(path: string, options: WaitingLockOptions): (() => void) | null {
  const deadline = Date.now() + options.waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return lockSync(path, { realpath: false, stale: options.staleMs, ...(options.lockfilePath !== undefined ? { lockfilePath: options.lockfilePath } : {}) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (Date.now() > deadline) return null;
      Atomics.wait(sleepCell, 0, 0, Math.min(50, 2 + attempt) * (0.5 + Math.random()));
    }
  }
}
