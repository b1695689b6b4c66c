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
  const executors: Record<string, { implementation: string; schema: string; description: string; command: readonly string[] }> = {};
  for (const [words, command] of leafCommands()) {
    const name = words.join('-');
    const schema = `./schemas/${name}.json`;
    executors[name] = { implementation: './executor.js', schema, description: `digitfuse ${words.join(' ')}`, command: words };
    files[schema.slice(2)] = json({
      $schema: 'https://json-schema.org/schema',
      version: 2,
      title: `digitfuse ${words.join(' ')}`,
      description: forNx(await helpText(command)),
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
