import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TuningLogger } from '../logger';
import type { Trial } from '../trial';
import type { FrozenTrial } from '../trial-state';

/** Branin, shifted so its global minimum is 0 (the samplers' benchmark function). */
export { branin } from '../bench/bench-functions';

/** A logger that keeps every warning, for assertions. */
export class MemoryLogger implements TuningLogger {
  readonly warnings: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
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

/** A new temporary folder for each test of the spec (`prefix` names it), removed after the test; returns a getter for it. */
export function tempDirEachTest(prefix: string): () => string {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

export { pgbouncerBin, poolerTestable, postgresBinDir, postgresTestable, startTestCluster, startTestPooler, TEST_PG_PASSWORD, TEST_PG_USER, type TestCluster, type TestPooler } from './postgres-cluster';
export { startTcpRelay, type RelayMode, type TcpRelay } from './tcp-relay';

/** The constraint of the samplers' constraint specs, x + y <= 1 (`constraintsFunc`: its violation x + y - 1). */
export const xPlusYAtMostOne = (t: FrozenTrial): number[] => [(t.params.x as number) + (t.params.y as number) - 1];

/**
 * The median share of feasible trials (x + y <= 1) over seeds 0 to `seeds - 1`, with and without the
 * constraint: `lateTrials(seed, constrained)` runs a study and returns the trials to count.
 */
export async function feasibleShares(
  lateTrials: (seed: number, constrained: boolean) => Promise<readonly FrozenTrial[]>,
  seeds = 6,
): Promise<{ constrained: number; unconstrained: number }> {
  const share = async (seed: number, constrained: boolean): Promise<number> => {
    const late = await lateTrials(seed, constrained);
    return late.filter((t) => xPlusYAtMostOne(t)[0] <= 0).length / late.length;
  };
  const on: number[] = [];
  const off: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    on.push(await share(seed, true));
    off.push(await share(seed, false));
  }
  return { constrained: median(on), unconstrained: median(off) };
}
