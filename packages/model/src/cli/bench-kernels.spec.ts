import { runScript } from '@digitfuse/core/testing';

// A separate process through tsx: seconds, more on a loaded 2-core machine.
jest.setTimeout(120_000);

describe('digitfuse bench kernels (the binary)', () => {
  // Each ran before: --batch 0 died in the kernels with a stack trace, 0 or negative steps and
  // rounds printed Infinity ms/step, negative samples/s or an empty profile and exited 0.
  const flags = (over: Record<string, string>) =>
    Object.entries({ mode: 'project', config: 'small', steps: '1', 'profile-rounds': '1', ...over }).flatMap(([k, v]) => [`--${k}`, v]);
  it.each([
    [{ batch: '0' }, 'Expected --batch to be an integer from 1 to 65536, found 0'],
    [{ batch: '1.5' }, 'Expected --batch to be an integer from 1 to 65536, found 1.5'],
    [{ batch: '1000000000' }, 'Expected --batch to be an integer from 1 to 65536, found 1000000000'],
    [{ steps: '0' }, 'Expected --steps to be a positive integer, found 0'],
    [{ steps: '-1' }, 'Expected --steps to be a positive integer, found -1'],
    [{ 'stock-steps': '-1' }, 'Expected --stock-steps to be a positive integer, found -1'],
    [{ 'profile-rounds': '-1' }, 'Expected --profile-rounds to be a positive integer, found -1'],
    // Spelt as every other command spells it, the same flag.
    [{ 'batch-size': '0' }, 'Expected --batch to be an integer from 1 to 65536, found 0'],
  ])('refuses %j in one line, exit 2, before any benchmark', (over, message) => {
    const run = runScript('packages/model/src/cli/bench-kernels.ts', flags(over));
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 2, stdout: '', stderr: `error: ${message}\n` });
  });

  it('refuses --mode all without the native kernels in one line, exit 1, before the stock steps', () => {
    const run = runScript('packages/model/src/cli/bench-kernels.ts', ['--mode', 'all', '--config', 'small'], { ...process.env, DIGITFUSE_NATIVE: '0' });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: 'error: --mode all needs the native kernels, which cannot load: native kernels off (DIGITFUSE_NATIVE=0)\n',
    });
  });
});
