import { formatDuration, parseDuration } from './duration';
import { UsageError } from './errors';

describe('parseDuration()', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2.5h', 9_000_000],
    ['15', 900_000],
    ['500ms', 500],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'ten minutes', '10x', '-5m', '0m', '0', '0.0', '0s', '0.000001', '0.1ms', '5m garbage'])('refuses %p naming the option', (text) => {
    expect(() => parseDuration(text, '--budget')).toThrow(UsageError);
    expect(() => parseDuration(text, '--budget')).toThrow(/`--budget`/);
  });
});

describe('formatDuration()', () => {
  it.each([
    [12.4, '12s'],
    [185, '3m05s'],
    [3720, '1h02m'],
    [-1, '?'],
    [NaN, '?'],
  ])('formats %p seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
