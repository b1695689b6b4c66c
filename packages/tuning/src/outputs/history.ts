import type { ParamValue } from '../distributions';
import type { TrialState } from '../trial-state';
import type { TrialsSource } from './trials-table';

export interface HistoryPoint {
  readonly number: number;
  readonly state: TrialState;
  /** The trial's value (COMPLETE, or the last intermediate value of a PRUNED trial). */
  readonly value: number | undefined;
  /** Best COMPLETE value up to and including this trial. */
  readonly best: number | undefined;
}

/** Optimisation history: each finished trial's value and the best value so far, in trial order. */
export function optimizationHistory(study: TrialsSource): HistoryPoint[] {
  let best: number | undefined;
  const out: HistoryPoint[] = [];
  for (const t of study.trials) {
    if (t.state !== 'COMPLETE' && t.state !== 'PRUNED' && t.state !== 'FAIL') continue;
    if (t.state === 'COMPLETE' && t.value !== undefined && !Number.isNaN(t.value)) {
      if (best === undefined || (study.direction === 'minimize' ? t.value < best : t.value > best)) best = t.value;
    }
    out.push({ number: t.number, state: t.state, value: t.value, best });
  }
  return out;
}

export interface IntermediateSeries {
  readonly number: number;
  readonly state: TrialState;
  /** (step, value) pairs sorted by step. */
  readonly steps: readonly { readonly step: number; readonly value: number }[];
}

/** Intermediate values (learning curves) of every trial that reported any. */
export function intermediateValues(study: TrialsSource): IntermediateSeries[] {
  return study.trials
    .filter((t) => t.intermediateValues.size > 0)
    .map((t) => ({
      number: t.number,
      state: t.state,
      steps: [...t.intermediateValues].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, value })),
    }));
}

export interface ParallelCoordinatesRow {
  readonly number: number;
  readonly value: number;
  readonly params: Readonly<Record<string, ParamValue>>;
}

/** Data for a parallel-coordinates plot: the COMPLETE trials' parameters and values. */
export function parallelCoordinates(study: TrialsSource): ParallelCoordinatesRow[] {
  return study.trials
    .filter((t) => t.state === 'COMPLETE' && t.value !== undefined)
    .map((t) => ({ number: t.number, value: t.value as number, params: t.params }));
}
