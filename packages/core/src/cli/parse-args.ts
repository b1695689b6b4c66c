import yargs, { type ArgumentsCamelCase, type Argv } from 'yargs';
import { UsageError } from '../errors';

/** How a command presents itself in `--help`. */
export interface CliSpec {
  /** The command as typed, e.g. `digitfuse preprocess`. Required. */
  readonly name: string;
  /** What follows the name on the usage line. Default `[options]`. */
  readonly usage?: string;
  /** A paragraph under the usage line saying what the command does. Default none. */
  readonly describe?: string;
}

/**
 * Thrown by {@link parseArgs} once it has printed `--help`: the command has nothing more to do.
 * Not an error: {@link runCli} exits with code 0.
 */
export class HelpShown extends Error {
  constructor() {
    super('help shown');
    this.name = 'HelpShown';
  }
}

/**
 * Parses `argv` with the flags `build` declares, strictly: an unknown flag, a bad or missing value
 * throws a {@link UsageError} naming it (one line, ending in "(see --help)"). `--help` prints the
 * command's help to stdout and throws {@link HelpShown}. Flags are available both as written
 * (`batch-size`) and in camel case (`batchSize`).
 */
export async function parseArgs<T>(argv: readonly string[], spec: CliSpec, build: (y: Argv) => Argv<T>): Promise<ArgumentsCamelCase<T>> {
  const parser = build(yargs([...argv]))
    .scriptName(spec.name)
    .usage(`$0 ${spec.usage ?? '[options]'}${spec.describe ? `\n\n${spec.describe}` : ''}`)
    .strict()
    .version(false)
    .help()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, err) => {
      throw new UsageError(`${usageMessage(message ?? err?.message ?? 'bad arguments')} (see --help)`);
    });
  const args = await parser.parseAsync();
  if ((args as { help?: boolean }).help) throw new HelpShown();
  return args;
}

/**
 * yargs' message on one line, without the camel-case twin of an unknown flag
 * ("Unknown arguments: bogus-flag, bogusFlag" becomes "Unknown argument: bogus-flag").
 */
function usageMessage(message: string): string {
  const text = message.replace(/\s*\n\s*/g, ' ').trim();
  const unknown = /^Unknown arguments?: (.*)$/.exec(text);
  if (!unknown) return text;
  const names = unknown[1].split(', ');
  const kept = names.filter((n) => !names.some((other) => other !== n && other.includes('-') && camelCase(other) === n));
  return `Unknown argument${kept.length > 1 ? 's' : ''}: ${kept.join(', ')}`;
}

const camelCase = (s: string): string => s.replace(/-+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
