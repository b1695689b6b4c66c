/**
 * Test functions of `tuning:bench-samplers`, each returning its regret (value minus the known
 * minimum, so 0 is the best possible). optuna_samplers.py holds the same definitions for Optuna's
 * side; keep the two in step.
 */

/** What the functions need from a trial (the package's Trial satisfies it). */
export interface SuggestingTrial {
  suggestFloat(name: string, low: number, high: number, options?: { log?: boolean; step?: number }): number;
  suggestInt(name: string, low: number, high: number, options?: { log?: boolean }): number;
  suggestCategorical<T extends number>(name: string, choices: readonly T[]): T;
}

export interface BenchFunction {
  /** One line for the report. */
  readonly title: string;
  /** Suggests the parameters and returns the regret (>= 0). */
  readonly regret: (trial: SuggestingTrial) => number;
}

const BRANIN_MIN = 0.397887357729738;
const HARTMANN6_MIN = -3.322368011415515;
const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
  [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
  [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.665],
  [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];
const FILTER_NAMES = ['img_filters_1', 'img_filters_2', 'img_filters_3', 'aud_filters_1', 'aud_filters_2', 'aud_filters_3'];
/** The pipeline-like bowl's best filter counts (on the integer grid, so its minimum is exactly 0). */
const FILTER_BEST = [32, 48, 64, 40, 80, 96];

/** Position of v in [low, high] on a log scale, 0..1. */
function logPosition(v: number, low: number, high: number): number {
  return (Math.log(v) - Math.log(low)) / (Math.log(high) - Math.log(low));
}

/** Branin on x in [-5, 10], y in [0, 15] (three global minima, 0.397887). */
export function branin(trial: SuggestingTrial): number {
  const x = trial.suggestFloat('x', -5, 10);
  const y = trial.suggestFloat('y', 0, 15);
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const s = 1 / (8 * Math.PI);
  return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - s) * Math.cos(x) + 10 - BRANIN_MIN;
}

/** Hartmann-6 on [0, 1]^6 (minimum -3.32237, several local minima). */
export function hartmann6(trial: SuggestingTrial): number {
  return hartmann6Value([1, 2, 3, 4, 5, 6].map((i) => trial.suggestFloat(`x${i}`, 0, 1))) - HARTMANN6_MIN;
}

/** The best Hartmann-6 value on the 0.1 grid (brute force over its 11^6 points: spec). */
export const HARTMANN6_GRID_MIN = -3.2215609001775696;

/**
 * Hartmann-6 with every coordinate on a 0.1 grid (`step: 0.1`, 11 values each): a discrete space in
 * which TPE's draws can repeat, and the constant liar can keep concurrent trials off each other's points.
 */
export function hartmann6Grid(trial: SuggestingTrial): number {
  return hartmann6Value([1, 2, 3, 4, 5, 6].map((i) => trial.suggestFloat(`x${i}`, 0, 1, { step: 0.1 }))) - HARTMANN6_GRID_MIN;
}

/** Hartmann-6's value at x. */
export function hartmann6Value(x: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2;
    total += H6_ALPHA[i] * Math.exp(-inner);
  }
  return -total;
}

/**
 * The pipeline's search space (6 log-int filter counts 16..256, log-int units 32..512, dropout
 * 0.1..0.6, log learning rate 1e-4..1e-2) over a smooth bowl in log-scaled coordinates, with the
 * learning rate and the units coupled; minimum 0 at filters 32/48/64/40/80/96, 128 units, dropout
 * 0.25, learning rate 10^-2.7.
 */
export function pipelineBowl(trial: SuggestingTrial): number {
  const filters = FILTER_NAMES.map((n) => trial.suggestInt(n, 16, 256, { log: true }));
  const units = trial.suggestInt('units', 32, 512, { log: true });
  const dropout = trial.suggestFloat('dropout', 0.1, 0.6);
  const lr = trial.suggestFloat('learning_rate', 1e-4, 1e-2, { log: true });
  return pipelineBowlValue(filters, units, dropout, lr);
}

