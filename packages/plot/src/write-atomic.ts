import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Write bytes atomically: a temp file beside the target, then rename, so no reader ever sees a
 * half-written file and an earlier version stays intact until the new one is complete.
 * (Its own entry point `@digitfuse/plot/atomic`: importing it does not load the plotting stack.)
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
