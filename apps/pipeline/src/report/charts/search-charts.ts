import type { TopLevelSpec } from '@digitfuse/plot';
import type { TrialInput } from '../types';
import { formatParam } from './format-param';
import { integerAxis, LEGEND_CONFIG, TITLE_CONFIG, round, valueScale } from './theme';

/** How the search's objective is read. */
export interface ObjectiveInfo {
  /** Default 'maximize'. */
  readonly direction?: 'maximize' | 'minimize';
  /** Default 'validation accuracy'. */
  readonly name?: string;
  /** Parameters sampled on a log scale (drawn on log axes). Default: guessed from the values. */
  readonly logParams?: readonly string[];
  /**
   * What a pruned trial's value (its last reported one) is when it is not the objective, e.g. 'clean
   * validation accuracy': pruned trials are then left off the objective's axis, and said so. Default:
   * none, their value is on the objective's scale and they are drawn as crosses.
   */
  readonly prunedValue?: string | null;
  /**
   * The trial the run chose when it is not the one with the best value (the paper's configuration,
   * kept within one standard error of it): the subtitle names it beside the best value, which is
   * then called the highest (lowest), so the chart does not contradict the run's "best trial".
   * Default: none, the run chose the best value.
   */
  readonly chosen?: { readonly number: number; readonly value: number; readonly standardError: number } | null;
}

const COMPLETE = 'completed trial';
const BUDGET = 'completed early (search budget)';
const PRUNED = 'pruned trial (last reported value)';
const BEST = 'best so far';

/** The value shown for a trial: its final value, or for a pruned trial its last reported value. */
export function displayedValue(trial: TrialInput): number | null {
  if (trial.value !== null && Number.isFinite(trial.value)) return trial.value;
  if (trial.state === 'PRUNED' && trial.intermediate.length > 0) return trial.intermediate[trial.intermediate.length - 1][1];
  return null;
}

/** Value per trial (pruned ones marked) and the best value so far among completed trials. */
export function optimizationHistorySpec(trials: readonly TrialInput[], objective: ObjectiveInfo = {}): TopLevelSpec {
  const { direction = 'maximize', name = 'validation accuracy', prunedValue = null, chosen = null } = objective;
  const sorted = [...trials].sort((a, b) => a.number - b.number);
  const points: Array<{ trial: number; value: number; series: string }> = [];
  const best: Array<{ trial: number; value: number; series: string }> = [];
  let bestSoFar: number | null = null;
  for (const t of sorted) {
    const v = displayedValue(t);
    if (v === null) continue;
    if (t.state === 'COMPLETE') {
      // Its value is of a shorter training: drawn as the others, it read as a poor configuration.
      points.push({ trial: t.number, value: round(v, 6), series: t.stoppedByBudget ? BUDGET : COMPLETE });
      if (bestSoFar === null || (direction === 'maximize' ? v > bestSoFar : v < bestSoFar)) bestSoFar = v;
    } else if (t.state === 'PRUNED' && prunedValue === null) {
      points.push({ trial: t.number, value: round(v, 6), series: PRUNED });
    }
    if (bestSoFar !== null) best.push({ trial: t.number, value: round(bestSoFar, 6), series: BEST });
  }
  const counts = (s: TrialInput['state']) => trials.filter((t) => t.state === s).length;
  // The series drawn, each with its colour and shape: pruned trials only when their value is the objective's.
  // The budget's series only when the budget stopped a trial.
  const drawn = (
    [
      [COMPLETE, '#4c78a8', 'circle'],
      [BUDGET, '#f58518', 'triangle-up'],
      [PRUNED, '#bab0ac', 'cross'],
      [BEST, '#e45756', 'stroke'],
    ] as const
  ).filter(([series]) => (series !== PRUNED || prunedValue === null) && (series !== BUDGET || points.some((p) => p.series === BUDGET)));
  const domain = drawn.map(([series]) => series);
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain, range: drawn.map(([, colour]) => colour) },
    legend: { ...LEGEND_CONFIG, orient: 'bottom', direction: 'horizontal', labelLimit: 0, columnPadding: 24 },
  };
  // The trials drawn: a running or failed one has no point, and its number sat on an axis of one point, over another's.
  const plotted = [...points, ...best];
  const x = { field: 'trial', type: 'quantitative', title: 'Trial number', axis: integerAxis(plotted.map((p) => p.trial)) };
  const y = { field: 'value', type: 'quantitative', title: capitalise(name), scale: valueScale(plotted.map((p) => p.value)) };
  const bestWord = chosen === null ? 'best' : direction === 'maximize' ? 'highest' : 'lowest';
  const subtitle = [
    `${counts('COMPLETE')} completed, ${counts('PRUNED')} pruned, ${counts('FAIL')} failed trials; ${direction === 'maximize' ? 'higher' : 'lower'} is better${bestSoFar !== null ? `; ${bestWord} ${bestSoFar.toFixed(4)}` : ''}`,
  ];
  if (chosen !== null) {
    subtitle.push(`chosen: trial ${chosen.number} (${chosen.value.toFixed(4)}), the paper's configuration, within one standard error (${chosen.standardError.toFixed(4)}) of the ${bestWord}`);
  }
  if (prunedValue !== null && counts('PRUNED') > 0) subtitle.push(`pruned trials not drawn: their last value is a ${prunedValue}, not the ${name}`);
  return {
    title: {
      text: 'Optimisation history',
      subtitle: subtitle.length === 1 ? subtitle[0] : subtitle,
    },
    width: 520,
    height: 300,
    layer: [
      {
        data: { values: best },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: { x, y, color },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 60, opacity: 0.9 },
        encoding: {
          x,
          y,
          color,
          shape: { field: 'series', type: 'nominal', title: null, scale: { domain, range: drawn.map(([, , shape]) => shape) } },
        },
      },
    ],
    config: { title: TITLE_CONFIG },
  } as unknown as TopLevelSpec;
}

