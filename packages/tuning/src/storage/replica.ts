import type { Distribution, ParamValue } from '../distributions';
import type { TuningLogger } from '../logger';
import type { Direction, FrozenTrial, TrialState, UserAttrValue, WorkerInfo } from '../trial-state';
import { decodeNumber, JOURNAL_OP_NAMES, type JournalOp } from './journal-ops';

interface TrialRecord {
  number: number;
  state: TrialState;
  value: number | undefined;
  values: readonly number[] | undefined;
  constraints: readonly number[] | undefined;
  params: Record<string, ParamValue>;
  distributions: Record<string, Distribution>;
  intermediateValues: Map<number, number>;
  fixedParams: Record<string, ParamValue> | undefined;
  retryOf: number | undefined;
  worker: WorkerInfo | undefined;
  datetimeStart: number | undefined;
  datetimeComplete: number | undefined;
  lastHeartbeat: number | undefined;
  failReason: string | undefined;
  userAttrs: Record<string, UserAttrValue>;
  frozen: FrozenTrial | undefined;
}

interface StudyRecord {
  readonly name: string;
  readonly directions: readonly Direction[];
  readonly trials: TrialRecord[];
  snapshot: readonly FrozenTrial[] | undefined;
}

/**
 * In-memory state rebuilt by applying journal operations in order. Operations that do not apply
 * (an unknown trial, a finish on a finished trial) are skipped with a warning: the first one wins.
 */
export class Replica {
  private readonly studies = new Map<string, StudyRecord>();

  constructor(private readonly logger: TuningLogger) {}

  studyNames(): string[] {
    return [...this.studies.keys()];
  }

  direction(study: string): Direction | undefined {
    return this.studies.get(study)?.directions[0];
  }

  /** Directions of a study's objectives (one for a single-objective study), or undefined. */
  directions(study: string): readonly Direction[] | undefined {
    return this.studies.get(study)?.directions;
  }

  /** Frozen snapshot of a study's trials, ordered by number (empty for an unknown study). */
  trials(study: string): readonly FrozenTrial[] {
    const s = this.studies.get(study);
    if (s === undefined) return [];
    if (s.snapshot === undefined) s.snapshot = s.trials.map(freeze);
    return s.snapshot;
  }

  trial(study: string, number: number): FrozenTrial | undefined {
    return this.trials(study)[number];
  }

  /** Validates a parsed JSON line and applies it; returns false (after a warning) when it is not an operation. */
  applyParsed(raw: unknown, where: string): boolean {
    if (typeof raw !== 'object' || raw === null || !JOURNAL_OP_NAMES.includes((raw as { op?: never }).op as never)) {
      this.logger.warn(`${where}: not a journal operation, skipped`);
      return false;
    }
    const op = raw as JournalOp;
    if (typeof op.study !== 'string') {
      this.logger.warn(`${where}: operation \`${op.op}\` has no study name, skipped`);
      return false;
    }
    this.apply(op, where);
    return true;
  }