/** The choices of the categorical pipeline-like space: filters, units, dropout, learning rate. */
export const PIPELINE_CHOICES = {
  filters: [16, 32, 64, 128, 256],
  units: [32, 64, 128, 256, 512],
  dropout: [0.1, 0.2, 0.3, 0.4, 0.5],
  learningRate: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
} as const;

/** The bowl's least value over PIPELINE_CHOICES (the filters' terms are separable; brute force, spec). */
export const PIPELINE_CATEGORICAL_MIN = 0.1172306057576152;

/**
 * The pipeline-like bowl with every parameter a 5-way categorical (PIPELINE_CHOICES), as many users
 * write a search space: discrete, so TPE's draws can repeat.
 */
export function pipelineCategorical(trial: SuggestingTrial): number {
  const c = PIPELINE_CHOICES;
  const filters = FILTER_NAMES.map((n) => trial.suggestCategorical(n, c.filters));
  const units = trial.suggestCategorical('units', c.units);
  const dropout = trial.suggestCategorical('dropout', c.dropout);
  const lr = trial.suggestCategorical('learning_rate', c.learningRate);
  return pipelineBowlValue(filters, units, dropout, lr) - PIPELINE_CATEGORICAL_MIN;
}

/** The pipeline-like bowl's value (0 at its minimum). */
export function pipelineBowlValue(filters: readonly number[], units: number, dropout: number, lr: number): number {
  let f = 0;
  filters.forEach((v, i) => (f += (logPosition(v, 16, 256) - logPosition(FILTER_BEST[i], 16, 256)) ** 2));
  const du = logPosition(units, 32, 512) - logPosition(128, 32, 512);
  const dd = (dropout - 0.25) / 0.5;
  const dl = logPosition(lr, 1e-4, 1e-2) - logPosition(10 ** -2.7, 1e-4, 1e-2);
  return f + 2 * du ** 2 + 2 * dd ** 2 + 4 * dl ** 2 + 4 * (dl + du) ** 2;
}

/** The single-objective functions by name. */
export const BENCH_FUNCTIONS: Readonly<Record<string, BenchFunction>> = {
  branin: { title: 'Branin (2-D)', regret: branin },
  hartmann6: { title: 'Hartmann-6 (6-D)', regret: hartmann6 },
  pipeline: { title: "Pipeline-like space (6 log-int filters, log-int units, dropout, log lr; a bowl)", regret: pipelineBowl },
  'hartmann6-grid': { title: 'Hartmann-6 on a 0.1 grid (6-D, discrete)', regret: hartmann6Grid },
  'pipeline-categorical': { title: 'Pipeline-like bowl, every parameter a 5-way categorical (9-D, discrete)', regret: pipelineCategorical },
};

/** The functions run by default (the discrete ones on request: `--functions`). */
export const DEFAULT_BENCH_FUNCTIONS: readonly string[] = ['branin', 'hartmann6', 'pipeline'];

/** ZDT1 with `dims` variables in [0, 1]: two objectives to minimise; the Pareto front is f2 = 1 - sqrt(f1). */
export function zdt1(dims: number): (trial: SuggestingTrial) => [number, number] {
  return (trial) => {
    const x = Array.from({ length: dims }, (_, i) => trial.suggestFloat(`x${i + 1}`, 0, 1));
    let rest = 0;
    for (let i = 1; i < dims; i++) rest += x[i];
    const g = 1 + (9 * rest) / (dims - 1);
    return [x[0], g * (1 - Math.sqrt(x[0] / g))];
  };
}

/** The reference point of the ZDT1 hypervolumes, and the hypervolume of the true front against it (121 - 1/3). */
export const ZDT1_REFERENCE: readonly [number, number] = [11, 11];
export const ZDT1_IDEAL_HYPERVOLUME = 121 - 1 / 3;
