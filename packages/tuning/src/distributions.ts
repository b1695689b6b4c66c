import { ConfigError } from './errors';

/** A categorical choice: anything that survives a JSON round trip unchanged. */
export type CategoricalChoice = string | number | boolean | null;
/** The value of a parameter as the objective sees it. */
export type ParamValue = number | CategoricalChoice;

export interface FloatDistribution {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  /** Grid spacing, or undefined for a continuous range. */
  readonly step?: number;
  readonly log: boolean;
}

export interface IntDistribution {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly step: number;
  readonly log: boolean;
}

export interface CategoricalDistribution {
  readonly type: 'categorical';
  readonly choices: readonly CategoricalChoice[];
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;
export type NumericDistribution = FloatDistribution | IntDistribution;

/** Options of `suggestFloat` / `suggestInt`. */
export interface SuggestOptions {
  /** Grid spacing. Default: none for floats (continuous), 1 for ints. Not allowed with `log`, except 1 for ints. */
  readonly step?: number;
  /** Sample uniformly in log space; needs `low > 0`. Default: false. */
  readonly log?: boolean;
}

function fail(name: string, message: string): never {
  throw new ConfigError(`Parameter \`${name}\`: ${message}`);
}

function checkRange(name: string, low: number, high: number, log: boolean): void {
  if (!Number.isFinite(low) || !Number.isFinite(high)) {
    fail(name, `expected finite bounds, got low=${low}, high=${high}`);
  }
  if (low > high) fail(name, `expected low <= high, got low=${low} > high=${high}`);
  if (log && low <= 0) fail(name, `log=true needs low > 0, got low=${low}`);
}

/** Builds and validates a float distribution; the range's upper end is snapped onto the step grid. */
export function floatDistribution(name: string, low: number, high: number, options: SuggestOptions = {}): FloatDistribution {
  const log = options.log ?? false;
  checkRange(name, low, high, log);
  const step = options.step;
  if (step === undefined) return { type: 'float', low, high, log };
  if (!(step > 0) || !Number.isFinite(step)) fail(name, `expected step > 0, got step=${step}`);
  if (log) fail(name, `step and log cannot be used together, got step=${step}, log=true`);
  const k = Math.floor((high - low) / step + 1e-9);
  return { type: 'float', low, high: roundToStep(low + k * step, step), step, log };
}

/** Builds and validates an int distribution; the range's upper end is snapped onto the step grid. */
export function intDistribution(name: string, low: number, high: number, options: SuggestOptions = {}): IntDistribution {
  const log = options.log ?? false;
  const step = options.step ?? 1;
  if (!Number.isInteger(low) || !Number.isInteger(high)) fail(name, `expected integer bounds, got low=${low}, high=${high}`);
  checkRange(name, low, high, log);
  if (!Number.isInteger(step) || step < 1) fail(name, `expected an integer step >= 1, got step=${step}`);
  if (log && step !== 1) fail(name, `step and log cannot be used together, got step=${step}, log=true`);
  return { type: 'int', low, high: low + Math.floor((high - low) / step) * step, step, log };
}

/** Builds and validates a categorical distribution. */
export function categoricalDistribution(name: string, choices: readonly CategoricalChoice[]): CategoricalDistribution {
  if (!Array.isArray(choices) || choices.length === 0) fail(name, `expected at least one choice, got ${JSON.stringify(choices)}`);
  for (const c of choices) {
    const ok = c === null || typeof c === 'string' || typeof c === 'boolean' || (typeof c === 'number' && Number.isFinite(c));
    if (!ok) fail(name, `choices must be strings, finite numbers, booleans or null, got ${String(c)}`);
  }
  return { type: 'categorical', choices: [...choices] };
}

function roundToStep(x: number, step: number): number {
  // Keeps decimal grids such as 0.1 readable (0.30000000000000004 -> 0.3).
  const decimals = Math.max(0, Math.min(15, Math.ceil(-Math.log10(step)) + 3));
  return Number(x.toFixed(decimals));
}

/** Whether two distributions are the same search space. */
export function sameDistribution(a: Distribution, b: Distribution): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'categorical' && b.type === 'categorical') {
    return a.choices.length === b.choices.length && a.choices.every((c, i) => c === b.choices[i]);
  }
  const x = a as NumericDistribution;
  const y = b as NumericDistribution;
  return x.low === y.low && x.high === y.high && x.step === y.step && x.log === y.log;
}

/** Human-readable form used in error messages. */
export function describeDistribution(d: Distribution): string {
  if (d.type === 'categorical') return `categorical ${JSON.stringify(d.choices)}`;
  const extras = [d.step !== undefined ? `step=${d.step}` : '', d.log ? 'log' : ''].filter(Boolean).join(', ');
  return `${d.type} [${d.low}, ${d.high}]${extras ? ` (${extras})` : ''}`;
}

/**
 * The sampler's view of a value: numbers stay numbers, categorical values become their index.
 * Returns undefined when the value does not belong to the distribution.
 */
export function toInternal(d: Distribution, value: ParamValue): number | undefined {
  if (d.type === 'categorical') {
    const i = d.choices.findIndex((c) => c === value);
    return i < 0 ? undefined : i;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (value < d.low - 1e-12 * Math.abs(d.low) || value > d.high + 1e-12 * Math.abs(d.high)) return undefined;
  if (d.type === 'int' && !Number.isInteger(value)) return undefined;
  return value;
}

/** Inverse of `toInternal`; numeric values are snapped onto the grid and clipped into range. */
export function fromInternal(d: Distribution, internal: number): ParamValue {
  if (d.type === 'categorical') return d.choices[Math.max(0, Math.min(d.choices.length - 1, Math.round(internal)))];
  let v = internal;
  if (d.step !== undefined) {
    v = d.low + Math.round((v - d.low) / d.step) * d.step;
    if (d.type === 'float') v = roundToStep(v, d.step);
  } else if (d.type === 'int') {
    v = Math.round(v);
  }
  return Math.min(d.high, Math.max(d.low, v));
}

/** Whether a value lies in the distribution (used for enqueued parameters). */
export function contains(d: Distribution, value: ParamValue): boolean {
  return toInternal(d, value) !== undefined;
}
