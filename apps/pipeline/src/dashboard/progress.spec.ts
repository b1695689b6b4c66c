import type { FrozenTrial } from '@digitfuse/tuning';
import { trialProgress } from './progress';

const trial = (state: FrozenTrial['state'], values: number[], start = 1_000_000, userAttrs: FrozenTrial['userAttrs'] = {}): FrozenTrial =>
  ({
    number: 4,
    state,
    value: undefined,
    values: undefined,
    constraints: undefined,
    params: {},
    distributions: {},
    intermediateValues: new Map(values.map((v, i) => [i + 1, v])),
    fixedParams: undefined,
    retryOf: undefined,
    worker: undefined,
    datetimeStart: start,
    datetimeComplete: undefined,
    lastHeartbeat: undefined,
    failReason: undefined,
    userAttrs,
  }) as FrozenTrial;

describe('trialProgress()', () => {
  it('estimates the end from the mean pace of the finished epochs', () => {
    // Started at 1,000 s; epochs ended at 1,030, 1,060, 1,090 s: 30 s each, 7 of 10 left.
    const times = new Map([[1, 1_030_000], [2, 1_060_000], [3, 1_090_000]]);
    expect(trialProgress(trial('RUNNING', [0.9, 0.95, 0.97]), times, 10)).toEqual({
      epochsDone: 3,
      epochs: 10,
      lastValue: 0.97,
      loss: null,
      acc: null,
      epochSeconds: 30,
      etaAt: 1_090_000 + 7 * 30_000,
    });
  });

  it("shows the training loss and accuracy of the trial's last epoch (train_loss / train_acc)", () => {
    const running = trial('RUNNING', [0.9, 0.95], 1_000_000, { train_loss: 0.4213, train_acc: 0.871, val_clean: 'x' });
    expect(trialProgress(running, new Map([[2, 1_060_000]]), 10)).toMatchObject({ loss: 0.4213, acc: 0.871 });
    expect(trialProgress(trial('RUNNING', [0.9], 1_000_000, { train_loss: 'NaN' }), new Map(), 10)).toMatchObject({ loss: null, acc: null });
  });

  it('knows no pace before the first epoch ends, and no end without the epoch count', () => {
    expect(trialProgress(trial('RUNNING', []), new Map(), 10)).toEqual({ epochsDone: 0, epochs: 10, lastValue: null, loss: null, acc: null, epochSeconds: null, etaAt: null });
    expect(trialProgress(trial('RUNNING', [0.9]), new Map([[1, 1_040_000]]), null)).toMatchObject({ epochsDone: 1, epochSeconds: 40, etaAt: null });
  });

  it('is null for a trial that is not running', () => {
    expect(trialProgress(trial('COMPLETE', [0.9]), new Map([[1, 1_040_000]]), 10)).toBeNull();
  });
});
