import type { TopLevelSpec } from '@digitfuse/plot';
import type { TrialInput } from '../report';
import { integerAxis, LEGEND_CONFIG, TITLE_CONFIG, round, valueScale } from '../report/charts/theme';

const SERIES = {
  COMPLETE: 'completed trial',
  PRUNED: 'pruned trial',
  RUNNING: 'running trial',
  FAIL: 'failed trial',
} as const;
const BEST = 'best trial';
/** A RUNNING trial whose process has ended (the dashboard's `TrialRow.stopped`). */
const STOPPED = 'stopped mid-trial';
const PRUNED_AT = 'pruned here';

/**
 * Intermediate values per epoch (learning curves): one line per trial, coloured by its state, the
 * best trial drawn over the others, a cross where a pruned trial was stopped. In the look of the
 * report's search charts (`report/charts/search-charts.ts`). `stopped`: the RUNNING trials whose process has ended.
 */
export function intermediateValuesSpec(
  trials: readonly TrialInput[],
  options: { readonly bestTrial?: number | null; readonly name?: string; readonly stopped?: ReadonlySet<number> } = {},
): TopLevelSpec {
  const { bestTrial = null, name = 'validation accuracy', stopped = new Set<number>() } = options;
  const rows: Array<{ trial: number; epoch: number; value: number; series: string }> = [];
  const prunedAt: typeof rows = [];
  for (const t of [...trials].sort((a, b) => a.number - b.number)) {
    const steps = t.intermediate.filter(([, v]) => Number.isFinite(v));
    const series = t.number === bestTrial ? BEST : stopped.has(t.number) ? STOPPED : SERIES[t.state];
    for (const [step, v] of steps) rows.push({ trial: t.number, epoch: step, value: round(v, 6), series });
    const last = steps[steps.length - 1];
    if (t.state === 'PRUNED' && last) prunedAt.push({ trial: t.number, epoch: last[0], value: round(last[1], 6), series: PRUNED_AT });
  }
  // The legend lists the series present, in this order.
  const palette: Array<[string, string]> = [
    [SERIES.COMPLETE, '#4c78a8'],
    [BEST, '#e45756'],
    [SERIES.PRUNED, '#bab0ac'],
    [PRUNED_AT, '#79706e'],
    [SERIES.RUNNING, '#f58518'],
    [STOPPED, '#9d755d'],
    [SERIES.FAIL, '#b279a2'],
  ];
  const present = new Set([...rows, ...prunedAt].map((r) => r.series));
  const shown = palette.filter(([s]) => present.has(s));
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: shown.map(([s]) => s), range: shown.map(([, c]) => c) },
    legend: { ...LEGEND_CONFIG, orient: 'bottom', direction: 'horizontal', labelLimit: 0, columnPadding: 18 },
  };
  const x = { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: integerAxis([...rows, ...prunedAt].map((r) => r.epoch)) };
  const y = { field: 'value', type: 'quantitative', title: capitalise(name), scale: valueScale([...rows, ...prunedAt].map((r) => r.value)) };
  const tooltip = [
    { field: 'trial', type: 'quantitative', title: 'trial' },
    { field: 'epoch', type: 'quantitative', title: 'epoch' },
    { field: 'value', type: 'quantitative', title: name, format: '.4f' },
  ];
  const line = (filter: string, strokeWidth: number) => ({
    transform: [{ filter }],
    mark: { type: 'line', strokeWidth, opacity: 0.9, point: { size: 28, filled: true } },
    encoding: { x, y, color, detail: { field: 'trial', type: 'nominal' }, tooltip },
  });
  const count = (s: TrialInput['state']) => trials.filter((t) => t.state === s && !stopped.has(t.number) && t.intermediate.length > 0).length;
  const stoppedLines = trials.filter((t) => stopped.has(t.number) && t.intermediate.length > 0).length;
  return {
    title: {
      text: 'Intermediate values per epoch',
      subtitle: [
        `${name} after each epoch, one line per trial (${count('COMPLETE')} completed, ${count('PRUNED')} pruned, ${count('RUNNING')} running${stoppedLines > 0 ? `, ${stoppedLines} stopped mid-trial` : ''})`,
        'the pruner stops a trial whose curve falls behind the others',
      ],
    },
    width: 520,
    height: 300,
    // Only layers with data: an empty one leaves Vega an empty extent to warn about.
    layer: [
      {
        data: { values: rows },
        layer: [
          ...(rows.some((r) => r.series !== BEST) ? [line(`datum.series !== '${BEST}'`, 1.6)] : []),
          ...(present.has(BEST) ? [line(`datum.series === '${BEST}'`, 3)] : []),
        ],
      },
      ...(prunedAt.length > 0
        ? [{ data: { values: prunedAt }, mark: { type: 'point', shape: 'cross', size: 110, filled: true, opacity: 1 }, encoding: { x, y, color, tooltip } }]
        : []),
    ],
    config: { title: TITLE_CONFIG },
  } as unknown as TopLevelSpec;
}

function capitalise(s: string): string {
  return s.length > 0 ? s[0].toUpperCase() + s.slice(1) : s;
}
