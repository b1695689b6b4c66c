import { chooseAmong, chooseTrial, figuresOf, KEPT_EPOCH_ATTR, keptEpochOf, objectiveValue, OBJECTIVE_NAMES, type Candidate } from './objective';
import { isPaperConfiguration, PAPER_BEST_PARAMS } from './search-space';

describe('objectiveValue()', () => {
  // The case: a trial that fuses familiar voices best but sees worse loses to the paper's configuration.
  const paper = { clean: 0.997, shifted: 0.994, image: 0.991 };
  const leansOnVoices = { clean: 0.9978, shifted: 0.993, image: 0.9815 };

  it('clean ranks by the training voices only (what picked the wrong trial)', () => {
    expect(objectiveValue('clean', leansOnVoices)).toBeGreaterThan(objectiveValue('clean', paper));
  });

  it('shift-aware averages the worse of clean and shifted with the image expert, and prefers the trial that sees well', () => {
    expect(objectiveValue('shift-aware', paper)).toBeCloseTo((0.994 + 0.991) / 2, 12);
    expect(objectiveValue('shift-aware', paper)).toBeGreaterThan(objectiveValue('shift-aware', leansOnVoices));
  });

  it('worst takes the worse of clean and shifted; without an image expert shift-aware does too', () => {
    expect(objectiveValue('worst', { clean: 0.9, shifted: 0.95, image: 0.1 })).toBe(0.9);
    expect(objectiveValue('shift-aware', { clean: 0.99, shifted: 0.95, image: null })).toBe(0.95);
  });

  it('lists every objective once', () => {
    expect(OBJECTIVE_NAMES).toEqual(['shift-aware', 'worst', 'clean']);
  });
});

describe('figuresOf()', () => {
  it('reads the recorded figures, and null for a trial without them', () => {
    expect(figuresOf({ val_clean: 0.9, val_shifted: 0.8, val_image: 0.7 })).toEqual({ clean: 0.9, shifted: 0.8, image: 0.7 });
    expect(figuresOf({ val_clean: 0.9, val_shifted: 0.8 })).toEqual({ clean: 0.9, shifted: 0.8, image: null });
    expect(figuresOf({ val_clean: 0.9 })).toBeNull();
    expect(figuresOf(undefined)).toBeNull();
  });
});

describe('keptEpochOf()', () => {
  it('is the epoch a completed trial kept when it recorded one, else the epoch of its best intermediate value', () => {
    expect(keptEpochOf('COMPLETE', { [KEPT_EPOCH_ATTR]: 10 }, 9)).toBe(10);
    expect(keptEpochOf('COMPLETE', {}, 9)).toBe(9);
    expect(keptEpochOf('COMPLETE', undefined, null)).toBeNull();
  });
  it('is none for a pruned, failed or running trial: it kept no epoch', () => {
    for (const state of ['PRUNED', 'FAIL', 'RUNNING']) expect(keptEpochOf(state, { [KEPT_EPOCH_ATTR]: 4 }, 4)).toBeNull();
  });
});

describe('chooseTrial()', () => {
  const c = (number: number, value: number, baseline = false, rows: number | null = 2400): Candidate => ({ number, value, rows, baseline });
  const order = (cs: Candidate[]) => chooseTrial(cs).ranked.map((t) => t.number);

  it('takes the highest value, lower number first on ties', () => {
    expect(order([c(0, 0.95, true), c(1, 0.99), c(2, 0.97), c(3, 0.99)])).toEqual([1, 3, 2, 0]);
    expect(chooseTrial([c(0, 0.95, true), c(1, 0.99)]).keptBaseline).toBeNull();
  });

  it("keeps the paper's configuration first when it is within one standard error of the highest", () => {
    // sqrt(0.98 * 0.02 / 2400) = 0.00286: 0.9792 is within it of 0.9800 (the case that cost a voice 0.7 points).
    const choice = chooseTrial([c(0, 0.9792, true), c(3, 0.9785), c(4, 0.98), c(5, 0.97)]);
    expect(choice.ranked.map((t) => t.number)).toEqual([0, 4, 3, 5]);
    expect(choice.keptBaseline).toEqual({ over: 4, overValue: 0.98, standardError: expect.closeTo(Math.sqrt((0.98 * 0.02) / 2400), 10) });
    // Just outside it, or measured on many more rows, the higher value wins.
    expect(order([c(0, 0.98 - 0.0029, true), c(4, 0.98)])).toEqual([4, 0]);
    expect(order([c(0, 0.9792, true), c(4, 0.98, false, 60_000)])).toEqual([4, 0]);
  });

  it('ranks by value alone without a baseline among the trials or without the rows the values were measured on', () => {
    expect(order([c(1, 0.979), c(4, 0.98)])).toEqual([4, 1]);
    expect(order([c(0, 0.9792, true, null), c(4, 0.98, false, null)])).toEqual([4, 0]);
    expect(chooseTrial([]).ranked).toEqual([]);
  });
});

describe('chooseAmong()', () => {
  it("reads a study's trials: COMPLETE ones with a value, their recorded validation rows, the paper's configuration by its parameters", () => {
    const t = (number: number, state: string, value: number | undefined, params: Record<string, unknown>, rows?: number) => ({
      number,
      state,
      value,
      params,
      userAttrs: rows === undefined ? {} : { val_rows: rows },
    });
    const trials = [
      t(0, 'COMPLETE', 0.9792, PAPER_BEST_PARAMS, 2400),
      t(1, 'PRUNED', 0.99, { units: 40 }),
      t(2, 'RUNNING', undefined, { units: 41 }),
      t(3, 'COMPLETE', 0.98, { units: 42 }, 2400),
      t(4, 'FAIL', undefined, { units: 43 }),
    ];
    const choice = chooseAmong(trials, isPaperConfiguration);
    expect(choice.ranked.map((c) => [c.number, c.baseline])).toEqual([
      [0, true],
      [3, false],
    ]);
    expect(choice.keptBaseline?.over).toBe(3);
    // Trials from before val_rows was recorded: the highest value.
    expect(chooseAmong(trials.map((x) => ({ ...x, userAttrs: {} })), isPaperConfiguration).ranked[0].number).toBe(3);
  });
});

describe('isPaperConfiguration()', () => {
  it("recognises the paper's parameters, also without the audio filters of an image-only run", () => {
    expect(isPaperConfiguration(PAPER_BEST_PARAMS)).toBe(true);
    expect(isPaperConfiguration(Object.fromEntries(Object.entries(PAPER_BEST_PARAMS).filter(([k]) => !k.startsWith('aud_'))))).toBe(true);
    expect(isPaperConfiguration({ ...PAPER_BEST_PARAMS, units: 127 })).toBe(false);
    expect(isPaperConfiguration({ ...PAPER_BEST_PARAMS, extra: 1 })).toBe(false);
    expect(isPaperConfiguration({})).toBe(false);
  });
});
