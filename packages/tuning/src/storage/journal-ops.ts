import type { Distribution, ParamValue } from '../distributions';
import type { Direction, FinishedState, UserAttrValue, WorkerInfo } from '../trial-state';

/** A number as stored in JSON: non-finite values become the strings "NaN", "Infinity", "-Infinity". */
export type EncodedNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function encodeNumber(x: number): EncodedNumber {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'Infinity' : '-Infinity';
}

export function decodeNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  return undefined;
}

/**
 * One line of the journal. `ts` is epoch milliseconds. A study with several objectives also writes
 * `directions` (its `direction` is then the first one) and its trials finish with `values`; a
 * single-objective study writes exactly what older versions wrote, so old journals still load.
 */
export type JournalOp =
  | {
      readonly op: 'create_study';
      readonly study: string;
      readonly direction: Direction;
      readonly directions?: readonly Direction[];
      readonly ts: number;
    }
  | {
      readonly op: 'create_trial';
      readonly study: string;
      readonly number: number;
      readonly state: 'RUNNING' | 'WAITING';
      readonly worker?: WorkerInfo;
      readonly params?: Record<string, ParamValue>;
      readonly retryOf?: number;
      readonly ts: number;
    }
  | { readonly op: 'claim_trial'; readonly study: string; readonly number: number; readonly worker: WorkerInfo; readonly ts: number }
  | {
      readonly op: 'set_param';
      readonly study: string;
      readonly number: number;
      readonly name: string;
      readonly distribution: Distribution;
      readonly value: ParamValue;
      readonly ts: number;
    }
  | { readonly op: 'report'; readonly study: string; readonly number: number; readonly step: number; readonly value: EncodedNumber; readonly ts: number }
  | { readonly op: 'heartbeat'; readonly study: string; readonly number: number; readonly ts: number }
  | { readonly op: 'set_user_attr'; readonly study: string; readonly number: number; readonly key: string; readonly value: UserAttrValue; readonly ts: number }
  | {
      readonly op: 'finish';
      readonly study: string;
      readonly number: number;
      readonly state: FinishedState;
      readonly value?: EncodedNumber;
      /** Objective values of a trial of a study with several objectives. */
      readonly values?: readonly EncodedNumber[];
      /** Constraint values (feasible when all are <= 0). */
      readonly constraints?: readonly EncodedNumber[];
      readonly reason?: string;
      readonly ts: number;
    };

export const JOURNAL_OP_NAMES: readonly JournalOp['op'][] = [
  'create_study',
  'create_trial',
  'claim_trial',
  'set_param',
  'report',
  'heartbeat',
  'set_user_attr',
  'finish',
];
