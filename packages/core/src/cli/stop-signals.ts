/**
 * How a command stops on Ctrl-C, SIGTERM or SIGHUP: the work it registered ends (bounded), its last
 * line is said, and the process ends as the signal ends it. One mechanism for every command that
 * says `stopped (...)`: a run (`full`, `search`), its worker processes, and `train`.
 */

/** The signals that stop a command the way Ctrl-C does: what it finished is kept. */
const STOPPING: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * How long after a stop signal the same signal is taken for the same stop, not a second one: the
 * terminal's Ctrl-C and the one the `digitfuse` binary passes on arrive within milliseconds (both at
 * once, after a long synchronous step). A user's second Ctrl-C sooner than this is ended by the
 * binary itself (it kills the program at its second).
 */
export const SAME_STOP_MS = 1_000;

/** How a stop is named in what a command says: `Ctrl-C` for SIGINT, else the signal's name. */
export const stopWord = (signal: NodeJS.Signals): string => (signal === 'SIGINT' ? 'Ctrl-C' : signal);

/**
 * After a stop signal: the same signal again within SAME_STOP_MS is the same stop, taken no further:
 * a terminal's Ctrl-C reaches the `digitfuse` binary and its program both, and the binary passes on
 * what it hears (a `kill -INT` sent to it alone reached nobody). Later, or another stop signal: the
 * second stop, which ends the process at once (no listener left: the signal's own default).
 */
function sameStopFor(signal: NodeJS.Signals): void {
  const at = Date.now();
  const again = (each: NodeJS.Signals): void => {
    if (each === signal && Date.now() - at < SAME_STOP_MS) return;
    for (const one of STOPPING) process.off(one, again);
    process.kill(process.pid, each);
  };
  for (const each of STOPPING) process.on(each, again);
  setTimeout(() => {
    for (const one of STOPPING) process.off(one, again);
  }, SAME_STOP_MS).unref();
}

/**
 * Resolves with the first of `signals` (default Ctrl-C, SIGTERM, SIGHUP) for a command that ends on
 * it by itself (`dashboard`: closes its server, says so, exits 0); the same signal passed on by the
 * binary is the same stop, another one later ends the process at once.
 */
export function untilStopSignal(signals: readonly NodeJS.Signals[] = STOPPING): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const each of signals) process.off(each, onSignal);
      sameStopFor(signal);
      resolve(signal);
    };
    for (const each of signals) process.on(each, onSignal);
  });
}

/**
 * What a process stopped by a signal still does before it ends (see {@link beforeStopping}); given the
 * stop's word (`Ctrl-C`, `SIGTERM`) and the signal itself. What it resolves with, if anything, is said
 * in the closing line (a worker process that had to be killed, and what became of its trial).
 */
export type StopWork = (how: string, signal: NodeJS.Signals) => Promise<string | void>;
/** The registered stop work, each with how long the stop waits for it. */
const stopWork = new Map<StopWork, number>();

/**
 * How long a stopped process waits for its {@link StopWork} before it ends anyway: a database out of
 * reach does not hold the stop (its trials then fail as a killed process's do, by their heartbeat).
 */
export const STOP_WORK_MS = 3_000;

/**
 * Registers work that a stop signal (Ctrl-C, SIGTERM, SIGHUP) lets finish, for up to `withinMs`
 * (default STOP_WORK_MS), before the process ends: a search fails the trials it runs, so that a
 * shared study's other workers take their retries at once, and waits for its worker processes; `train`
 * lets a move of its model into `--out` end. Returns what unregisters it.
 */
export function beforeStopping(work: StopWork, withinMs = STOP_WORK_MS): () => void {
  stopWork.set(work, withinMs);
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

/**
 * Runs the registered stop work (errors ignored: the stop goes on), each for at most its time; resolves
 * with what the work that ended in time had to say for the closing line.
 */
async function doStopWork(signal: NodeJS.Signals): Promise<string[]> {
  const timers: ReturnType<typeof setTimeout>[] = [];
  const bounded = [...stopWork].map(([work, withinMs]) => Promise.race([work(stopWord(signal), signal), new Promise<void>((resolve) => timers.push(setTimeout(resolve, withinMs)))]));
  const settled = await Promise.allSettled(bounded);
  for (const timer of timers) clearTimeout(timer);
  return settled.flatMap((s) => (s.status === 'fulfilled' && typeof s.value === 'string' && s.value !== '' ? [s.value] : []));
}

/**
 * On a stop signal: `first` (synchronous bookkeeping), the registered stop work, `last` (the closing
 * line, given what the stop work had to say in it: nothing the process prints comes after it), then the process ends as the signal ends it. A
 * second stop signal meanwhile ends it at once (`repeated: 'end-at-once'`: the user's second
 * Ctrl-C), or is ignored (`'ignore'`: a worker process, which its parent's stop and the terminal's
 * Ctrl-C may both reach; its stop work is bounded all the same). Returns what removes the handlers.
 */
export function onStopSignals(
  first: (signal: NodeJS.Signals) => void,
  last: (signal: NodeJS.Signals, notes: readonly string[]) => void,
  repeated: 'end-at-once' | 'ignore' = 'end-at-once',
): () => void {
  const ignore = (): void => undefined;
  const end = (signal: NodeJS.Signals, notes: readonly string[] = []): void => {
    last(signal, notes);
    // Ended by the signal itself, now: a listener left would take it first, and some swallow it (tsx's
    // forwards it to its parent; signal-exit's re-sends it only when it counts no other listener).
    for (const each of STOPPING) process.off(each, ignore);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const each of STOPPING) process.off(each, onSignal);
    if (repeated === 'ignore') for (const each of STOPPING) process.on(each, ignore);
    else sameStopFor(signal);
    stopping = true;
    first(signal);
    if (stopWork.size === 0) end(signal);
    else void doStopWork(signal).then((notes) => end(signal, notes));
  };
  for (const each of STOPPING) process.on(each, onSignal);
  return () => {
    for (const each of STOPPING) process.off(each, onSignal);
  };
}

/**
 * For a process that works on a run that another one runs (a `--workers` search process): a stop
 * signal lets its stop work finish (up to STOP_WORK_MS), then ends it as the signal does. The stop
 * its parent passes on after the terminal's Ctrl-C reached them both is the same stop: ignored (it
 * ended the worker at once, its trial left RUNNING). Returns what removes the handlers.
 */
export function stopAfterWork(): () => void {
  return onStopSignals(() => undefined, () => undefined, 'ignore');
}
