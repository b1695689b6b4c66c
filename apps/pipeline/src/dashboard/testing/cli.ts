import { WORKSPACE } from '@digitfuse/core/testing';
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { typeScriptChildArgs } from '../../beside-retrain';

/**
 * The tsx runner and the dashboard's CLI source: how the specs run `digitfuse dashboard` as its own
 * process. The CLI is the one beside these specs (WORKSPACE is core's, which a checkout sharing
 * another's node_modules would take from there).
 */
export const TSX = join(WORKSPACE, 'node_modules', '.bin', 'tsx');
export const DASHBOARD_CLI = join(__dirname, '..', '..', 'cli', 'dashboard.ts');

/**
 * Runs `dashboard.ts` with `args` to its end, as a user would: for a command line it must refuse. One
 * that it serves instead is stopped (SIGINT) after `timeoutMs`, and its status is then not 1 or 2.
 */
export function runDashboardCli(args: readonly string[], timeoutMs = 60_000): SpawnSyncReturns<string> {
  return spawnSync(TSX, [DASHBOARD_CLI, ...args], { cwd: WORKSPACE, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGINT' });
}

/** A dashboard process that has printed its URL. */
export interface ServingDashboard {
  readonly child: ChildProcess;
  /** The page's URL, from its `dashboard: URL` line. */
  readonly url: string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** What it has written so far. */
  output(): { readonly stdout: string; readonly stderr: string };
}

/** Starts `dashboard.ts` with `args` (and `env` over this process's) and resolves once it prints its URL; rejects if it exits first. */
export async function startDashboardCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServingDashboard> {
  // One node process with tsx's loader, not tsx's CLI: that wrapper relays Ctrl-C to its child and,
  // when the child has not confirmed the signal within 30 ms (a busy machine), kills it and exits 130,
  // which a CI run saw instead of the dashboard's own exit 0.
  const child = spawn(process.execPath, [...typeScriptChildArgs(DASHBOARD_CLI), ...args], { cwd: WORKSPACE, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
      const m = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`exited ${code} before printing a URL: ${stderr}`)));
  });
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}
