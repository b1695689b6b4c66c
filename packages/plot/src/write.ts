import { writeFileAtomic } from '@digitfuse/core';
import type { TopLevelSpec } from 'vega-lite';
import { renderPng, type RenderOptions } from './render';

/** Render a Vega-Lite spec and write it as a PNG file (atomically). Returns the path. */
export async function writeChartPng(path: string, spec: TopLevelSpec, options: RenderOptions = {}): Promise<string> {
  writeFileAtomic(path, await renderPng(spec, options));
  return path;
}
