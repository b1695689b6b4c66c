import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PipelineError } from './errors';
import { runLayout, type RunLayout } from './run-artifacts';
import { ACTIVE_JSON, activeRunProcess, claimRun, readRunProcess } from './run-process';

const workspace = resolve(__dirname, '..', '..', '..');

let dir: string;
let layout: RunLayout;
const record = (pid: number, host = hostname()) => writeFileSync(join(dir, ACTIVE_JSON), JSON.stringify({ pid, host, since: '2026-12-02T10:00:00.000Z' }));
/** A process that lives until it is killed. */
const sleeper = (): ChildProcess => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
/** The pid of a process that has ended. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim() as unknown as number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'run-process-'));
  layout = runLayout(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('claimRun()', () => {
  it('records this process in active.json while it runs the stages, and removes it when given up', () => {
    const release = claimRun(layout, () => undefined);
    expect(readRunProcess(layout)).toEqual({ pid: process.pid, host: hostname(), since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(activeRunProcess(layout)?.pid).toBe(process.pid);
    release();
    expect(existsSync(join(dir, ACTIVE_JSON))).toBe(false);
    expect(activeRunProcess(layout)).toBeNull();
  });

  it('refuses, naming the process and the file, while another live process on this machine runs the run', async () => {
    const other = sleeper();
    await new Promise((ok) => other.once('spawn', ok));
    try {
      record(other.pid as number);
      const before = readFileSync(join(dir, ACTIVE_JSON), 'utf8');
      expect(() => claimRun(layout, () => undefined)).toThrow(PipelineError);
      expect(() => claimRun(layout, () => undefined)).toThrow(
        `Expected no other process to be running ${dir}, found process ${other.pid} at it since 2026-12-02T10:00:00.000Z; ` +
          `wait for it to end, or stop it (if no digitfuse runs there, delete ${join(dir, ACTIVE_JSON)})`,
      );
      expect(readFileSync(join(dir, ACTIVE_JSON), 'utf8')).toBe(before);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over from a process that was killed (its record stays, its pid is gone)', () => {
    record(Number(deadPid()));
    expect(activeRunProcess(layout)).toBeNull();
    const release = claimRun(layout, () => undefined);
    expect(readRunProcess(layout)?.pid).toBe(process.pid);
    release();
  });

  it('takes over, with a note, from a process recorded on another machine (it cannot be looked at from here)', () => {
    record(12345, 'another-machine');
    expect(activeRunProcess(layout)).toMatchObject({ pid: 12345, host: 'another-machine' });
    const lines: string[] = [];
    const release = claimRun(layout, (line) => lines.push(line));
    expect(lines).toEqual([expect.stringMatching(/^note: .*active\.json says process 12345 on another-machine has been running this run since .*: taking it over$/)]);
    release();
  });

  it('leaves a record that is no longer its own when given up', () => {
    const release = claimRun(layout, () => undefined);
    record(12345, 'another-machine');
    release();
    expect(readRunProcess(layout)).toMatchObject({ pid: 12345 });
  });

  it('gives the run up on Ctrl-C and ends as the signal ends a process (spawned)', () => {
    const script = [
      `const { claimRun } = require(${JSON.stringify(join(__dirname, 'run-process.ts'))});`,
      `const { runLayout } = require(${JSON.stringify(join(__dirname, 'run-artifacts.ts'))});`,
      `claimRun(runLayout(${JSON.stringify(dir)}), () => undefined);`,
      `setTimeout(() => process.kill(process.pid, 'SIGINT'), 100);`,
      `setTimeout(() => {}, 30_000);`,
    ].join('\n');
    // node itself (tsx's loader registered), not the tsx wrapper, which exits with 130 instead of by the signal.
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: workspace, encoding: 'utf8', timeout: 60_000 });
    expect({ signal: r.signal, stderr: r.stderr }).toEqual({ signal: 'SIGINT', stderr: '' });
    expect(existsSync(join(dir, ACTIVE_JSON))).toBe(false);
  });
});

describe('createRun(root, options, claim)', () => {
  it('of four processes started at once on one new --out, one records itself and writes run.json; the others are refused and write nothing', async () => {
    // Before, each checked that nobody ran the folder and then wrote run.json: all four passed (the
    // claim came later, with the stages), each rewriting the run the first had started.
    const out = join(dir, 'run');
    const startAt = Date.now() + 8_000;
    const script = (seed: number): string =>
      [
        `const { createRun } = require(${JSON.stringify(join(__dirname, 'run-artifacts.ts'))});`,
        `while (Date.now() < ${startAt}) {}`,
        `try { createRun(${JSON.stringify(out)}, { seed: ${seed} }, true); console.log('won ' + process.pid); }`,
        `catch (err) { console.log('refused ' + err.message); }`,
        // Alive a while, as a run's process is while the others look.
        `setTimeout(() => {}, ${3_000});`,
      ].join('\n');
    const runs = [0, 1, 2, 3].map(
      (seed) =>
        new Promise<{ seed: number; out: string }>((done) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '-e', script(seed)], { cwd: workspace, stdio: ['ignore', 'pipe', 'inherit'] });
          let text = '';
          child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
          child.on('close', () => done({ seed, out: text.trim() }));
        }),
    );
    const results = await Promise.all(runs);
    const won = results.filter((r) => r.out.startsWith('won '));
    expect(won).toHaveLength(1);
    const winner = Number(won[0].out.slice(4));
    for (const r of results.filter((x) => x !== won[0])) {
      expect(r.out).toBe(`refused Expected no other process to be running ${out}, found process ${winner} at it since ${readRunProcess(runLayout(out))?.since}; wait for it to end, or stop it (if no digitfuse runs there, delete ${join(out, ACTIVE_JSON)})`);
    }
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).options).toEqual({ seed: won[0].seed });
    expect(readRunProcess(runLayout(out))?.pid).toBe(winner);
    expect(existsSync(join(out, '.claim.lock'))).toBe(false);
  }, 60_000);
});
