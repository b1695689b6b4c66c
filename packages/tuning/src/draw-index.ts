import type { FrozenTrial } from './trial-state';

/**
 * The number `trial` would have had in the same study without retries, which keys its random
 * streams (samplers, Hyperband's bracket; the objective may key its own with it too). A retry of a
 * failed trial (a worker that died or was stopped mid-trial) draws as the trial it retries, and every
 * other trial as its number less the retries numbered before it: a study whose trial was interrupted
 * and retried goes on with the same parameters as one where it never was, each trial after the
 * failed one numbered one higher. Without retries it is the trial's number.
 */
export function drawIndex(trials: readonly FrozenTrial[], trial: FrozenTrial): number {
  const original = trial.retryOf === undefined ? undefined : trials.find((t) => t.number === trial.retryOf);
  if (original !== undefined && original.number < trial.number) return drawIndex(trials, original);
  let retries = 0;
  for (const t of trials) if (t.number < trial.number && t.retryOf !== undefined) retries++;
  return trial.number - retries;
}

/** `drawIndex` of every trial at once (by number), in one pass over `trials` (ordered by number). */
export function drawIndices(trials: readonly FrozenTrial[]): Map<number, number> {
  const out = new Map<number, number>();
  let retries = 0;
  for (const t of trials) {
    const original = t.retryOf === undefined ? undefined : out.get(t.retryOf);
    out.set(t.number, original ?? t.number - retries);
    if (t.retryOf !== undefined) retries++;
  }
  return out;
}
