import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, UserError } from '../errors';
import { parseArgs } from './parse-args';
import { debugEnabled, escapeControls, runCli } from './run-cli';

class DataError extends UserError {}

let lines: string[];
const write = (text: string) => void lines.push(text);
const env = { ...process.env };
beforeEach(() => {
  lines = [];
  delete process.env.DEBUG;
  delete process.env.DIGITFUSE_DEBUG;
});
afterAll(() => Object.assign(process.env, env));

describe('runCli()', () => {
  it('returns 0 when the command succeeds', async () => {
    expect(await runCli(async () => undefined, write)).toBe(0);
    expect(lines).toEqual([]);
  });

  it('prints a user error (any subclass of UserError) as one line and returns 1', async () => {
    const code = await runCli(async () => {
      throw new DataError('Expected `y_train.csv` to have a `label` column,\n found columns: a,b');
    }, write);
    expect(code).toBe(1);
    expect(lines).toEqual(['error: Expected `y_train.csv` to have a `label` column, found columns: a,b\n']);
  });

  it('escapes the control characters of a message that quotes a file (NULs, a terminal escape), keeping it one line', async () => {
    const code = await runCli(async () => {
      throw new DataError('Expected `y.csv` to have a `label` column, found columns: \xff\xfer\x00o\x00w\x00 \x1b[2J\r\x7f\u2028end');
    }, write);
    expect(code).toBe(1);
    expect(lines).toEqual(['error: Expected `y.csv` to have a `label` column, found columns: \xff\xfer\\x00o\\x00w\\x00 \\x1b[2J\\x0d\\x7f\\u2028end\n']);
    expect(escapeControls('tab\tand é stay')).toBe('tab\tand é stay');
  });

  it('returns 2 for a usage error', async () => {
    expect(await runCli(() => parseArgs(['--bogus-flag'], { name: 'x' }, (y) => y.option('n', { type: 'number' })), write)).toBe(2);
    expect(lines).toEqual(['error: Unknown argument: --bogus-flag (see --help)\n']);
  });

  it("never prints a URL's password, whatever put it in the message (a bug's stack too)", async () => {
    expect(await runCli(async () => Promise.reject(new DataError('Expected `postgresql://u:s3cret@h/db` to answer')), write)).toBe(1);
    expect(await runCli(async () => Promise.reject(new TypeError('cannot read postgresql://u:s3cret@h/db')), write)).toBe(1);
    expect(lines[0]).toBe('error: Expected `postgresql://u@h/db` to answer\n');
    expect(lines[1]).toBe('error: cannot read postgresql://u@h/db\n');
    expect(lines[2]).toMatch(/^TypeError: cannot read postgresql:\/\/u@h\/db\n\s+at /);
    expect(lines.join('')).not.toContain('s3cret');
  });

  it('prints a bug with its stack trace and returns 1', async () => {
    const code = await runCli(async () => {
      throw new TypeError('x is undefined');
    }, write);
    expect(code).toBe(1);
    expect(lines[0]).toBe('error: x is undefined\n');
    expect(lines[1]).toMatch(/^TypeError: x is undefined\n\s+at /);
  });

  it.each([{ DEBUG: 'digitfuse' }, { DEBUG: 'other,digitfuse:*' }, { DIGITFUSE_DEBUG: '1' }])('adds the stack of a user error with %j', async (vars) => {
    Object.assign(process.env, vars);
    await runCli(async () => {
      throw new UsageError('Expected --trials to be a positive integer, found 0');
    }, write);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^UsageError: Expected --trials/);
  });
});

describe('debugEnabled()', () => {
  it('reads DEBUG namespaces and DIGITFUSE_DEBUG', () => {
    expect(debugEnabled({})).toBe(false);
    expect(debugEnabled({ DEBUG: 'express:*' })).toBe(false);
    expect(debugEnabled({ DEBUG: '*' })).toBe(true);
    expect(debugEnabled({ DIGITFUSE_DEBUG: '0' })).toBe(false);
  });
});

describe('runMain() where the reader of the output is gone (`digitfuse studies ... | head -1`)', () => {
  /** A command run by runMain that prints 1 MB to stdout, then a line to stderr; `long` lets it outlive its output. */
  async function printing(long: boolean): Promise<{ code: number | null; stderr: string; finished: boolean }> {
    const code = [
      `const cli = require(${JSON.stringify(require.resolve('./run-cli'))});`,
      `cli.runMain(async () => {`,
      long ? '  cli.outliveClosedOutput();' : '',
      `  for (let i = 0; i < 1000; i++) process.stdout.write('x'.repeat(999) + '\\n');`,
      `  await new Promise((r) => setTimeout(r, 100));`,
      `  require('node:fs').writeFileSync(process.env.FINISHED, 'yes');`, // (in the child's own script)
      `});`,
    ].join('\n');
    const finished = join(tmpdir(), `run-cli-finished-${process.pid}-${long}`);
    rmSync(finished, { force: true });
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FINISHED: finished } });
    child.stdout.destroy(); // the reader goes before the first line
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const status = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    const wrote = existsSync(finished);
    rmSync(finished, { force: true });
    return { code: status, stderr, finished: wrote };
  }

  it('a command ends there quietly, with the status of one SIGPIPE ended (Node printed the EPIPE error with its stack)', async () => {
    expect(await printing(false)).toEqual({ code: 141, stderr: '', finished: false });
  }, 30_000);

  it('a long run that outlives its output (outliveClosedOutput) goes on to its end and its status', async () => {
    expect(await printing(true)).toEqual({ code: 0, stderr: '', finished: true });
  }, 30_000);
});
