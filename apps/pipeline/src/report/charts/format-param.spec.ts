import { formatParam } from './format-param';

describe('formatParam()', () => {
  it('writes integers as they are, else three significant digits, with an exponent under 0.01 and from 10000 on', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [64, '64'],
      // An integer parameter (a batch size, a step count) keeps every digit: '1.64e+4' hid which one it was.
      [16384, '16384'],
      [-20000, '-20000'],
      [0.25, '0.25'],
      [0.123456, '0.123'],
      [0.01, '0.01'],
      [0.005749, '5.75e-3'],
      [0.000763, '7.63e-4'],
      [12345.6, '1.23e+4'],
      [-0.5, '-0.5'],
    ];
    expect(cases.map(([v]) => [v, formatParam(v)])).toEqual(cases);
  });
});
