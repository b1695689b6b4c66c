import type { FrozenTrial } from './trial-state';

/** Whether a trial satisfies its constraints (all values <= 0); a trial without constraints is feasible. */
export function isFeasible(trial: FrozenTrial): boolean {
  const c = trial.constraints;
  if (c === undefined) return true;
  for (const v of c) if (v > 0) return false;
  return true;
}

/** Total violation of a trial's constraints: the sum of its positive values (0 when feasible). */
export function constraintViolation(trial: FrozenTrial): number {
  let s = 0;
  for (const v of trial.constraints ?? []) if (v > 0) s += v;
  return s;
}
