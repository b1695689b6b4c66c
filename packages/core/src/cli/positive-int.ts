import { UsageError } from '../errors';

/** Bounds of {@link positiveInt}. */
export interface IntRange {
  /** Accept 0 too. Default false. */
  readonly allowZero?: boolean;
  /** Largest accepted value. Default none. */
  readonly max?: number;
}

/**
 * The largest batch a command takes (`--batch-size`, `--batch`): 65,536 rows, many times any useful
 * batch here, and far below the sizes whose buffers could not be allocated (a one-line refusal instead
 * of an out-of-memory stack trace minutes in).
 */
export const MAX_BATCH = 65_536;

/**
 * Returns `value` when it is an integer >= 1 (>= 0 with `allowZero`, at most `max`); otherwise
 * throws a {@link UsageError} naming the flag, e.g. `Expected --trials to be a positive integer, found 0`.
 */
export function positiveInt(value: unknown, flag: string, range: IntRange = {}): number {
  const min = range.allowZero ? 0 : 1;
  const { max } = range;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const expected = max !== undefined ? `an integer from ${min} to ${max}` : range.allowZero ? 'a non-negative integer' : 'a positive integer';
    throw new UsageError(`Expected --${flag} to be ${expected}, found ${String(value)}`);
  }
  return value;
}
