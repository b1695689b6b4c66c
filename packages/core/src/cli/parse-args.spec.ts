import { UsageError } from '../errors';
import { HelpShown, parseArgs } from './parse-args';
import { positiveInt } from './positive-int';

const parse = (argv: string[]) =>
  parseArgs(argv, { name: 'digitfuse x', describe: 'Does x.' }, (y) =>
    y
      .option('batch-size', { type: 'number', default: 64, describe: 'samples per step' })
      .option('mode', { choices: ['a', 'b'] as const, default: 'a' as const })
      .option('out', { type: 'string', demandOption: true }),
  );

describe('parseArgs()', () => {
  it('parses flags, as written and in camel case', async () => {
    const args = await parse(['--out', 'o', '--batch-size', '8']);
    expect(args).toMatchObject({ out: 'o', batchSize: 8, 'batch-size': 8, mode: 'a' });
  });

  it.each([
    [['--out', 'o', '--bogus-flag'], 'Unknown argument: bogus-flag (see --help)'],
    [['--out', 'o', 'extra'], 'Unknown argument: extra (see --help)'],
    [['--out', 'o', '--mode', 'c'], 'Invalid values: Argument: mode, Given: "c", Choices: "a", "b" (see --help)'],
    [[], 'Missing required argument: out (see --help)'],
  ])('refuses %j with one UsageError line', async (argv, message) => {
    const failure = parse(argv);
    await expect(failure).rejects.toThrow(UsageError);
    await expect(parse(argv)).rejects.toThrow(message);
  });

  it('prints the help and throws HelpShown', async () => {
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    try {
      await expect(parse(['--help'])).rejects.toThrow(HelpShown);
    } finally {
      log.mockRestore();
    }
    expect(out.join('\n')).toMatch(/^digitfuse x \[options\]\n\nDoes x\.\n\nOptions:/);
    expect(out.join('\n')).toMatch(/--batch-size\s+samples per step/);
  });
});

describe('positiveInt()', () => {
  it('accepts integers in range and names the flag otherwise', () => {
    expect(positiveInt(3, 'trials')).toBe(3);
    expect(positiveInt(0, 'seed', { allowZero: true })).toBe(0);
    expect(() => positiveInt(0, 'trials')).toThrow(new UsageError('Expected --trials to be a positive integer, got 0'));
    expect(() => positiveInt(1.5, 'seed', { allowZero: true })).toThrow('Expected --seed to be a non-negative integer, got 1.5');
    expect(() => positiveInt(20_000, 'trials', { max: 10_000 })).toThrow('Expected --trials to be an integer from 1 to 10000, got 20000');
    expect(() => positiveInt(NaN, 'epochs')).toThrow('Expected --epochs to be a positive integer, got NaN');
  });
});
