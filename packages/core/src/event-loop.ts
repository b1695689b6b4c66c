/**
 * Long computations that only `await` promises which are already settled (tfjs's `data()` on the
 * wasm backend, synchronous callbacks) run in microtasks and never give the event loop a turn: no
 * timer fires and no signal handler or socket reply runs until they end. A study's heartbeats are
 * timers, so a worker training for longer than the study's grace period looked dead to every other
 * worker and lost its trial. Call the function this returns often (every batch); at most every
 * `everyMs` it waits for one turn of the event loop (`setImmediate`: timers, I/O, signals), else it
 * returns at once.
 */
export function eventLoopTurns(everyMs = 100): () => Promise<void> {
  if (!(everyMs >= 0)) throw new RangeError(`Expected \`everyMs\` to be a number >= 0, found ${everyMs}`);
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}
