import { beforeStopping, parentPidEnv, STOP_WORK_MS } from '@digitfuse/core';
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hasAblation } from './ablation';
import type { RunContext } from './context';

/** The child process started beside the retraining. */
export interface BesideRetrain {
  /** The best trial and the backend it works with. */
  readonly trial: number;
  readonly backend: string;
  /** Resolves with the child's exit code (null: killed by a signal). */
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
}

/**
 * Node arguments that run a TypeScript entry point in a child process: this process's own when it runs
 * under the tsx loader (the `digitfuse` command), else the loader added (e.g. inside jest).
 */
export function typeScriptChildArgs(script: string): string[] {
  const own = process.execArgv;
  if (own.some((a) => a.includes('tsx'))) return [...own, script];
  return ['--import', pathToFileURL(require.resolve('tsx')).href, script];
}

/**
 * What the process beside the retraining does for this run, in words (cli/beside-retrain.ts): the
 * modality ablation unless the run is image-only (its model is the image-only one), the report's
 * maps unless `--no-report`. Empty: nothing to do, and no process is started.
 */
export function besideRetrainWork(ctx: Pick<RunContext, 'options'>): string[] {
  return [...(hasAblation(ctx) ? ['trains the modality ablation'] : []), ...(ctx.options.report ? ["maps the report's embeddings"] : [])];
}

/**
 * `digitfuse full` on the CPU backends: while this process retrains, a child process (one kernel
 * thread, lower priority; cli/beside-retrain.ts) does the later stages' work that needs only the
 * search's result: the evaluate stage's modality ablation (`ablation.json`) and the report's t-SNE +
 * K-means maps of the best trial's embeddings (`embedding-maps.json`). A training step leaves part of
 * the second core idle (the JS between kernels runs on one thread), so the two finish sooner together
 * than one after the other (packages/model/PERF-NOTES.md, attempt 24). The evaluate stage waits for
 * the child (`ablationFor`); each stage computes what the child did not leave (the same numbers).
 * Null on other backends (webgpu, tensorflow), which run everything in order.
 */
export function startBesideRetrain(ctx: RunContext, trial: number, backend: string): BesideRetrain | null {
  if (backend !== 'wasm' && backend !== 'cpu') return null;
  // An image-only run said it "trains the modality ablation", which it has none of.
  const work = besideRetrainWork(ctx);
  if (work.length === 0) return null;
  const script = join(__dirname, 'cli', 'beside-retrain.ts');
  // The report flag goes along: a resumed run takes it from the command, not from run.json (open-run.ts).
  const report = ctx.options.report ? '--report' : '--no-report';
  const child = spawn(process.execPath, [...typeScriptChildArgs(script), '--resume', ctx.layout.root, report], {
    // parentPidEnv: it stops when this process is killed outright.
    env: { ...process.env, DIGITFUSE_THREADS: '1', ...parentPidEnv() },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    if (child.pid !== undefined) setPriority(child.pid, 10);
  } catch {
    // Not allowed to lower its priority: it still runs, only less politely.
  }
  const kill = () => child.kill('SIGTERM');
  process.once('exit', kill);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code) => {
      process.removeListener('exit', kill);
      resolve(code);
    });
  });
  // Stopped (Ctrl-C, or SIGTERM sent to this process alone, where 'exit' never comes): the child stops
  // before the run's last line. It went on to its last file, its lines printed after "stopped (...)".
  // Busy in one computation (t-SNE) it hears SIGTERM only when that ends: then it is killed outright.
  const forget = beforeStopping(async () => {
    kill();
    const late = setTimeout(() => child.kill('SIGKILL'), STOP_WORK_MS - 1_000);
    await exited;
    clearTimeout(late);
  });
  void exited.then(forget);
  ctx.log(`    beside the retraining, process ${child.pid} ${work.join(' and ')}`);
  return { trial, backend, exited, child };
}