  apply(op: JournalOp, where = 'journal'): void {
    const skip = (why: string): void => this.logger.warn(`${where}: ${op.op} skipped (${why})`);
    if (op.op === 'create_study') {
      if (!this.studies.has(op.study)) {
        const directions = Array.isArray(op.directions) && op.directions.length > 0 ? Object.freeze([...op.directions]) : Object.freeze([op.direction]);
        this.studies.set(op.study, { name: op.study, directions, trials: [], snapshot: undefined });
      }
      return;
    }
    const study = this.studies.get(op.study);
    if (study === undefined) return skip(`unknown study \`${op.study}\``);
    if (op.op === 'create_trial') {
      if (op.number !== study.trials.length) return skip(`trial number ${op.number}, expected ${study.trials.length}`);
      study.trials.push({
        number: op.number,
        state: op.state,
        value: undefined,
        values: undefined,
        constraints: undefined,
        params: {},
        distributions: {},
        intermediateValues: new Map(),
        fixedParams: op.params,
        retryOf: op.retryOf,
        worker: op.worker,
        datetimeStart: op.state === 'RUNNING' ? op.ts : undefined,
        datetimeComplete: undefined,
        lastHeartbeat: op.state === 'RUNNING' ? op.ts : undefined,
        failReason: undefined,
        userAttrs: {},
        frozen: undefined,
      });
      study.snapshot = undefined;
      return;
    }
    const t = study.trials[op.number];
    if (t === undefined) return skip(`unknown trial ${op.number}`);
    switch (op.op) {
      case 'claim_trial':
        if (t.state !== 'WAITING') return skip(`trial ${op.number} is ${t.state}`);
        t.state = 'RUNNING';
        t.worker = op.worker;
        t.datetimeStart = op.ts;
        t.lastHeartbeat = op.ts;
        break;
      case 'set_param':
        if (t.state !== 'RUNNING') return skip(`trial ${op.number} is ${t.state}`);
        t.params[op.name] = op.value;
        t.distributions[op.name] = op.distribution;
        t.lastHeartbeat = op.ts;
        break;
      case 'report': {
        if (t.state !== 'RUNNING') return skip(`trial ${op.number} is ${t.state}`);
        const v = decodeNumber(op.value);
        if (v === undefined) return skip(`bad value ${JSON.stringify(op.value)}`);
        if (!t.intermediateValues.has(op.step)) t.intermediateValues.set(op.step, v);
        t.lastHeartbeat = op.ts;
        break;
      }
      case 'heartbeat':
        if (t.state !== 'RUNNING') return;
        t.lastHeartbeat = op.ts;
        break;
      case 'set_user_attr':
        if (t.state !== 'RUNNING') return skip(`trial ${op.number} is ${t.state}`);
        if (typeof op.key !== 'string' || !isUserAttrValue(op.value)) return skip(`bad user attribute ${JSON.stringify(op.key)}`);
        t.userAttrs[op.key] = op.value;
        t.lastHeartbeat = op.ts;
        break;
      case 'finish': {
        if (t.state !== 'RUNNING' && t.state !== 'WAITING') return skip(`trial ${op.number} is already ${t.state}`);
        const values = op.values === undefined ? undefined : decodeNumbers(op.values);
        const constraints = op.constraints === undefined ? undefined : decodeNumbers(op.constraints);
        if (values === null || constraints === null) return skip(`bad values ${JSON.stringify(op.values ?? op.constraints)}`);
        t.state = op.state;
        t.value = values === undefined ? (op.value === undefined ? undefined : decodeNumber(op.value)) : values.length === 1 ? values[0] : undefined;
        t.values = values ?? (t.value === undefined ? undefined : Object.freeze([t.value]));
        t.constraints = constraints;
        t.datetimeComplete = op.ts;
        t.failReason = op.reason;
        break;
      }
    }
    t.frozen = undefined;
    study.snapshot = undefined;
  }
}

function freeze(t: TrialRecord): FrozenTrial {
  if (t.frozen === undefined) {
    t.frozen = Object.freeze({
      number: t.number,
      state: t.state,
      value: t.value,
      values: t.values,
      constraints: t.constraints,
      params: Object.freeze({ ...t.params }),
      distributions: Object.freeze({ ...t.distributions }),
      intermediateValues: new Map(t.intermediateValues),
      fixedParams: t.fixedParams === undefined ? undefined : Object.freeze({ ...t.fixedParams }),
      retryOf: t.retryOf,
      worker: t.worker,
      datetimeStart: t.datetimeStart,
      datetimeComplete: t.datetimeComplete,
      lastHeartbeat: t.lastHeartbeat,
      failReason: t.failReason,
      userAttrs: Object.freeze({ ...t.userAttrs }),
    });
  }
  return t.frozen;
}

/** Decoded numbers of a journal array (frozen), or null when it is not an array of encoded numbers. */
function decodeNumbers(raw: unknown): readonly number[] | null {
  if (!Array.isArray(raw)) return null;
  const out = raw.map(decodeNumber);
  return out.every((v): v is number => v !== undefined) ? Object.freeze(out) : null;
}

/** Whether a value can be a user attribute (a JSON scalar; numbers finite). */
export function isUserAttrValue(v: unknown): v is UserAttrValue {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}
