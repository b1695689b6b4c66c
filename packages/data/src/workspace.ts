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

/** `<workspace root>/.cache/<...parts>`: git-ignored working files (demo data, preprocessed caches). */
export function cachePath(...parts: string[]): string {
  return join(workspaceRoot(), '.cache', ...parts);
}
