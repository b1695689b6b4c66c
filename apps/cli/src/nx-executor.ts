import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HelpShown, runMain } from '@digitfuse/core';
import { leafCommands, type Command } from './commands';

/**
 * The Nx executor every runnable target uses (`tools/executors/digitfuse`): one executor per
 * `digitfuse` command, so that `nx run <target> --help`, which Nx answers itself from the executor's
 * schema, shows the command's flags. Its `executors.json` and `schemas/*.json` are generated here from
 * the commands and their `--help`; `npx tsx apps/cli/src/nx-executor.ts` rewrites them.
 */
export const EXECUTOR_DIR = join(__dirname, '..', '..', '..', 'tools', 'executors', 'digitfuse');

/** The files of the executor, by path relative to {@link EXECUTOR_DIR}, as they should be. */
export async function executorFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const executors: Record<string, { implementation: string; schema: string; description: string; command: readonly string[]; flags: Record<string, FlagKind> }> = {};
  for (const [words, command] of leafCommands()) {
    const name = words.join('-');
    const schema = `./schemas/${name}.json`;
    const help = forNx(await helpText(command));
    executors[name] = { implementation: './executor.js', schema, description: `digitfuse ${words.join(' ')}`, command: words, flags: flagKinds(help) };
    files[schema.slice(2)] = json({
      $schema: 'https://json-schema.org/schema',
      version: 2,
      title: `digitfuse ${words.join(' ')}`,
      description: help,
      type: 'object',
      properties: {
        __unparsed__: {
          type: 'array',
          items: { type: 'string' },
          $default: { $source: 'unparsed' },
          description: 'The flags typed after the target, passed to the program as they are.',
          visible: false,
        },
      },
    });
  }
  files['executors.json'] = json({ executors });
  return files;
}

/** `command --help` as the command prints it. */
export async function helpText(command: Command): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void lines.push(parts.join(' '));
  try {
    await command.run?.(['--help']);
  } catch (err) {
    if (!(err instanceof HelpShown)) throw err;
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

/**
 * yargs' help without its columns: Nx re-wraps the description it prints and trims each line, so a
 * paragraph or a flag goes on one line of its own (`--trials  Finished trials ...  [number] [default: 10]`).
 */
export function forNx(help: string): string {
  const out: string[] = [];
  for (const raw of help.split('\n')) {
    const line = raw.trim().replace(/\s{2,}/g, '  ');
    const previous = out[out.length - 1];
    // A flag's wrapped description is indented deeper than the flag (2 spaces); a wrapped paragraph is not indented.
    const wrapped = /^\s{3,}\S/.test(raw) || (!/^\s/.test(raw) && line !== '' && !line.endsWith(':') && out.length > 1);
    if (wrapped && previous) out[out.length - 1] = `${previous}${line.startsWith('[') ? '  ' : ' '}${line}`;
    else out.push(line);
  }
  return out.join('\n').trim();
}

/** What a flag takes: a value (`string`, `number`, `choices`, `array`) or none (`boolean`). */
export type FlagKind = 'string' | 'number' | 'boolean' | 'array' | 'choices';

/**
 * Each flag of a command and its kind, read from its help in {@link forNx}'s form (one flag a line,
 * ending in yargs' `[number]`, `[choices: ...]` ...). The executor uses them to find a flag Nx kept for
 * itself; the executor's spec, to run every target with every flag. `--help` is Nx's to answer.
 */
export function flagKinds(help: string): Record<string, FlagKind> {
  const flags: Record<string, FlagKind> = {};
  for (const line of help.split('\n')) {
    const flag = /^--([a-z][a-z0-9-]*)\b/.exec(line);
    const kind = /\[(string|number|boolean|array|choices)\b[^\]]*\]/.exec(line);
    if (!flag || flag[1] === 'help' || flag[1] === 'version') continue;
    if (!kind) throw new Error(`Expected a type ([string], [number] ...) in the help line of --${flag[1]}, got: ${line}`);
    flags[flag[1]] = kind[1] as FlagKind;
  }
  return flags;
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Writes the executor's generated files; returns the paths that changed. */
export async function writeExecutorFiles(dir = EXECUTOR_DIR): Promise<string[]> {
  const changed: string[] = [];
  for (const [path, text] of Object.entries(await executorFiles())) {
    const file = join(dir, path);
    let old: string | null = null;
    try {
      old = readFileSync(file, 'utf8');
    } catch {
      // a new file
    }
    if (old !== text) {
      writeFileSync(file, text);
      changed.push(file);
    }
  }
  return changed;
}

if (require.main === module) {
  runMain(async () => {
    const changed = await writeExecutorFiles();
    console.log(changed.length ? `wrote ${changed.join(', ')}` : 'the executor files are up to date');
  });
}