interface AxisScale {
  readonly name: string;
  readonly label: string;
  readonly normalise: (v: number | string) => number;
  readonly lowText: string;
  readonly highText: string;
}

/** Kolmogorov-Smirnov distance of sorted values, scaled to [0, 1] by `f`, from the uniform distribution. */
function distanceFromUniform(sorted: readonly number[], f: (v: number) => number): number {
  const lo = f(sorted[0]);
  const hi = f(sorted[sorted.length - 1]);
  let d = 0;
  sorted.forEach((v, i) => {
    const x = (f(v) - lo) / (hi - lo);
    d = Math.max(d, Math.abs(x - i / sorted.length), Math.abs(x - (i + 1) / sorted.length));
  });
  return d;
}

/**
 * Per-parameter scaling to [0, 1]: ranks for strings; log scale for names in `logParams`, or, when
 * not told, for positive values spanning >= 1 decade that look more uniform on a log scale than on
 * a linear one (samplers draw log-uniform parameters such as a learning rate that way).
 */
function axisScale(name: string, values: Array<number | string>, logParams?: readonly string[]): AxisScale {
  const numeric = values.every((v) => typeof v === 'number');
  if (!numeric) {
    const cats = [...new Set(values.map(String))].sort();
    const pos = new Map(cats.map((c, i) => [c, cats.length > 1 ? i / (cats.length - 1) : 0.5]));
    return {
      name,
      label: name,
      normalise: (v) => pos.get(String(v)) ?? 0.5,
      lowText: cats[0] ?? '',
      highText: cats.length > 1 ? cats[cats.length - 1] : '',
    };
  }
  const nums = values as number[];
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  const sortedNums = [...nums].sort((a, b) => a - b);
  const log = logParams
    ? logParams.includes(name) && min > 0
    : min > 0 &&
      max / min >= 10 &&
      distanceFromUniform(sortedNums, Math.log10) < distanceFromUniform(sortedNums, (v) => v);
  const f = (v: number) => (log ? Math.log10(v) : v);
  const lo = f(min);
  const hi = f(max);
  return {
    name,
    label: log ? `${name} (log)` : name,
    normalise: (v) => (hi > lo ? (f(Number(v)) - lo) / (hi - lo) : 0.5),
    lowText: formatParam(min),
    highText: max > min ? formatParam(max) : '',
  };
}

