import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
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

/** The workspace's root folder (where `node_modules/.bin/tsx` and every package live). */
export const WORKSPACE = join(__dirname, '..', '..', '..', '..');

/**
 * Runs a workspace script (a path from the root, e.g. `packages/submit/src/cli/predict.ts`) as a user
 * would: a separate process through tsx, with an argument array (no shell), from the workspace root.
 */
export function runScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync(join(WORKSPACE, 'node_modules', '.bin', 'tsx'), [join(WORKSPACE, script), ...args], { cwd: WORKSPACE, encoding: 'utf8', env });
}
