import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Spawns the real `npx nx run`: Nx computes the project graph first, which takes a while on a busy machine.
jest.setTimeout(300_000);

const workspace = resolve(__dirname, '..', '..', '..');

/** `npx nx run <target> ...args` in the workspace; the arguments reach npx as an array, as a shell passes what a person typed. */
function nxRun(target: string, args: readonly string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
    const child = spawn('npx', ['nx', 'run', target, ...args], { cwd: workspace, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('close', (status) => done({ status, output }));
  });
}

describe('the digitfuse executor (every runnable Nx target)', () => {
  const marker = join(tmpdir(), `digitfuse-shell-injection-${process.pid}-${Date.now()}`);
  afterAll(() => rmSync(marker, { force: true }));

  it('gives the program a flag value as text: `$(...)` is never run by a shell', async () => {
    const run = await nxRun('submit:upload', ['--competition', 'c', '--message', `$(touch ${marker})`, '--submission', 'x.csv']);
    expect(existsSync(marker)).toBe(false);
    expect(run.status).toBe(1);
    // The upload fails (no such file, no kaggle CLI) and shows the command it would run, the message quoted intact.
    expect(run.output).toContain('error: Not uploaded; missing: the submission file `x.csv` does not exist');
    expect(run.output).toContain(`-m '$(touch ${marker})'`);
  });

  it('passes dollars, backquotes and spaces through byte for byte', async () => {
    const run = await nxRun('submit:upload', ['--competition', 'c', '--message', 'cost $5 fix `robust` fusion', '--submission', 'x.csv']);
    expect(run.status).toBe(1);
    expect(run.output).toContain("-m 'cost $5 fix `robust` fusion'");
  });

  it('answers `--help` with the flags of the command the target runs', async () => {
    const run = await nxRun('pipeline:full', ['--help']);
    expect(run.status).toBe(0);
    expect(run.output).toContain('digitfuse full [options]');
    for (const flag of ['--data', '--budget', '--search-rows', '--fusion']) expect(run.output).toContain(flag);
  });
});
