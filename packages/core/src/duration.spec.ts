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
    ['90m', 5_400_000],
    ['1h59m59s', 7_199_000],
    ['1m30s', 90_000],
    ['1s500ms', 1500],
    ['1H30M', 5_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'ten minutes', '10x', '-5m', '0m', '0', '0.0', '0s', '0.000001', '0.1ms', '5m garbage'])('refuses %p naming the option', (text) => {
    expect(() => parseDuration(text, '--budget')).toThrow(UsageError);
    expect(() => parseDuration(text, '--budget')).toThrow(/`--budget`/);
  });

  it.each([
    ['1h90m', 'Expected the minutes of `--budget` to be below 60 after its hours, found `1h90m`'],
    ['1h60m', 'Expected the minutes of `--budget` to be below 60 after its hours, found `1h60m`'],
    ['1h90s', 'Expected the seconds of `--budget` to be below 60 after its hours, found `1h90s`'],
    ['2m75s', 'Expected the seconds of `--budget` to be below 60 after its minutes, found `2m75s`'],
    ['1s1500ms', 'Expected the milliseconds of `--budget` to be below 1000 after its seconds, found `1s1500ms`'],
    ['10m10m', 'Expected `--budget` to give each unit once, found m twice in `10m10m`'],
    ['10m5s10m', 'Expected `--budget` to give each unit once, found m twice in `10m5s10m`'],
    ['30m1h', 'Expected `--budget` to give its units largest first (1h30m), found `30m1h`'],
    ['1.5h30m', 'Expected `--budget` to have a fraction only in its last unit (1h30m or 1.5h), found `1.5h30m`'],
  ])('refuses %p: a unit twice, out of order, or 60 of one after a larger one', (text, message) => {
    expect(() => parseDuration(text, '--budget')).toThrow(new UsageError(message));
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
