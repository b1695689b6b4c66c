import { createRequire } from 'node:module';
import * as path from 'node:path';

/** CommonJS `require` (also when this file is loaded as an ES module). */
export const nodeRequire: NodeJS.Require =
  typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'noop.js'));

/** The short name used in backend lines: `@tensorflow/tfjs-node` -> `tfjs-node`. */
export function shortName(pkg: string): string {
  return pkg.replace('@tensorflow/', '');
}

/**
 * Why loading an optional package failed, in a few words: `not installed` when the package itself is
 * missing (MODULE_NOT_FOUND naming it), else `failed to load (<first line of the error>)`.
 */
export function loadFailure(pkg: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'MODULE_NOT_FOUND' && message.includes(pkg)) return 'not installed';
  return `failed to load (${message.split('\n')[0]})`;
}

/** Loads an optional package: its exports, or a short reason ("not installed", "failed to load: ..."). */
export function loadOptional<T = unknown>(pkg: string, load: () => T = () => nodeRequire(pkg) as T): { ok: true; value: T } | { ok: false; why: string } {
  try {
    return { ok: true, value: load() };
  } catch (error) {
    return { ok: false, why: loadFailure(pkg, error) };
  }
}
