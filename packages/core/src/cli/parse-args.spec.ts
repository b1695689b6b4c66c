import { UsageError } from '../errors';
import { checkTokens, HelpShown, parseArgs } from './parse-args';
import { positiveInt } from './positive-int';

const parse = (argv: string[]) =>
  parseArgs(argv, { name: 'digitfuse x', describe: 'Does x.' }, (y) =>
    y
      .option('batch-size', { type: 'number', default: 64, describe: 'samples per step' })
      .option('mode', { choices: ['a', 'b'] as const, default: 'a' as const })
      .option('out', { type: 'string', demandOption: true })
      .option('budget', { type: 'string' })
      .option('tta', { type: 'boolean', default: false })
      .option('report', { type: 'boolean', default: true })
      .option('list', { type: 'array', string: true }),
  );

describe('parseArgs()', () => {
  it('parses flags, as written and in camel case', async () => {
    const args = await parse(['--out', 'o', '--batch-size', '8']);
    expect(args).toMatchObject({ out: 'o', batchSize: 8, 'batch-size': 8, mode: 'a' });
  });

  it.each([
    [['--out', 'o', '--bogus-flag'], 'Unknown argument: --bogus-flag (see --help)'],
    [['--out', 'o', 'extra'], 'Unknown argument: extra (see --help)'],
    // A typo of one of the command's flags names that flag (as the help shows it), a switch's `--no-` too.
    [['--out', 'o', '--bugdet', '5m'], 'Unknown argument: --bugdet; did you mean --budget? (see --help)'],
    [['--out', 'o', '--batchsize=8'], 'Unknown argument: --batchsize; did you mean --batch-size? (see --help)'],
    [['--out', 'o', '--no-reprot'], 'Unknown argument: --no-reprot; did you mean --no-report? (see --help)'],
    // yargs took an all-capitals flag for the lower-case one under another name, which nothing read.
    [['--out', 'o', '--BATCH-SIZE', '8'], 'Unknown argument: --BATCH-SIZE; did you mean --batch-size? (flags are lower-case; see --help)'],
    [['--out', 'o', '--NO-REPORT'], 'Unknown argument: --NO-REPORT; did you mean --no-report? (flags are lower-case; see --help)'],
    [['--out', 'o', '--Budget=5m'], 'Unknown argument: --Budget; did you mean --budget? (flags are lower-case; see --help)'],
    [['--out', 'o', '--no-bugdet'], 'Unknown argument: --no-bugdet (see --help)'],
    [['--out', 'o', '--versoin'], 'Unknown argument: --versoin (see --help)'],
    [['--out', 'o', 'ot'], 'Unknown argument: ot (see --help)'],
    [['--out', 'o', '--mode', 'c'], 'Expected --mode to be one of a, b, found `c` (see --help)'],
    [[], 'Expected --out (required), found none (see --help)'],
    // Named as typed: yargs calls `--no-cache` `cache`.
    [['--out', 'o', '--no-cache'], 'Unknown argument: --no-cache (see --help)'],
    [['--out', 'o', '--nocache=1', 'extra'], 'Unknown arguments: --nocache, extra (see --help)'],
  ])('refuses %j with one UsageError line', async (argv, message) => {
    const failure = parse(argv);
    await expect(failure).rejects.toThrow(UsageError);
    await expect(parse(argv)).rejects.toThrow(message);
  });

  it('reads switches, negations and values that start with a minus sign', async () => {
    expect(await parse(['--out', 'o', '--tta', '--no-report'])).toMatchObject({ tta: true, report: false });
    expect(await parse(['--out', 'o', '--tta=false', '--report=true'])).toMatchObject({ tta: false, report: true });
    expect(await parse(['--out', 'o', '--budget', '-5m', '--batch-size', '-2'])).toMatchObject({ budget: '-5m', batchSize: -2 });
    expect(await parse(['--out=-', '--batchSize', '8', '--'])).toMatchObject({ out: '-', batchSize: 8 });
    expect(await parse(['--out', '- dash item', '--budget', '-fix: a=b, c'])).toMatchObject({ out: '- dash item', budget: '-fix: a=b, c' });
    expect(await parse(['--out', 'o', '--no-report=true', '--tta=true'])).toMatchObject({ report: false, tta: true });
    expect(await parse(['--out', 'o', '--no-report=false', '--list', 'a', '--list', 'b'])).toMatchObject({ report: true, list: ['a', 'b'] });
    expect(await parse(['--out', 'o', '--list', 'a', 'b', '--list=c', '--tta'])).toMatchObject({ list: ['a', 'b', 'c'], tta: true });
  });

  it.each([
    [['--out', 'a', '--out', 'b'], 'Expected --out once, found it 2 times: `a`, `b` (see --help)'],
    [['--out', 'a', '--batch-size=1', '--batchSize', '2'], 'Expected --batch-size once, found it 2 times: `1`, `2` (see --help)'],
    [['--out', 'a', '--tta', '--no-tta'], 'Expected --tta once, found it 2 times: `--tta`, `--no-tta` (see --help)'],
    [['--out'], 'Expected a value after --out, found none (see --help)'],
    [['--out', '--tta'], 'Expected a value after --out, found the flag `--tta`; for a value that starts with -, write --out=VALUE (see --help)'],
    [['--out', 'o', '--mode'], 'Expected a value after --mode, found none (see --help)'],
    [['--out='], 'Expected a value for --out, found an empty one (see --help)'],
    [['--out', 'o', '--tta=TRUE'], 'Expected --tta to be a switch (--tta or --no-tta), found `--tta=TRUE` (see --help)'],
    [['--out', 'o', '--tta=yes'], 'Expected --tta to be a switch (--tta or --no-tta), found `--tta=yes` (see --help)'],
    [['--out', 'o', '--no-report=maybe'], 'Expected --no-report to be a switch (--no-report or --report), found `--no-report=maybe` (see --help)'],
    [['--out', 'o', '--batch-size', 'abc'], 'Expected --batch-size to be a number written in decimal (12, 0.5, 1e-3), found `abc` (see --help)'],
    // Number() reads these as numbers; yargs would take 0x2 as 2.
    [['--out', 'o', '--batch-size', '0x2'], 'Expected --batch-size to be a number written in decimal (12, 0.5, 1e-3), found `0x2` (see --help)'],
    [['--out', 'o', '--batch-size=0b101'], 'Expected --batch-size to be a number written in decimal (12, 0.5, 1e-3), found `0b101` (see --help)'],
    [['--out', 'o', '--batch-size', '0o7'], 'Expected --batch-size to be a number written in decimal (12, 0.5, 1e-3), found `0o7` (see --help)'],
    [['--out', 'o', '--batch-size', ' 2 '], 'Expected --batch-size to be a number written in decimal (12, 0.5, 1e-3), found ` 2 ` (see --help)'],
    [['--out', 'o', '--batch-size', 'Infinity'], 'Expected --batch-size to be a number written in decimal (12, 0.5, 1e-3), found `Infinity` (see --help)'],
    [['--out', 'o', '--batch-size', '+2'], 'Expected --batch-size to be a number written in decimal (12, 0.5, 1e-3), found `+2` (see --help)'],
    [['--out', 'o', '--batch-size', '-x'], 'Expected a value after --batch-size, found the flag `-x`; for a value that starts with -, write --batch-size=VALUE (see --help)'],
    [['--out', 'o', '--no-budget'], 'Expected --budget with a value: it is not a switch, so `--no-budget` means nothing (see --help)'],
    [['--out', 'o', '--', 'junk'], 'Expected only flags, found `junk` after `--` (see --help)'],
    [['--out', 'o', '--list', 'a', '--list', 'a'], 'Expected each --list once, found `a` twice (see --help)'],
    [['--out', 'o', '--list', 'a', 'b', 'a'], 'Expected each --list once, found `a` twice (see --help)'],
  ])('refuses %j before yargs reads it wrongly', async (argv, message) => {
    await expect(parse(argv)).rejects.toThrow(new UsageError(message));
  });

  it('takes a number in decimal: digits, a minus sign, a fraction, an exponent', async () => {
    for (const [text, value] of [['12', 12], ['-3', -3], ['0.5', 0.5], ['.5', 0.5], ['1e-3', 0.001], ['2E+2', 200], ['007', 7]] as const) {
      expect(await parse(['--out', 'o', '--batch-size', text])).toMatchObject({ batchSize: value });
    }
  });

  // What a message echoes of the command line never holds a URL's password (the storage URL's).
  const url = 'postgresql://digitfuse:s3cret@db:5432/studies';
  const bare = 'postgresql://digitfuse@db:5432/studies';
  it.each([
    [['--out', url, '--out', 'postgresql://x@y/z'], `Expected --out once, found it 2 times: \`${bare}\`, \`postgresql://x@y/z\` (see --help)`],
    [['--out', 'o', url], `Unknown argument: ${bare} (see --help)`],
    [['--out', 'o', `--storage=${url}`], 'Unknown argument: --storage (see --help)'],
    [['--out', 'o', '--mode', url], `Expected --mode to be one of a, b, found \`${bare}\` (see --help)`],
    [['--out', 'o', '--batch-size', url], `Expected --batch-size to be a number written in decimal (12, 0.5, 1e-3), found \`${bare}\` (see --help)`],
    [['--out', 'o', '--', url], `Expected only flags, found \`${bare}\` after \`--\` (see --help)`],
    [['--out', 'o', '--tta=postgresql://u:pa ss@h/db'], 'Expected --tta to be a switch (--tta or --no-tta), found `--tta=postgresql://u@h/db` (see --help)'],
  ])('leaves the password out of the URL %j echoes', async (argv, message) => {
    await expect(parse(argv)).rejects.toThrow(new UsageError(message));
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

describe('checkTokens()', () => {
  it('reads a bare `help` or `-h` as --help (yargs took `help` for its help command and ran the command unchecked after it)', () => {
    const options = { key: { out: true }, boolean: [], number: [], array: [], count: [] };
    expect(checkTokens(['help'], options)).toEqual(['--help']);
    expect(checkTokens(['-h', '--out', 'o'], options)).toEqual(['--help', '--out=o']);
    expect(checkTokens(['--out', 'help'], options)).toEqual(['--out=help']);
  });
});

describe('positiveInt()', () => {
  it('accepts integers in range and names the flag otherwise', () => {
    expect(positiveInt(3, 'trials')).toBe(3);
    expect(positiveInt(0, 'seed', { allowZero: true })).toBe(0);
    expect(() => positiveInt(0, 'trials')).toThrow(new UsageError('Expected --trials to be a positive integer, found 0'));
    expect(() => positiveInt(1.5, 'seed', { allowZero: true })).toThrow('Expected --seed to be a non-negative integer, found 1.5');
    expect(() => positiveInt(20_000, 'trials', { max: 10_000 })).toThrow('Expected --trials to be an integer from 1 to 10000, found 20000');
    expect(() => positiveInt(NaN, 'epochs')).toThrow('Expected --epochs to be a positive integer, found NaN');
  });

  it('refuses an integer the command line wrote otherwise than in digits, echoing what it wrote', async () => {
    const batch = async (text: string) => positiveInt((await parse(['--out', 'o', '--batch-size', text])).batchSize, 'batch-size', { max: 1000 });
    expect(await batch('64')).toBe(64);
    expect(await batch('064')).toBe(64);
    await expect(batch('1e2')).rejects.toThrow(new UsageError('Expected --batch-size to be an integer from 1 to 1000 written in digits, found 1e2'));
    await expect(batch('64.0')).rejects.toThrow(new UsageError('Expected --batch-size to be an integer from 1 to 1000 written in digits, found 64.0'));
    await expect(batch('1e9')).rejects.toThrow(new UsageError('Expected --batch-size to be an integer from 1 to 1000 written in digits, found 1e9'));
    await expect(batch('-1')).rejects.toThrow(new UsageError('Expected --batch-size to be an integer from 1 to 1000, found -1'));
    // Not given: the default, as it is.
    expect(positiveInt((await parse(['--out', 'o'])).batchSize, 'batch-size')).toBe(64);
  });
});
