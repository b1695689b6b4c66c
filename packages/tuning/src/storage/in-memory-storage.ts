import { consoleLogger, type TuningLogger } from '../logger';
import type { JournalOp } from './journal-ops';
import { ReplicatedStorage } from './replicated-storage';

export interface InMemoryStorageArgs {
  /** Receives warnings. Default: `consoleLogger`. */
  readonly logger?: TuningLogger;
}

/** Keeps studies in this process's memory; nothing survives the process. */
export class InMemoryStorage extends ReplicatedStorage {
  constructor(args: InMemoryStorageArgs = {}) {
    super(args.logger ?? consoleLogger);
  }

  protected refresh(): void {}

  protected commit<T>(fn: () => { ops: readonly JournalOp[]; result: T }): T {
    const { ops, result } = fn();
    this.applyAll(ops);
    return result;
  }

  protected release(): void {}
}

/** Factory for `InMemoryStorage`. */
export function inMemoryStorage(args: InMemoryStorageArgs = {}): InMemoryStorage {
  return new InMemoryStorage(args);
}