/** Parallel coordinates of completed trials: one line per trial across normalised parameter axes and the objective, coloured by value. */
export function parallelCoordinatesSpec(trials: readonly TrialInput[], objective: ObjectiveInfo = {}): TopLevelSpec {
  const { direction = 'maximize', name = 'validation accuracy', logParams } = objective;
  const done = trials.filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value));
  const paramNames = [...new Set(done.flatMap((t) => Object.keys(t.params)))].sort();
  const axes: AxisScale[] = paramNames.map((p) =>
    axisScale(
      p,
      done.map((t) => t.params[p]).filter((v): v is number | string => v !== undefined),
      logParams,
    ),
  );
  const objectiveAxis = axisScale(name, done.map((t) => t.value as number), []);
  const allAxes = [...axes, { ...objectiveAxis, label: capitalise(name) }];
  const lines: Array<{ trial: number; axis: string; y: number; value: number }> = [];
  for (const t of done) {
    axes.forEach((a) => {
      const v = t.params[a.name];
      if (v !== undefined) lines.push({ trial: t.number, axis: a.label, y: round(a.normalise(v), 4), value: round(t.value as number, 6) });
    });
    lines.push({ trial: t.number, axis: capitalise(name), y: round(objectiveAxis.normalise(t.value as number), 4), value: round(t.value as number, 6) });
  }
  const order = allAxes.map((a) => a.label);
  const ticks = allAxes.flatMap((a) => [
    { axis: a.label, y: 0, text: a.lowText },
    { axis: a.label, y: 1, text: a.highText },
  ]).filter((t) => t.text !== '');
  const x = { field: 'axis', type: 'nominal', sort: order, title: null, axis: { labelAngle: 0, labelFontSize: 12, orient: 'bottom', domain: false, ticks: false, labelPadding: 22, labelLimit: 0 } };
  const y = { field: 'y', type: 'quantitative', scale: { domain: [0, 1] }, axis: null };
  return {
    title: {
      text: 'Parallel coordinates of the search',
      subtitle: `${done.length} completed trials; each axis scaled to its range (min at bottom, max at top); colour: ${name}`,
    },
    width: Math.max(360, 140 * allAxes.length),
    height: 320,
    layer: [
      { data: { values: order.map((axis) => ({ axis })) }, mark: { type: 'rule', color: '#888', strokeWidth: 1 }, encoding: { x, y: { datum: 0, type: 'quantitative', scale: { domain: [0, 1] }, axis: null }, y2: { datum: 1 } } },
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.6, opacity: 0.85 },
        encoding: {
          x,
          y,
          detail: { field: 'trial', type: 'nominal' },
          color: {
            field: 'value',
            type: 'quantitative',
            title: capitalise(name),
            scale: { scheme: 'viridis', reverse: direction === 'minimize' },
            legend: { ...LEGEND_CONFIG, gradientLength: 220, titleLimit: 0 },
          },
          order: { field: 'value', type: 'quantitative', sort: direction === 'maximize' ? 'ascending' : 'descending' },
        },
      },
      {
        data: { values: ticks },
        mark: { type: 'text', fontSize: 11, align: 'left', dx: 5, color: '#222' },
        encoding: { x, y, text: { field: 'text' } },
      },
    ],
    config: { title: TITLE_CONFIG, view: { stroke: null } },
  } as unknown as TopLevelSpec;
}

/**
 * Horizontal bars of parameter importances, largest first; the subtitle says how many completed
 * trials they were estimated from, and that fewer trials than parameters cannot tell them apart.
 */
export function paramImportancesSpec(importances: Readonly<Record<string, number>>, completed: number): TopLevelSpec {
  const rows = Object.entries(importances)
    .map(([param, importance]) => ({ param, importance: round(importance, 4) }))
    .sort((a, b) => b.importance - a.importance || a.param.localeCompare(b.param));
  const subtitle = [`share of the objective's variance explained by each parameter (random forest over ${completed} completed trials)`];
  if (completed <= rows.length) subtitle.push(`fewer trials than parameters + 1: the parameters cannot be told apart yet, the bars are mostly chance`);
  return {
    title: { text: 'Hyperparameter importances', subtitle },
    width: 440,
    height: Math.max(120, 34 * rows.length),
    data: { values: rows },
    encoding: {
      y: { field: 'param', type: 'nominal', sort: rows.map((r) => r.param), title: 'Parameter', axis: { labelFontSize: 12, labelLimit: 200 } },
      x: { field: 'importance', type: 'quantitative', title: 'Importance', scale: { domain: [0, Math.max(...rows.map((r) => r.importance), 1e-9) * 1.15] } },
    },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8', height: { band: 0.7 } } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { text: { field: 'importance', type: 'quantitative', format: '.3f' } } },
    ],
    config: { title: TITLE_CONFIG },
  } as unknown as TopLevelSpec;
}

function capitalise(s: string): string {
  return s.length > 0 ? s[0].toUpperCase() + s.slice(1) : s;
}
