import type { TuningLogger } from '../logger';
import type { Trial } from '../trial';

/** A logger that keeps every warning, for assertions. */
export class MemoryLogger implements TuningLogger {
  readonly warnings: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
}

/** Branin on x in [-5, 10], y in [0, 15], shifted so its global minimum is 0. */
export function branin(trial: Trial): number {
  const x = trial.suggestFloat('x', -5, 10);
  const y = trial.suggestFloat('y', 0, 15);
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * Math.cos(x) + 10 - 0.39788735772973816;
}

const ACTIVATION_PENALTY: Record<string, number> = { relu: 0, elu: 0.5, tanh: 1, sigmoid: 2 };

/**
 * A hyperparameter-like test function with a log float, a log int, a plain int, a stepped float and a
 * categorical parameter; minimum 0 at lr=10^-2.5, units=64, act='relu', layers=3, dropout=0.2.
 */
export function mixedObjective(trial: Trial): number {
  const lr = trial.suggestFloat('lr', 1e-5, 1, { log: true });
  const units = trial.suggestInt('units', 8, 256, { log: true });
  const act = trial.suggestCategorical('act', ['relu', 'tanh', 'sigmoid', 'elu']);
  const layers = trial.suggestInt('layers', 1, 6);
  const dropout = trial.suggestFloat('dropout', 0, 0.5, { step: 0.05 });
  return (Math.log10(lr) + 2.5) ** 2 + (Math.log2(units) - 6) ** 2 + ACTIVATION_PENALTY[act] + 0.5 * (layers - 3) ** 2 + 4 * (dropout - 0.2) ** 2;
}

/** Median of a list (the upper middle for even lengths). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export { postgresBinDir, postgresTestable, startTestCluster, TEST_PG_PASSWORD, TEST_PG_USER, type TestCluster } from './postgres-cluster';
