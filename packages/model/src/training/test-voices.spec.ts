import { testVoicesLine } from './test-voices';

describe('testVoicesLine', () => {
  const adaptation = { n: 2000, confident: 1712, audioAgreement: 0.2646, audioValAccuracy: 0.87625, temperatureVal: 0.9, temperatureTarget: 0.15, audioScale: 0.1667 };

  it('says how far the test voices are from the validation ones and what the weights keep', () => {
    expect(testVoicesLine(adaptation)).toBe(
      'test voices: the audio expert agrees with 26.5% of the 1712 test rows the image expert is sure of (87.6% right on validation): unfamiliar, the experts that hear keep 17% of their weight',
    );
    expect(testVoicesLine({ ...adaptation, audioAgreement: 0.966, audioValAccuracy: 0.974, temperatureTarget: 1.1, audioScale: 1 })).toBe(
      'test voices: the audio expert agrees with 96.6% of the 1712 test rows the image expert is sure of (97.4% right on validation): as familiar as the validation voices, the weights are kept',
    );
  });

  it('says that nothing was checked when the image expert is sure of no test row', () => {
    expect(testVoicesLine({ ...adaptation, n: 40, confident: 0, audioAgreement: 0, audioScale: 1 })).toBe(
      'test voices: not checked (the image expert is sure of none of the 40 test rows); the weights chosen on validation are kept',
    );
  });
});
