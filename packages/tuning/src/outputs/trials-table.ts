import { markdownTable } from '@digitfuse/core';
import type { ParamValue } from '../distributions';
import { lastStep, trialSeconds, type Direction, type FrozenTrial, type UserAttrValue } from '../trial-state';
import { workerLabels } from './worker-labels';

/** Anything with trials and a direction (a `Study`). */
export interface TrialsSource {
  readonly direction: Direction;
  readonly trials: readonly FrozenTrial[];
}

export interface TrialsTableRow {
  readonly number: number;
  readonly state: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly value: number | undefined;
  /**
   * What `value` is (the `value from` column): `objective` (what the objective returned) of a COMPLETE
   * trial; of a PRUNED one, its last intermediate value (as Optuna records it), which `prunedValue`
   * names with the step it was reported at; undefined without a value.
   */
  readonly valueFrom: string | undefined;
  /** The trial's user attributes (figures its objective recorded besides the value). */
  readonly userAttrs: Readonly<Record<string, UserAttrValue>>;
  /** Step of the best intermediate value (e.g. the best epoch), if any were reported. */
  readonly bestStep: number | undefined;
  /** Wall-clock seconds of the whole trial, start to finish (`trialSeconds`), if finished. */
  readonly seconds: number | undefined;
  /** Which worker ran it (`workerLabels`), when several ran the study's trials; else undefined. */
  readonly worker: string | undefined;
}

export interface TrialsTable {
  /** Parameter columns, in first-seen order. */
  readonly paramNames: readonly string[];
  /** User-attribute columns (after the value), in first-seen order. */
  readonly userAttrNames: readonly string[];
  readonly rows: readonly TrialsTableRow[];
  readonly markdown: string;
  readonly csv: string;
}

export interface TrialsTableOptions {
  /** Digits after the point for values and float parameters. Default: 4. */
  readonly digits?: number;
  /**
   * Whether the table has the `best step` column (the step of the best intermediate value). Default:
   * true. Leave it out where the objective records the step it kept itself (a `best_epoch` attribute
   * chosen by early stopping on another measure), which that column would contradict.
   */
  readonly bestStep?: boolean;
  /**
   * The `value from` text of a PRUNED trial, given the step of its last report (whose value is the
   * trial's): a figure of a training stopped early, not what the objective returns. Default:
   * `intermediate value at step N`.
   */
  readonly prunedValue?: (step: number) => string;
}

/** The `value from` text of a trial with a value (`TrialsTableRow.valueFrom`). */
function valueFromOf(t: FrozenTrial, prunedValue: (step: number) => string): string | undefined {
  if (t.value === undefined) return undefined;
  if (t.state !== 'PRUNED') return 'objective';
  const step = lastStep(t);
  return step === undefined ? 'intermediate value' : prunedValue(step);
}

/** Step of the best intermediate value for the direction, or undefined. */
export function bestStep(trial: FrozenTrial, direction: Direction): number | undefined {
  let best: number | undefined;
  let bestValue = NaN;
  for (const [step, v] of trial.intermediateValues) {
    if (Number.isNaN(v)) continue;
    if (best === undefined || (direction === 'minimize' ? v < bestValue : v > bestValue) || (v === bestValue && step < best)) {
      best = step;
      bestValue = v;
    }
  }
  return best;
}

function formatValue(v: ParamValue | UserAttrValue | undefined, digits: number): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number(v.toPrecision(Math.max(digits, 1) + 2)).toString();
  return String(v);
}

/**
 * A CSV cell: quoted when it holds a quote, comma or line break; a text (not a number) starting with
 * `=`, `+`, `-`, `@` or a tab gets a leading `'` so that spreadsheets show it instead of running it
 * as a formula (CSV injection).
 */
function csvCell(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) && Number.isNaN(Number(s)) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The study's trials as a table like the paper's Table 1: number, state, each parameter, value, what the value is (`value from`), best step (unless `bestStep: false`), seconds (and the worker, when several ran them). */
export function trialsTable(study: TrialsSource, options: TrialsTableOptions = {}): TrialsTable {
  const digits = options.digits ?? 4;
  const withBestStep = options.bestStep ?? true;
  const prunedValue = options.prunedValue ?? ((step: number) => `intermediate value at step ${step}`);
  const paramNames: string[] = [];
  const userAttrNames: string[] = [];
  for (const t of study.trials) {
    for (const name of Object.keys(t.params)) if (!paramNames.includes(name)) paramNames.push(name);
    for (const name of Object.keys(t.userAttrs ?? {})) if (!userAttrNames.includes(name)) userAttrNames.push(name);
  }
  const workers = workerLabels(study.trials);
  const several = workers.count > 1;
  const rows: TrialsTableRow[] = study.trials
    .filter((t) => t.state !== 'WAITING')
    .map((t) => ({
      number: t.number,
      state: t.state,
      params: t.params,
      value: t.value,
      valueFrom: valueFromOf(t, prunedValue),
      userAttrs: t.userAttrs ?? {},
      bestStep: bestStep(t, study.direction),
      seconds: trialSeconds(t),
      worker: several ? workers.labels.get(t.number) : undefined,
    }));
  // `value from` beside the value: a pruned trial's value is its last report, not the objective's. A
  // worker column when several machines or processes ran the trials.
  const header = ['number', 'state', ...paramNames, 'value', 'value from', ...userAttrNames, ...(withBestStep ? ['best step'] : []), 'seconds', ...(several ? ['worker'] : [])];
  const cells = rows.map((r) => [
    String(r.number),
    r.state,
    ...paramNames.map((p) => formatValue(r.params[p], digits)),
    r.value === undefined ? '' : formatValue(r.value, digits),
    r.valueFrom ?? '',
    ...userAttrNames.map((a) => (a in r.userAttrs ? formatValue(r.userAttrs[a] ?? 'null', digits) : '')),
    ...(withBestStep ? [r.bestStep === undefined ? '' : String(r.bestStep)] : []),
    r.seconds === undefined ? '' : r.seconds.toFixed(1),
    ...(several ? [r.worker ?? ''] : []),
  ]);
  // Numbers right-aligned; the state, value from and worker columns left-aligned.
  const valueFromColumn = 3 + paramNames.length;
  const markdown = markdownTable(header, cells, header.map((_, i) => (i === 1 || i === valueFromColumn || (several && i === header.length - 1) ? 'left' : 'right'))) + '\n';
  const csv = [header, ...cells].map((c) => c.map(csvCell).join(',')).join('\n') + '\n';
  return { paramNames, userAttrNames, rows, markdown, csv };
}

/** The best trial's parameters (plus its number and value) as pretty JSON; "null" when nothing completed. */
export function bestParamsJson(study: TrialsSource): string {
  let best: FrozenTrial | undefined;
  for (const t of study.trials) {
    if (t.state !== 'COMPLETE' || t.value === undefined) continue;
    if (best === undefined || (study.direction === 'minimize' ? t.value < (best.value as number) : t.value > (best.value as number))) best = t;
  }
  if (best === undefined) return 'null\n';
  return JSON.stringify({ number: best.number, value: best.value, params: best.params }, null, 2) + '\n';
}
