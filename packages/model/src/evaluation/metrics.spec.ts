import { argmaxRows, classificationMetrics, confusionMatrix, crossEntropy } from './metrics';

describe('confusionMatrix() and classificationMetrics()', () => {
  // 3 classes: true 0 0 0 1 1 2 ; predicted 0 0 1 1 2 2
  const labels = Int32Array.from([0, 0, 0, 1, 1, 2]);
  const predicted = Int32Array.from([0, 0, 1, 1, 2, 2]);

  it('counts true rows against predicted columns', () => {
    expect(Array.from(confusionMatrix(labels, predicted, 3))).toEqual([2, 1, 0, 0, 1, 1, 0, 0, 1]);
  });

  it('computes accuracy, per-class precision/recall/F1 and macro-F1', () => {
    const m = classificationMetrics(confusionMatrix(labels, predicted, 3), 3);
    expect(m.accuracy).toBeCloseTo(4 / 6);
    expect(m.perClass[0]).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(m.perClass[1].precision).toBeCloseTo(0.5);
    expect(m.perClass[1].recall).toBeCloseTo(0.5);
    expect(m.perClass[2].precision).toBeCloseTo(0.5);
    expect(m.perClass[2].recall).toBe(1);
    expect(m.perClass[2].f1).toBeCloseTo(2 / 3);
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3);
  });

  it('averages F1 only over classes that occur and gives 0 for undefined ratios', () => {
    const m = classificationMetrics(confusionMatrix([0, 0, 1], [0, 1, 1], 4), 4);
    expect(m.perClass[3]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.macroF1).toBeCloseTo((2 / 3 + 2 / 3) / 2);
  });

  it('rejects out-of-range classes and length mismatches', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow('Expected classes in 0..2, found label 3 and prediction 1 at row 1');
    expect(() => confusionMatrix([0], [0, 1], 3)).toThrow(RangeError);
  });
});

describe('argmaxRows() and crossEntropy()', () => {
  it('picks the largest entry of each row and averages -log p(label)', () => {
    const probs = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.1, 0.8]);
    expect(Array.from(argmaxRows(probs, 3))).toEqual([0, 2]);
    expect(crossEntropy(probs, [0, 1], 3)).toBeCloseTo(-(Math.log(0.7) + Math.log(0.1)) / 2, 6);
    expect(crossEntropy(Float32Array.from([1, 0]), [1], 2)).toBeCloseTo(-Math.log(1e-7), 4);
  });
});
