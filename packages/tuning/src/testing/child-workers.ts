import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { spawnWorkers, type WorkerExit } from '../workers';

/** A study worker with a cheap objective (child-worker.ts; `--journal FILE` or `--storage URL`, `--study`, `--n-trials`, ...). */
const CHILD = path.join(__dirname, 'child-worker.ts');
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const childArgs = (args: readonly string[]): string[] => ['--import', 'tsx', CHILD, ...args];

/** `count` child workers from the package root, output captured; worker i runs with `args` and `--seed <firstSeed + i>`. */
export function spawnChildWorkers(count: number, args: readonly string[], firstSeed = 1): Promise<WorkerExit[]> {
  return spawnWorkers({ count, command: process.execPath, args: (i) => childArgs([...args, '--seed', String(firstSeed + i)]), cwd: PACKAGE_ROOT, stdio: 'pipe' });
}

/**
 * Runs one child worker with `args` (which include `--hang-at N`) until it hangs inside a trial (its
 * `HANG n` line), kills it with SIGKILL, and resolves with that trial's number once it is gone.
 * Rejects if the worker exits by itself first.
 */
export async function killedMidTrial(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  const child = spawn(process.execPath, childArgs(args), { cwd: PACKAGE_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const hung = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /HANG (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => reject(new Error(`worker exited early (${code}): ${out}`)));
  });
  const gone = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await gone;
  return hung;
}
