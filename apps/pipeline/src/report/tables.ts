import { modalityLabel } from './charts/ablation-chart';
import { formatParam } from './charts/format-param';
import type { AblationEntry, FusionInput, RobustnessInput, TrialInput } from './types';

/** A table as header cells and rows of text cells. */
export interface Table {
  readonly headers: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

/** Format a number for a table: integers as is, others to 4 significant digits (exponent when tiny/huge). */
export function formatCell(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const a = Math.abs(value);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

const valueCell = (v: number | null): string => (v !== null && Number.isFinite(v) ? v.toFixed(4) : formatCell(v));

/** The trial table (like the paper's Table 1): number, state, value, best step, seconds, then each parameter. */
export function trialTable(trials: readonly TrialInput[], prunedValue: string | null = null): Table {
  const params = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const figures = trials.some((t) => t.figures);
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(2)}%`);
  const workers = trials.some((t) => t.worker);
  return {
    headers: ['Trial', 'State', 'Value', ...(figures ? ['Clean', 'Shifted audio', 'Image expert'] : []), 'Best epoch', 'Seconds', ...(workers ? ['Worker'] : []), ...params],
    rows: [...trials]
      .sort((a, b) => a.number - b.number)
      .map((t) => [
        String(t.number),
        t.stopped ? 'stopped mid-trial' : t.stoppedByBudget ? `${t.state} (budget)` : t.state,
        // A pruned trial's value on another scale than the objective's is bracketed (see `prunedValue`).
        // Four decimals, as the dashboard and the text above the table give them (0.9750, not 0.975 under 0.9738).
        prunedValue !== null && t.state === 'PRUNED' && t.value !== null ? `(${valueCell(t.value)})` : valueCell(t.value),
        ...(figures ? [pct(t.figures?.clean), pct(t.figures?.shifted), pct(t.figures?.image)] : []),
        formatCell(t.bestEpoch),
        t.seconds === null ? '–' : t.seconds.toFixed(1),
        ...(workers ? [t.worker ?? '–'] : []),
        ...params.map((p) => {
          const v = t.params[p];
          return typeof v === 'number' ? formatParam(v) : formatCell(v);
        }),
      ]),
  };
}

/** The modality ablation as a table, fused last. */
export function ablationTable(ablation: readonly AblationEntry[]): Table {
  const order: AblationEntry['modality'][] = ['image', 'audio', 'both'];
  return {
    headers: ['Inputs', 'Validation accuracy', 'Note'],
    rows: [...ablation]
      .sort((a, b) => order.indexOf(a.modality) - order.indexOf(b.modality))
      .map((a) => [modalityLabel(a.modality), `${(100 * a.valAccuracy).toFixed(2)}%`, a.note ?? '']),
  };
}

const percent = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(2)}%`);

/** A robust-fusion calibration as a table: each expert and the product, weight and validation accuracy (audio as is / shifted). */
export function fusionTable(fusion: FusionInput): Table {
  // Attention fusion's fused head attends over the audio frames: it is not the paper's classifier.
  const fused = fusion.strategy === 'attention' ? 'Fused head (image attending to the audio frames)' : "Fused head (the paper's classifier)";
  const names = { fused, image: 'Image head', audio: 'Audio head', product: "Product of experts (the model's output)" } as const;
  return {
    headers: ['Expert', 'Weight', 'Validation accuracy', 'With shifted audio'],
    rows: (['fused', 'image', 'audio', 'product'] as const).map((k) => [
      names[k],
      // Two decimals, as the trial lines and summary.md give them (0, 0.75 and 0.4342 stood in one column).
      k === 'product' ? '' : fusion.weights[k].toFixed(2),
      percent(fusion.clean[k].acc),
      percent(fusion.shifted[k].acc),
    ]),
  };
}

/** The robust-fusion benchmark as two tables: test accuracy per set, and mean / worst per group. */
export function robustnessTables(r: RobustnessInput): [Table, Table] {
  return [
    { headers: ['Set', ...r.models], rows: r.perSet.map((row) => [row.set, ...row.acc.map(percent)]) },
    {
      headers: ['Sets', 'Model', 'Mean test accuracy', 'Worst (set)'],
      rows: r.summary.map((x) => [x.group, x.model, percent(x.mean), `${percent(x.worst)} (${x.worstSet})`]),
    },
  ];
}

/** A key/value table. */
export function keyValueTable(entries: Readonly<Record<string, string | number>>): Table {
  return { headers: ['Item', 'Value'], rows: Object.entries(entries).map(([k, v]) => [k, summaryCell(v)]) };
}

/**
 * A run summary's value as summary.md and the report's summary table both print it: a fraction
 * with 4 decimals (0.9950, not 0.995 in one and 0.9950 in the other), anything else as it is.
 */
export function summaryCell(value: string | number): string {
  return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value) ? value.toFixed(4) : String(value);
}

const escapeMarkdown = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** GitHub-flavoured Markdown table. */
export function markdownTable(table: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  return [line(table.headers), line(table.headers.map(() => '---')), ...table.rows.map(line)].join('\n');
}

/** Escape text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** HTML table (escaped), in a box that scrolls sideways when the table is wider than the page (the trials' parameters). */
export function htmlTable(table: Table): string {
  const head = table.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = table.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}
