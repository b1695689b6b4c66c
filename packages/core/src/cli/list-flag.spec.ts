import { UsageError } from '../errors';
import { listFlag } from './list-flag';

describe('listFlag()', () => {
  it('splits and trims the entries', () => {
    expect(listFlag('a, b ,c', 'x')).toEqual(['a', 'b', 'c']);
    expect(listFlag('branin', 'functions', ['branin', 'hartmann6'])).toEqual(['branin']);
  });

  it.each([
    ['10,,20', undefined, 'Expected --x to be a comma-separated list of values, found an empty entry in `10,,20`'],
    [',', undefined, 'Expected --x to be a comma-separated list of values, found an empty entry in `,`'],
    ['', ['a', 'b'], 'Expected --x to be a comma-separated list of some of a, b, found an empty entry in ``'],
    ['a,c', ['a', 'b'], 'Expected --x to list some of a, b, found `c`'],
    ['5,5', undefined, 'Expected --x to name each entry once, found `5` twice in `5,5`'],
  ])('refuses %j (known: %j) with a UsageError', (value, known, message) => {
    expect(() => listFlag(value, 'x', known)).toThrow(new UsageError(message));
  });
});
