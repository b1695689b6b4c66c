import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { renderPng, type RenderOptions } from './render';

/** Write bytes atomically: a temp file beside the target, then rename, so no half-written file remains. */
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

/** Render a Vega-Lite spec and write it as a PNG file (atomically). Returns the path. */
export async function writeChartPng(path: string, spec: TopLevelSpec, options: RenderOptions = {}): Promise<string> {
  writeFileAtomic(path, await renderPng(spec, options));
  return path;
}
