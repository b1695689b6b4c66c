/**
 * The environment variable through which a digitfuse process tells a process it starts its own pid
 * (the `digitfuse` binary its program, a run its search workers and the process beside the retraining).
 */
export const PARENT_PID_ENV = 'DIGITFUSE_PARENT_PID';

/** What to add to the environment of a process this one starts, so that it ends with this one ({@link endWithParent}). */
export const parentPidEnv = (): Record<string, string> => ({ [PARENT_PID_ENV]: String(process.pid) });

/**
 * A process started by a digitfuse process ({@link PARENT_PID_ENV} names its parent) stops as on
 * SIGTERM once that parent is gone without stopping it: killed outright (SIGKILL, the out-of-memory
 * killer), it had no time to. Without this a run's workers trained on for the dead run, and the
 * program of a killed `digitfuse` binary went on unseen. The parent is looked at every `intervalMs`
 * (its pid changes to whoever adopts the orphan); a process the variable does not name the parent of
 * (a user's own `node main.ts`, under `nohup` after its shell ended) is left alone. The check keeps
 * no process alive.
 */
export function endWithParent(intervalMs = 1000, env: NodeJS.ProcessEnv = process.env): void {
  const parent = env[PARENT_PID_ENV];
  if (parent === undefined || parent !== String(process.ppid)) return;
  const timer = setInterval(() => {
    if (String(process.ppid) === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, intervalMs);
  timer.unref();
}
