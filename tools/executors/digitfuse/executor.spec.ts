import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Spawns the real `npx nx run`: Nx computes the project graph first, which takes a while on a busy machine.
jest.setTimeout(300_000);

const workspace = resolve(__dirname, '..', '..', '..');

/** `npx nx run <target> ...args` in the workspace; the arguments reach npx as an array, as a shell passes what a person typed. */
function nxRun(target: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', ...extraEnv };
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

  /** A competition folder with 3 test rows, a valid submission for it, and a fake `kaggle` on PATH that records its argument vector. */
  function uploadFixture() {
    const dir = mkdtempSync(join(tmpdir(), 'executor-upload-'));
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 784), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const npy = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.alloc(2), Buffer.from(header + ' '.repeat(pad) + '\n'), Buffer.alloc(3 * 784 * 4)]);
    npy.writeUInt16LE(header.length + pad + 1, 8);
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'x_test_wr.npy'), npy);
    writeFileSync(join(dir, 'submission.csv'), 'row_id,label\n0,1\n1,2\n2,3\n');
    mkdirSync(join(dir, 'bin'));
    const log = join(dir, 'kaggle-args.json');
    writeFileSync(join(dir, 'bin', 'kaggle'), `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)));\n`);
    chmodSync(join(dir, 'bin', 'kaggle'), 0o755);
    const env = { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k' };
    return { dir, env, args: ['--submission', join(dir, 'submission.csv'), '--data', join(dir, 'data')], kaggleArgs: () => JSON.parse(readFileSync(log, 'utf8')) as string[] };
  }

  it('gives the program a flag value as text: `$(...)` is never run by a shell', async () => {
    const f = uploadFixture();
    const message = `$(touch ${marker})`;
    const run = await nxRun('submit:upload', ['--competition', 'c', '--message', message, ...f.args], f.env);
    expect(existsSync(marker)).toBe(false);
    expect(run.status).toBe(0);
    expect(f.kaggleArgs()).toContain(`--message=${message}`);
  });

  it('passes dollars, backquotes and spaces through byte for byte', async () => {
    const f = uploadFixture();
    const message = 'cost $5 fix `robust` fusion';
    const run = await nxRun('submit:upload', ['--competition', 'c', '--message', message, ...f.args], f.env);
    expect(run.status).toBe(0);
    expect(f.kaggleArgs()).toEqual(['competitions', 'submit', '-c', 'c', `--file=${join(f.dir, 'submission.csv')}`, `--message=${message}`]);
  });

  it('answers `--help` with the flags of the command the target runs', async () => {
    const run = await nxRun('pipeline:full', ['--help']);
    expect(run.status).toBe(0);
    expect(run.output).toContain('digitfuse full [options]');
    for (const flag of ['--data', '--budget', '--search-rows', '--fusion']) expect(run.output).toContain(flag);
  });
});
