/**
 * How a command stops on Ctrl-C, SIGTERM or SIGHUP: the work it registered ends (bounded), its last
 * line is said, and the process ends as the signal ends it. One mechanism for every command that
 * says `stopped (...)`: a run (`full`, `search`), its worker processes, and `train`.
 */

/** The signals that stop a command the way Ctrl-C does: what it finished is kept. */
const STOPPING: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** How a stop is named in what a command says: `Ctrl-C` for SIGINT, else the signal's name. */
export const stopWord = (signal: NodeJS.Signals): string => (signal === 'SIGINT' ? 'Ctrl-C' : signal);

/**
 * What a process stopped by a signal still does before it ends (see {@link beforeStopping}); given the
 * stop's word (`Ctrl-C`, `SIGTERM`) and the signal itself.
 */
export type StopWork = (how: string, signal: NodeJS.Signals) => Promise<void>;
const stopWork = new Set<StopWork>();

/**
 * How long a stopped process waits for its {@link StopWork} before it ends anyway: a database out of
 * reach does not hold the stop (its trials then fail as a killed process's do, by their heartbeat).
 */
export const STOP_WORK_MS = 3_000;

/**
 * Registers work that a stop signal (Ctrl-C, SIGTERM, SIGHUP) lets finish, for up to STOP_WORK_MS,
 * before the process ends: a search fails the trials it runs, so that a shared study's other workers
 * take their retries at once; `train` lets a move of its model into `--out` end. Returns what
 * unregisters it.
 */
export function beforeStopping(work: StopWork): () => void {
  stopWork.add(work);
  return () => stopWork.delete(work);
}

/** Whether a stop signal is being handled: the process ends once its stop work is done. */
let stopping = false;

/**
 * Resolves at once, unless a stop signal is being handled; then never (the process ends within
 * STOP_WORK_MS): work that goes on beside the stop work (a search whose trials it failed ends its
 * `optimize`, a training that ends meanwhile) must not record or write what it finished.
 */
export function unlessStopping(): Promise<void> {
  return stopping ? new Promise<void>(() => undefined) : Promise.resolve();
}

/** Runs the registered stop work (errors ignored: the stop goes on), for at most STOP_WORK_MS. */
async function doStopWork(signal: NodeJS.Signals): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WORK_MS)));
  await Promise.race([Promise.allSettled([...stopWork].map((work) => work(stopWord(signal), signal))), late]);
  clearTimeout(timer);
}

/**
 * On a stop signal: `first` (synchronous bookkeeping), the registered stop work, `last` (the closing
 * line: nothing the process prints comes after it), then the process ends as the signal ends it. The
 * handlers go at the signal: a second one ends it at once. Returns what removes them.
 */
export function onStopSignals(first: (signal: NodeJS.Signals) => void, last: (signal: NodeJS.Signals) => void): () => void {
  const end = (signal: NodeJS.Signals): void => {
    last(signal);
    // Ended by the signal itself, now: a listener left would take it first, and some swallow it (tsx's
    // forwards it to its parent; signal-exit's re-sends it only when it counts no other listener).
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const each of STOPPING) process.off(each, onSignal);
    stopping = true;
    first(signal);
    if (stopWork.size === 0) end(signal);
    else void doStopWork(signal).then(() => end(signal));
  };
  for (const each of STOPPING) process.on(each, onSignal);
  return () => {
    for (const each of STOPPING) process.off(each, onSignal);
  };
}

/**
 * For a process that works on a run that another one runs (a `--workers` search process): a stop
 * signal lets its stop work finish (up to STOP_WORK_MS), then ends it as the signal does. Returns what
 * removes the handlers.
 */
export function stopAfterWork(): () => void {
  return onStopSignals(() => undefined, () => undefined);
}
