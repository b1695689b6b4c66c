import { runScript } from '@digitfuse/core/testing';
import { loadNativeAddon } from '../backend/native-kernels/native-addon';

// A separate process through tsx: seconds, more on a loaded 2-core machine.
jest.setTimeout(120_000);

const withAddon = loadNativeAddon().ok ? it : it.skip;

describe('digitfuse bench model (the binary)', () => {
  withAddon('refuses an unknown DIGITFUSE_ISA in one line, exit 1, before any benchmark', () => {
    const run = runScript('packages/model/src/cli/bench.ts', ['--configs', 'small', '--steps', '1', '--warmup', '0'], { ...process.env, DIGITFUSE_ISA: 'neon' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n').filter((line) => line.startsWith('error:'))).toEqual(["error: DIGITFUSE_ISA must be one of avx512, avx2, portable, found 'neon'"]);
  });

  it('refuses a DIGITFUSE_NATIVE other than 0 or 1 in one line, exit 1, before any benchmark (`off` left the kernels on, unsaid)', () => {
    const run = runScript('packages/model/src/cli/bench.ts', ['--configs', 'small', '--steps', '1', '--warmup', '0'], { ...process.env, DIGITFUSE_NATIVE: 'off' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n').filter((line) => line.startsWith('error:'))).toEqual(["error: DIGITFUSE_NATIVE must be 0 (native kernels off) or 1 (on, the default), found 'off'"]);
  });

  // Each would otherwise benchmark (a negative --warmup took steps off the timed ones, and exited 0).
  const flags = (over: Record<string, string>) => Object.entries({ configs: 'small', steps: '1', warmup: '0', ...over }).flatMap(([k, v]) => [`--${k}`, v]);
  it.each([
    [{ warmup: '-1' }, 'Expected --warmup to be a non-negative integer, found -1'],
    [{ warmup: '1.5' }, 'Expected --warmup to be a non-negative integer, found 1.5'],
    [{ steps: '0' }, 'Expected --steps to be a positive integer, found 0'],
    [{ 'batch-size': '-64' }, 'Expected --batch-size to be an integer from 1 to 65536, found -64'],
    [{ 'batch-size': '1000000000' }, 'Expected --batch-size to be an integer from 1 to 65536, found 1000000000'],
  ])('refuses %j in one line, exit 2, before any benchmark', (over, message) => {
    const run = runScript('packages/model/src/cli/bench.ts', flags(over));
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 2, stdout: '', stderr: `error: ${message}\n` });
  });
});
