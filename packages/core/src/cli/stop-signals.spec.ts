import { spawn } from 'node:child_process';
import { SAME_STOP_MS } from './stop-signals';

jest.setTimeout(60_000);

/**
 * A process that stops on its signals with `setup` (code using `s`, the stop-signals module), then
 * sends itself SIGINT, and the same signal again `againMs` later: the `digitfuse` binary passing a
 * terminal's Ctrl-C on, which may come after the program has taken the first. What it printed, and how it ended.
 */
function stoppedTwice(setup: string, againMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const code = [
    `const s = require(${JSON.stringify(require.resolve('./stop-signals'))});`,
    setup,
    `setInterval(() => undefined, 1000);`,
    `process.kill(process.pid, 'SIGINT');`,
    `setTimeout(() => process.kill(process.pid, 'SIGINT'), ${againMs});`,
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  return new Promise((resolve) => child.on('close', (c, signal) => resolve({ code: c, signal, stdout })));
}

/** Stop work of `ms`, then the closing line `closing <signal>`. */
const RUN = (ms: number): string =>
  [
    `s.beforeStopping(() => new Promise((r) => setTimeout(r, ${ms})), 10_000);`,
    `s.onStopSignals(() => process.stdout.write('first\\n'), (signal) => process.stdout.write('closing ' + signal + '\\n'));`,
  ].join('\n');

describe('onStopSignals: the same signal again soon after the first', () => {
  it('is the same stop (the binary passing the terminal Ctrl-C on): the stop work ends, the closing line, ended by the signal', async () => {
    // Before, the second SIGINT (no listener left) ended the process at once: no closing line.
    expect(await stoppedTwice(RUN(SAME_STOP_MS * 0.8), SAME_STOP_MS * 0.3)).toEqual({ code: null, signal: 'SIGINT', stdout: 'first\nclosing SIGINT\n' });
  });

  it('later than SAME_STOP_MS is a second stop: the process ends at once, without its closing line', async () => {
    expect(await stoppedTwice(RUN(SAME_STOP_MS * 4), SAME_STOP_MS * 1.5)).toEqual({ code: null, signal: 'SIGINT', stdout: 'first\n' });
  });
});

describe('untilStopSignal: the same signal again soon after the first', () => {
  it('is the same stop: the command ends by itself (the dashboard: exit 0 after its last line)', async () => {
    const setup = `s.untilStopSignal(['SIGINT', 'SIGTERM']).then((signal) => setTimeout(() => { process.stdout.write('stopped by ' + signal + '\\n'); process.exit(0); }, ${SAME_STOP_MS * 0.8}));`;
    expect(await stoppedTwice(setup, SAME_STOP_MS * 0.3)).toEqual({ code: 0, signal: null, stdout: 'stopped by SIGINT\n' });
  });
});
