import { spawn, type ChildProcess } from 'node:child_process';
import { ConfigError } from './errors';

export interface SpawnWorkersOptions {
  /** Number of worker processes. Required, >= 1. */
  readonly count: number;
  /** Executable to start, e.g. `process.execPath` (node) or 'npx'. Required. */
  readonly command: string;
  /** Arguments of every worker; a function gets the worker index (0-based). Default: []. */
  readonly args?: readonly string[] | ((index: number) => readonly string[]);
  /** Extra environment; each worker also gets TUNING_WORKER_INDEX and TUNING_WORKER_COUNT. Default: {}. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. Default: the current one. */
  readonly cwd?: string;
  /** 'inherit' (default) shares this terminal; 'pipe' collects each worker's output. */
  readonly stdio?: 'inherit' | 'pipe' | 'ignore';
  /** Called as each worker exits (before the run resolves), e.g. to fail the trials of one killed outright. Default: none. */
  readonly onExit?: (exit: WorkerExit) => void;
}

export interface WorkerExit {
  readonly index: number;
  readonly pid: number | undefined;
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Collected stdout + stderr with stdio 'pipe'. */
  readonly output: string;
  /** Why it could not be started (spawn's error, e.g. `spawn node EAGAIN` when the system runs out of processes); absent when it started. */
  readonly error?: string;
}

/** The worker processes {@link spawnWorkers} started: resolves when all have exited. */
export type WorkerRun = Promise<WorkerExit[]> & {
  /** Sends `signal` (default SIGTERM) to each worker still running (a process that stops passes its stop on). */
  readonly kill: (signal?: NodeJS.Signals) => void;
  /**
   * Sends `signal` to each worker still running and waits up to `withinMs` for them to end; those
   * still running then (busy in one long step, stopped, hung) are killed with SIGKILL. Resolves once
   * every worker has exited, with their exits and those it had to kill.
   */
  readonly stop: (signal: NodeJS.Signals, withinMs: number) => Promise<{ exits: WorkerExit[]; killed: WorkerExit[] }>;
};

/**
 * Starts `count` copies of a worker command and resolves when all have exited. Each worker is
 * expected to open the same study (`createStudy({ ..., storage: new JournalFileStorage(path),
 * loadIfExists: true })`) and call `optimize(objective, { nTrials: N, nTrialsScope: 'study' })`, so
 * together they finish N trials with distinct trial numbers.
 */
export function spawnWorkers(options: SpawnWorkersOptions): WorkerRun {
  if (!(Number.isInteger(options.count) && options.count >= 1)) throw new ConfigError(`spawnWorkers() option \`count\`: expected an integer >= 1, got ${options.count}`);
  if (typeof options.command !== 'string' || options.command === '') throw new ConfigError('spawnWorkers() option `command`: expected a command to run');
  const children: ChildProcess[] = [];
  const runs = Array.from({ length: options.count }, (_, index) => {
    const args = typeof options.args === 'function' ? options.args(index) : (options.args ?? []);
    const child = spawn(options.command, [...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, TUNING_WORKER_INDEX: String(index), TUNING_WORKER_COUNT: String(options.count) },
      stdio: options.stdio ?? 'inherit',
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    // A worker that cannot be started is one that ended, with its error: before, the run rejected at
    // once (an unhandled rejection in a search that awaits it only at its end) while the others ran on.
    let error: string | undefined;
    child.on('error', (e) => (error ??= e.message));
    return new Promise<WorkerExit>((resolve) => {
      child.on('close', (code, signal) => {
        const exit = { index, pid: child.pid, code, signal, output, ...(error !== undefined && child.pid === undefined ? { error } : {}) };
        options.onExit?.(exit);
        resolve(exit);
      });
    });
  });
  const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;
  const kill = (signal: NodeJS.Signals = 'SIGTERM'): void => {
    for (const child of children) if (running(child)) child.kill(signal);
  };
  const all = Promise.all(runs);
  const stop = async (signal: NodeJS.Signals, withinMs: number): Promise<{ exits: WorkerExit[]; killed: WorkerExit[] }> => {
    kill(signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)))]);
    clearTimeout(timer);
    const late = children.filter(running);
    for (const child of late) child.kill('SIGKILL');
    const exits = await all;
    return { exits, killed: exits.filter((e) => late.some((child) => child.pid === e.pid)) };
  };
  return Object.assign(all, { kill, stop });
}
