import type { FrozenTrial } from '@digitfuse/tuning';
import { EPOCH_ATTRS } from '../objective';
import type { TrialProgress } from './types';

/**
 * A running trial's progress: the epochs it reported (one intermediate value per epoch, step = epoch
 * counted from 1), its last value, and when its remaining epochs should be done at the mean pace of
 * the finished ones (from the trial's start to the journal time of its last report), and the training
 * loss and accuracy it recorded after its last epoch (`EPOCH_ATTRS`). Pure.
 *
 * @param reportTimes step -> journal time (epoch ms) of the trial's reports
 * @param epochs most epochs per trial (run.json `options.epochs`); null when unknown
 */
export function trialProgress(trial: FrozenTrial, reportTimes: ReadonlyMap<number, number> | undefined, epochs: number | null): TrialProgress | null {
  if (trial.state !== 'RUNNING') return null;
  let last: number | undefined;
  for (const step of trial.intermediateValues.keys()) if (last === undefined || step > last) last = step;
  const epochsDone = last ?? 0;
  const lastValue = last === undefined ? null : (trial.intermediateValues.get(last) ?? null);
  const lastAt = last === undefined ? undefined : reportTimes?.get(last);
  const start = trial.datetimeStart;
  const epochSeconds = epochsDone > 0 && lastAt !== undefined && start !== undefined && lastAt >= start ? (lastAt - start) / 1000 / epochsDone : null;
  const etaAt =
    epochs !== null && epochSeconds !== null && lastAt !== undefined ? lastAt + Math.max(0, epochs - epochsDone) * epochSeconds * 1000 : null;
  const attr = (key: string) => {
    const v = trial.userAttrs[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  return {
    epochsDone,
    epochs,
    lastValue: lastValue !== null && Number.isFinite(lastValue) ? lastValue : null,
    loss: attr(EPOCH_ATTRS.loss),
    acc: attr(EPOCH_ATTRS.acc),
    epochSeconds,
    etaAt,
  };
}
