import { cannotRun, onCi } from './index';

describe('onCi() and cannotRun()', () => {
  const saved = process.env['CI'];
  afterEach(() => {
    if (saved === undefined) delete process.env['CI'];
    else process.env['CI'] = saved;
    jest.restoreAllMocks();
  });

  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('CI=%p is a CI run: %p', (value, expected) => {
    if (value === undefined) delete process.env['CI'];
    else process.env['CI'] = value;
    expect(onCi()).toBe(expected);
  });

  it('fails on CI, naming the specs and what is missing; elsewhere skips with one loud line', () => {
    process.env['CI'] = 'true';
    expect(() => cannotRun('the widget specs', 'no widget: apt-get install widget')).toThrow('the widget specs cannot run on CI: no widget: apt-get install widget');
    process.env['CI'] = 'false';
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(cannotRun('the widget specs', 'no widget')).toBe(false);
    expect(write).toHaveBeenCalledWith('\n!!! SKIPPING the widget specs: no widget\n\n');
  });
});
