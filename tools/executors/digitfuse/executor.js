// @ts-check
// The Nx executor behind every runnable target (plain CommonJS: Nx loads it without a TypeScript
// transpiler; tools/tsconfig.json type-checks it).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/**
 * `executors.json`: each executor's name, the `digitfuse` command words it runs, and its flags with
 * what each takes (`boolean`: no value; the other kinds: one value).
 */
const EXECUTORS = /** @type {{ executors: Record<string, { command: string[]; flags: Record<string, string> }> }} */ (require('./executors.json')).executors;

/**
 * Options of every `./tools/executors/digitfuse:<command>` target. Other options (a target's
 * defaults, or the flags Nx parsed from the command line) are for Nx only: the program gets the flags
 * exactly as typed.
 * @typedef {object} DigitfuseOptions
 * @property {readonly string[]} [__unparsed__] What the user typed after the target, token for token (Nx's unparsed overrides). Default none.
 */

/**
 * Runs `digitfuse <command> <what the user typed>` in the directory nx was run in, the command being the
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
  const typed = options.__unparsed__ ?? [];
  const line = nxCommandLine();
  const target = `${context.projectName}:${context.targetName}`;
  const stray = line?.exact ? strayAfterNxOption(line.tokens, typed, entry.flags, target) : null;
  if (stray) {
    process.stderr.write(`error: ${stray}\n`);
    return { success: false };
  }
  const exact = line?.exact ? asTyped(line.tokens, typed, entry.flags, target) : null;
  const kept = exact ? { recovered: [], unknown: [] } : keptByNx(typed, entry.flags, line);
  if (kept.unknown.length > 0) {
    const flag = kept.unknown[0];
    const camel = flag.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    process.stderr.write(`error: Nx kept ${`--${flag}`} for itself (it begins like one of Nx's own options) and this machine does not let the executor read what was typed; write it as --${camel}=VALUE, or run \`npx digitfuse ${entry.command.join(' ')} --${flag} VALUE\`\n`);
    return { success: false };
  }
  // DIGITFUSE_BIN: the program to run instead of the workspace's `digitfuse` (a wrapper; the spec's recorder).
  const bin = process.env.DIGITFUSE_BIN || join(context.root, 'apps', 'cli', 'bin', 'digitfuse');
  const args = [bin, ...entry.command, ...(exact ?? [...typed, ...kept.recovered])];
  const code = await new Promise((resolve) => {
    // In the directory nx was run in, as `npx digitfuse` would be: a relative path the user typed
    // (`--submission sub.csv` in a subfolder) names the file they see there, not one in the workspace root.
    const child = spawn(process.execPath, args, { cwd: context.cwd || context.root, stdio: 'inherit' });
    child.on('error', (err) => {
      process.stderr.write(`error: cannot start ${process.execPath}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (status) => resolve(status ?? 1));
  });
  return { success: code === 0 };
}

/**
 * The command line of the `nx` process that runs this task, token for token: on Linux from
 * /proc/<pid>/cmdline of the nearest ancestor process that is the nx command (an outer nx, e.g. one
 * running a test target that runs nx again, is further up and is not taken); elsewhere from `ps` for
 * NX_INVOCATION_ROOT_PID, as one string (tokens split at spaces, so only fit for finding flags, not
 * values); null when neither can be read.
 * @returns {{ tokens: string[]; exact: boolean } | null}
 */
function nxCommandLine() {
  if (existsSync('/proc/self/stat')) {
    for (let pid = process.ppid, hops = 0; pid > 1 && hops < 8; pid = parentOf(pid), hops++) {
      const tokens = procCmdline(pid);
      if (tokens && tokens.slice(0, 3).some((t) => /(^|[\\/])nx(\.js)?$/.test(t))) return { tokens, exact: true };
    }
    return null;
  }
  const pid = Number(process.env.NX_INVOCATION_ROOT_PID);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const ps = spawnSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  if (ps.status !== 0 || !ps.stdout) return null;
  return { tokens: ps.stdout.trim().split(/\s+/), exact: false };
}

/** Process `pid`'s argument vector from /proc, or null. */
function procCmdline(/** @type {number} */ pid) {
  try {
    const tokens = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (tokens[tokens.length - 1] === '') tokens.pop();
    return tokens;
  } catch {
    return null;
  }
}

/** The parent of process `pid` (field 4 of /proc/<pid>/stat, after the parenthesised name), or 0. */
function parentOf(/** @type {number} */ pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) || 0;
  } catch {
    return 0;
  }
}

/**
 * Flags of the command that the user typed but Nx did not pass on: Nx's parser keeps a flag that
 * begins with the name of one of its own options and a dash (`--batch-size` for its `--batch`). From
 * the exact command line they are recovered with their values (`recovered`, to append to what Nx
 * passed); from an inexact one they can only be named (`unknown`).
 * @param {readonly string[]} typed What Nx passed (`__unparsed__`).
 * @param {Record<string, string>} flags The command's flags and their kinds.
 * @param {{ tokens: string[]; exact: boolean } | null} line The nx process's command line.
 * @returns {{ recovered: string[]; unknown: string[] }}
 */
