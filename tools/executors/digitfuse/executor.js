// @ts-check
// The Nx executor behind every runnable target (plain CommonJS: Nx loads it without a TypeScript
// transpiler; tools/tsconfig.json type-checks it).
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

/** `executors.json`: each executor's name, and the `digitfuse` command words it runs. */
const EXECUTORS = /** @type {{ executors: Record<string, { command: string[] }> }} */ (require('./executors.json')).executors;

/**
 * Options of every `./tools/executors/digitfuse:<command>` target. Other options (a target's
 * defaults, or the flags Nx parsed from the command line) are for Nx only: the program gets the flags
 * exactly as typed.
 * @typedef {object} DigitfuseOptions
 * @property {readonly string[]} [__unparsed__] What the user typed after the target, token for token (Nx's unparsed overrides). Default none.
 */

/**
 * Runs `digitfuse <command> <what the user typed>` in the workspace root, the command being the
 * executor's (`./tools/executors/digitfuse:bench-kernels` runs `digitfuse bench kernels`): `node`
 * with an argument array (no shell, so `$(...)`, backquotes and quotes in a flag's value stay text),
 * the terminal's stdin/stdout/stderr, and success when it exits 0.
 * @param {DigitfuseOptions} options
 * @param {import('@nx/devkit').ExecutorContext} context
 * @returns {Promise<{ success: boolean }>}
 */
async function runDigitfuse(options, context) {
  const name = String(context.target?.executor).split(':').pop() ?? '';
  const entry = EXECUTORS[name];
  if (!entry) throw new Error(`Expected the executor ./tools/executors/digitfuse:<command> with a command of executors.json, got ${context.target?.executor}`);
  const bin = join(context.root, 'apps', 'cli', 'bin', 'digitfuse');
  const args = [bin, ...entry.command, ...(options.__unparsed__ ?? [])];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: context.root, stdio: 'inherit' });
    child.on('error', (err) => {
      process.stderr.write(`error: cannot start ${process.execPath}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (status) => resolve(status ?? 1));
  });
  return { success: code === 0 };
}

module.exports = runDigitfuse;
