import type { FrozenTrial } from '../trial-state';

/** The latest time (epoch ms) any of the trials started, reported, beat or finished; null without one. */
export function lastActivity(trials: readonly FrozenTrial[]): number | null {
  let last: number | null = null;
  for (const t of trials) {
    for (const ts of [t.datetimeStart, t.lastHeartbeat, t.datetimeComplete]) if (ts !== undefined && (last === null || ts > last)) last = ts;
  }
  return last;
}