function keptByNx(typed, flags, line) {
  const recovered = /** @type {string[]} */ ([]);
  const unknown = /** @type {string[]} */ ([]);
  if (!line) return { recovered, unknown };
  const nameOf = (/** @type {string} */ token) => {
    const m = /^--(no-)?([A-Za-z][\w-]*)(=|$)/.exec(token);
    if (!m) return null;
    const name = m[2].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (!(name in flags) || (m[1] && flags[name] !== 'boolean')) return null;
    return name;
  };
  const passed = new Set(typed.map(nameOf).filter(Boolean));
  const { tokens } = line;
  for (let i = 0; i < tokens.length; i++) {
    const name = nameOf(tokens[i]);
    if (!name || passed.has(name)) continue;
    if (!line.exact) {
      unknown.push(name);
      continue;
    }
    recovered.push(tokens[i]);
    const takesValue = flags[name] !== 'boolean' && !tokens[i].includes('=');
    if (takesValue && i + 1 < tokens.length) recovered.push(tokens[++i]);
  }
  return { recovered, unknown };
}

/**
 * Where `project:target` (or `project:target:configuration`) stands on the nx command line, or -1.
 * @param {readonly string[]} tokens
 * @param {string} target
 * @returns {number}
 */
const targetIndex = (tokens, target) => tokens.findIndex((t) => t === target || t.startsWith(`${target}:`));

/**
 * What the user typed after the target, rebuilt from the nx command line (`tokens`): the command's
 * own flags with their values as typed (also those Nx kept for itself: `--batch-size`, and `--batch`
 * whose value Nx leaves behind as a stray word), other words only as far as Nx passed them on (so Nx's
 * own options, `--skip-nx-cache` or `-c production`, stay Nx's). Null when the target is not named
 * as `project:target` on the line (then `typed` and {@link keptByNx} are used).
 * @param {readonly string[]} tokens
 * @param {readonly string[]} typed What Nx passed (`__unparsed__`).
 * @param {Record<string, string>} flags The command's flags and their kinds.
 * @param {string} target `project:target`
 * @returns {string[] | null}
 */
function asTyped(tokens, typed, flags, target) {
  const at = targetIndex(tokens, target);
  if (at < 0) return null;
  const left = new Map();
  for (const t of typed) left.set(t, (left.get(t) ?? 0) + 1);
  const take = (/** @type {string} */ t) => {
    const n = left.get(t) ?? 0;
    if (n > 0) left.set(t, n - 1);
    return n > 0;
  };
  const out = /** @type {string[]} */ ([]);
  for (let i = at + 1; i < tokens.length; i++) {
    const t = tokens[i];
    const m = /^--(no-)?([A-Za-z][\w-]*)(=|$)/.exec(t);
    const name = m && m[2].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (name && name in flags && (!m[1] || flags[name] === 'boolean')) {
      out.push(t);
      take(t);
      if (flags[name] !== 'boolean' && !t.includes('=') && i + 1 < tokens.length) {
        out.push(tokens[++i]);
        take(tokens[i]);
      }
    } else if (take(t)) {
      out.push(t);
    }
  }
  return out;
}

/**
 * A word the user meant as the value of a flag that is Nx's own (`--batch 32`: Nx takes `--batch`, a
 * switch of its own, and passes `32` on as a stray word), said in one line with the command's flag
 * that begins with that name (`--batch-size 32`); null when the line has none. Only a word that Nx
 * passed on right after such an option counts (not `--skip-nx-cache`, which takes no value).
 * @param {readonly string[]} tokens
 * @param {readonly string[]} typed What Nx passed (`__unparsed__`).
 * @param {Record<string, string>} flags The command's flags and their kinds.
 * @param {string} target `project:target`
 * @returns {string | null}
 */
function strayAfterNxOption(tokens, typed, flags, target) {
  const at = targetIndex(tokens, target);
  if (at < 0) return null;
  for (let i = at + 1; i + 1 < tokens.length; i++) {
    const m = /^--([A-Za-z][\w-]*)$/.exec(tokens[i]);
    if (!m || typed.includes(tokens[i])) continue;
    const name = m[1];
    if (name in flags) {
      // The command's own flag: its value (the next word) is not stray.
      if (flags[name] !== 'boolean') i++;
      continue;
    }
    const word = tokens[i + 1];
    const like = Object.keys(flags).filter((f) => f.startsWith(`${name}-`));
    if (word.startsWith('-') || !typed.includes(word) || like.length === 0) continue;
    const meant = like.map((f) => `\`--${f} ${word}\``).join(' or ');
    return `Expected ${meant} (\`--${name}\` is Nx's own option: Nx took it and passed \`${word}\` on as a stray word), found \`--${name} ${word}\``;
  }
  return null;
}

module.exports = runDigitfuse;
module.exports.keptByNx = keptByNx;
