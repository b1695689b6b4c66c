import { figuresOf, objectiveValue, OBJECTIVE_NAMES } from './objective';

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
