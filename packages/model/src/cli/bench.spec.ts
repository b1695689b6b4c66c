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
    expect(run.stderr.trim().split('\n').filter((line) => line.startsWith('error:'))).toEqual(["error: DIGITFUSE_ISA must be one of avx512, avx2, portable, got 'neon'"]);
  });
});
