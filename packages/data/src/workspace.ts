import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The workspace root (the nearest folder above this package holding `nx.json`), where `.cache/`
 * lives; falls back to `<os tmpdir>/digitfuse` when the package runs outside the workspace.
 */
export function workspaceRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return join(tmpdir(), 'digitfuse');
    dir = parent;
  }
}

/**
 * `<workspace root>/runs/<...parts>`: where every command's outputs go by default (run directories,
 * benchmarks, figures), whatever the current folder; a path the user gives is taken relative to that
 * folder as usual. Help texts show it as `<workspace>/runs/...`.
 */
export function runsPath(...parts: string[]): string {
  return join(workspaceRoot(), 'runs', ...parts);
}

/** `<workspace root>/.cache/<...parts>`: git-ignored working files (demo data, preprocessed caches). */
export function cachePath(...parts: string[]): string {
  return join(workspaceRoot(), '.cache', ...parts);
}
