import type { FrozenTrial } from '../trial-state';

/**
 * How tables name each trial's worker: its host when the trials ran on several hosts (with the
 * process id where one host ran several), else its process id. `count` is how many workers (host
 * and process) there were: with one, no table needs the column.
 */
export function workerLabels(trials: readonly FrozenTrial[]): { readonly labels: ReadonlyMap<number, string>; readonly count: number } {
  const pidsOf = new Map<string, Set<number>>();
  for (const { worker } of trials) if (worker !== undefined) pidsOf.set(worker.host, (pidsOf.get(worker.host) ?? new Set()).add(worker.pid));
  const labels = new Map<number, string>();
  for (const { number, worker } of trials) {
    if (worker === undefined) continue;
    const shared = (pidsOf.get(worker.host)?.size ?? 0) > 1;
    labels.set(number, pidsOf.size > 1 ? (shared ? `${worker.host} (pid ${worker.pid})` : worker.host) : `pid ${worker.pid}`);
  }
  let count = 0;
  for (const pids of pidsOf.values()) count += pids.size;
  return { labels, count };
}
