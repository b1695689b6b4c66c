import { UsageError } from '../errors';
import { typedNumber } from './parse-args';

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
 * Returns `value` when it is an integer >= 1 (>= 0 with `allowZero`, at most `max`), written in digits
 * when `--flag` gave it on the command line (not `1e2` nor `2.0`); otherwise throws a {@link UsageError}
 * naming the flag and what was typed, e.g. `Expected --trials to be a positive integer, found 0` (`... written in
 * digits, found 2.0` for one written otherwise).
 */
export function positiveInt(value: unknown, flag: string, range: IntRange = {}): number {
  const min = range.allowZero ? 0 : 1;
  const { max } = range;
  // What the command line gave --flag, when `value` is what it read there.
  const typed = typedNumber(flag);
  const text = typed !== undefined && Number(typed) === value ? typed : undefined;
  const notDigits = text !== undefined && Number.isInteger(value) && !/^-?\d+$/.test(text);
  if (typeof value !== 'number' || !Number.isInteger(value) || notDigits || value < min || (max !== undefined && value > max)) {
    const expected = max !== undefined ? `an integer from ${min} to ${max}` : range.allowZero ? 'a non-negative integer' : 'a positive integer';
    // `--trials 2.0` or `1e2` is refused for how it is written: say so, or the line reads as a contradiction.
    throw new UsageError(`Expected --${flag} to be ${expected}${notDigits ? ' written in digits' : ''}, found ${text ?? String(value)}`);
  }
  return value;
}
