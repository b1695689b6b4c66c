import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh temporary folder for a jest suite, removed afterwards: made once for the suite (`'all'`,
 * the default) or anew for each test (`'each'`). Call at the top of a `describe`; read the folder
 * with the returned function inside tests.
 */
export function useTempDir(prefix: string, scope: 'all' | 'each' = 'all'): () => string {
  let dir = '';
  const make = () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  };
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (scope === 'each') {
    beforeEach(make);
    afterEach(remove);
  } else {
    beforeAll(make);
    afterAll(remove);
  }
  return () => dir;
}

/**
 * A maker of temporary folders for a jest suite: each call makes a new one at once (so it may run at
 * a suite's top level or inside a test), and every folder it made is removed after the suite. Call
 * where `afterAll` may be called (a file's top level or a `describe`).
 */
export function useTempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}

/** The workspace's root folder (where `node_modules/.bin/tsx` and every package live). */
export const WORKSPACE = join(__dirname, '..', '..', '..', '..');

/**
 * Runs a workspace script (a path from the root, e.g. `packages/submit/src/cli/predict.ts`) as a user
 * would: a separate process through tsx, with an argument array (no shell), from the workspace root
 * (or from `cwd`).
 */
export function runScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = WORKSPACE): SpawnSyncReturns<string> {
  return spawnSync(join(WORKSPACE, 'node_modules', '.bin', 'tsx'), [join(WORKSPACE, script), ...args], { cwd, encoding: 'utf8', env });
}

/**
 * {@link runScript} as a user without root's right to read every file: as the user `nobody` (uid and
 * gid 65534) when this process is root (CI runs as root, and root reads a file chmod 000), else as
 * this process's user. For specs of what a file or folder one may not read does. What the script
 * must reach has to be open to that user: `mkdtemp` makes folders only their owner may enter
 * (chmod them 0o755).
 */
export function runScriptUnprivileged(script: string, args: readonly string[]): SpawnSyncReturns<string> {
  if (process.getuid?.() !== 0) return runScript(script, args);
  return spawnSync(join(WORKSPACE, 'node_modules', '.bin', 'tsx'), [join(WORKSPACE, script), ...args], { cwd: WORKSPACE, encoding: 'utf8', uid: 65534, gid: 65534 });
}

/**
 * A tiny file system that fills up (a `size_kib` tmpfs, mounted for the suite and unmounted after),
 * for specs of what a full disk does. Mounting needs root (CI runs as root); where it is not
 * allowed the returned function gives null and one loud line says the specs using it are skipped.
 */
export function useFullDisk(sizeKib = 64): () => string | null {
  let dir: string | null = null;
  beforeAll(() => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'full-disk-'));
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKib}k`, 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (mount.status === 0) dir = mountPoint;
    else {
      rmSync(mountPoint, { recursive: true, force: true });
      console.warn(`SKIPPED: the full-disk specs need to mount a tmpfs (root); mount said: ${(mount.stderr || String(mount.error)).trim()}`);
    }
  });
  afterAll(() => {
    if (!dir) return;
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/**
 * `npx nx run <target> ...args` from the workspace root, as a user runs a documented target: a
 * separate process (Nx, then the workspace's executor, then the program), the arguments as an array.
 * Resolves with the exit code and stdout + stderr together.
 */
export function runNxTarget(target: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn('npx', ['nx', 'run', target, ...args], {
      cwd: WORKSPACE,
      // NX_SKIP_NX_CACHE: a spec watches the program run; a cacheable target (data:demo) with the same
      // options as an earlier run (a second `npm test`, a CI clone that keeps `.nx`) would be replayed.
      env: { ...withoutNxVariables(process.env), NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', FORCE_COLOR: '0', DEBUG: '', DIGITFUSE_DEBUG: '', ...env },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('close', (status) => done({ status, output }));
  });
}

/**
 * `env` without the NX_* variables an outer Nx (the one running the tests) sets: a spawned nx would
 * take itself for part of that invocation (NX_INVOCATION_ROOT_PID), and Nx refuses a task it believes
 * the chain already ran ("Recursive task invocation detected").
 */
export function withoutNxVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('NX_')));
}

/** Whether this is a CI run (`CI` set, and not to '', 'false' or '0'): there a spec that lacks what it needs fails rather than skips. */
export function onCi(): boolean {
  const ci = process.env['CI'];
  return ci != null && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * For specs that need what this machine lacks (`why`: what is missing and how to get it): on CI
 * throws (`<specs> cannot run on CI: <why>`), elsewhere says loudly on stderr that they are skipped.
 * Returns false, for `const testable = ... || cannotRun(...)`.
 */
export function cannotRun(specs: string, why: string): false {
  if (onCi()) throw new Error(`${specs} cannot run on CI: ${why}`);
  process.stderr.write(`\n!!! SKIPPING ${specs}: ${why}\n\n`);
  return false;
}
