import yargs, { type ArgumentsCamelCase, type Argv } from 'yargs';
import { distance } from 'fastest-levenshtein';
import { UsageError } from '../errors';
import { redactCredentials } from '../redact-credentials';

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
 * throws a {@link UsageError} naming it (one line, ending in "(see --help)"; the password of a URL
 * it echoes left out, {@link redactCredentials}). `--help` prints the command's help to stdout and
 * throws {@link HelpShown}. Flags are available both as written (`batch-size`) and in camel case
 * (`batchSize`).
 */
export async function parseArgs<T>(argv: readonly string[], spec: CliSpec, build: (y: Argv) => Argv<T>): Promise<ArgumentsCamelCase<T>> {
  const declared = (build(yargs([])) as unknown as { getOptions(): DeclaredOptions }).getOptions();
  let tokens: string[];
  typedNumbers.clear();
  try {
    tokens = checkTokens(argv, declared, typedNumbers);
  } catch (e) {
    throw e instanceof UsageError ? new UsageError(redactCredentials(e.message, argv)) : e;
  }
  const parser = build(yargs(tokens))
    .scriptName(spec.name)
    .usage(`$0 ${spec.usage ?? '[options]'}${spec.describe ? `\n\n${spec.describe}` : ''}`)
    .strict()
    .version(false)
    .help()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, err) => {
      throw new UsageError(redactCredentials(`${usageMessage(message ?? err?.message ?? 'bad arguments', declared, argv)} (see --help)`, argv));
    });
  const args = await parser.parseAsync();
  if ((args as { help?: boolean }).help) throw new HelpShown();
  return args;
}

/** The part of yargs' `getOptions()` that says which flags exist and what they take. */
interface DeclaredOptions {
  readonly key: Readonly<Record<string, unknown>>;
  readonly boolean: readonly string[];
  readonly number: readonly string[];
  readonly array: readonly string[];
  readonly count: readonly string[];
}

/**
 * Checks what yargs would read wrongly or silently, before it parses (each a {@link UsageError}):
 * a flag given more than once (yargs would make an array of it, or merge the values), a flag that
 * takes a value with none after it (yargs would read an empty string, i.e. the current folder), a
 * switch given a value other than true or false (yargs would read false), a number flag given
 * something that is not a number written in decimal (yargs would read NaN, or `0x2` as 2), `--no-x`
 * where `--x` takes a value (yargs would read false), an array flag given the same value twice, and
 * anything after `--` (yargs would drop it). A bare `help` or `-h` is `--help`. A value that starts with `-` but is no flag (`--budget
 * -5m`, `--message '- item'`) is joined to its flag (`--budget=-5m`) so that it reaches the flag's
 * own check instead of reading as short flags; `--no-x=true` becomes `--x=false`. Returns the
 * arguments to parse; `typed` receives each number flag's text, by its declared name.
 */
export function checkTokens(argv: readonly string[], options: DeclaredOptions, typed?: Map<string, string>): string[] {
  const byName = new Map<string, string>();
  for (const key of Object.keys(options.key)) {
    byName.set(key, key);
    byName.set(camelCase(key), key);
  }
  const switches = new Set([...options.boolean, ...options.count]);
  const numbers = new Set(options.number);
  const arrays = new Set(options.array);
  const seen = new Map<string, string[]>();
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      // yargs would drop what follows silently
      if (i + 1 < argv.length) throw new UsageError(`Expected only flags, found \`${argv[i + 1]}\` after \`--\` (see --help)`);
      break;
    }
    const flag = /^--([^=]+)(?:=(.*))?$/s.exec(token);
    if (!flag) {
      // A bare `help` is yargs' help command, which printed the help and then let the command run
      // unchecked (`digitfuse demo help` built a dataset); `-h` was an unknown argument. Both are --help.
      out.push(token === 'help' || token === '-h' ? '--help' : token);
      continue;
    }
    const [, name, inline] = flag;
    let key = byName.get(name) ?? byName.get(camelCase(name));
    let negated = false;
    if (key === undefined && name.startsWith('no-')) {
      const plain = byName.get(name.slice(3)) ?? byName.get(camelCase(name.slice(3)));
      if (plain !== undefined && !switches.has(plain)) throw new UsageError(`Expected --${name.slice(3)} with a value: it is not a switch, so \`--${name}\` means nothing (see --help)`);
      if (plain !== undefined) [key, negated] = [plain, true];
    }
    if (key === undefined) {
      // yargs would take an all-capitals --BATCH-SIZE for --batch-size under another name, which the
      // command never reads: flags are lower-case.
      const lower = name.toLowerCase();
      const other = name !== lower ? (byName.get(lower) ?? (lower.startsWith('no-') ? byName.get(lower.slice(3)) : undefined)) : undefined;
      if (other !== undefined) throw new UsageError(`Unknown argument: --${name}; did you mean --${lower}? (flags are lower-case; see --help)`);
      out.push(token); // yargs' strict mode names it
      continue;
    }
    let shown = token;
    if (switches.has(key)) {
      if (inline !== undefined && !/^(true|false)$/.test(inline)) {
        throw new UsageError(`Expected --${name} to be a switch (--${negated ? name : key} or --${negated ? key : `no-${key}`}), found \`${token}\` (see --help)`);
      }
      // --no-x=true is --x=false (yargs would call --no-x unknown)
      out.push(negated && inline !== undefined ? `--${key}=${inline === 'true' ? 'false' : 'true'}` : token);
    } else {
      let value = inline;
      if (value === undefined) {
        const next = argv[i + 1];
        if (next === undefined || next === '--' || FLAG_TOKEN.test(next)) {
          const found = next === undefined ? 'none' : `the flag \`${next}\`; for a value that starts with -, write --${name}=VALUE`;
          throw new UsageError(`Expected a value after --${name}, found ${found} (see --help)`);
        }
        value = next;
        i++;
      }
      if (value.trim() === '') throw new UsageError(`Expected a value for --${name}, found an empty one (see --help)`);
      if (numbers.has(key)) {
        // Number() would read 0x2, 0b101, ' 2 ' and Infinity too.
        if (!DECIMAL.test(value)) throw new UsageError(`Expected --${name} to be a number written in decimal (12, 0.5, 1e-3), found \`${value}\` (see --help)`);
        typed?.set(key, value);
      }
      shown = `${value}`;
      out.push(`--${name}=${value}`);
    }
    const values = [shown];
    // An array flag takes the values that follow it too (`--model a b`), as yargs does.
    while (arrays.has(key) && inline === undefined && i + 1 < argv.length && argv[i + 1] !== '--' && !FLAG_TOKEN.test(argv[i + 1])) {
      values.push(argv[++i]);
      out.push(`--${name}=${argv[i]}`);
    }
    const earlier = seen.get(key) ?? [];
    for (shown of values) {
      earlier.push(shown);
      if (arrays.has(key) && earlier.indexOf(shown) < earlier.length - 1) throw new UsageError(`Expected each --${key} once, found \`${shown}\` twice (see --help)`);
    }
    seen.set(key, earlier);
    if (earlier.length > 1 && !arrays.has(key)) {
      throw new UsageError(`Expected --${key} once, found it ${earlier.length} times: ${earlier.map((v) => `\`${v}\``).join(', ')} (see --help)`);
    }
  }
  return out;
}

/** A number as a command line writes it: decimal digits, a minus sign, a fraction, an exponent (`12`, `-3`, `0.5`, `.5`, `1e-3`). */
const DECIMAL = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?$/i;

/**
 * The text each number flag was given on the command line {@link parseArgs} read last in this process
 * (`--workers 1e9`: `1e9`), by the flag's declared name: {@link positiveInt} refuses an integer written
 * otherwise than in digits (`1e2`, `2.0`) and echoes what was typed. A process reads one command line.
 */
const typedNumbers = new Map<string, string>();

/** The text a number flag (`batch-size`) was given on the command line {@link parseArgs} read last, if given. */
export function typedNumber(flag: string): string | undefined {
  return typedNumbers.get(flag);
}

/** A token that is a flag (`-x`, `--name`, `--name=value`), not a value that starts with `-` (`-5m`, `- item`, `-fix: a`). */
const FLAG_TOKEN = /^--?[A-Za-z][\w-]*(=|$)/;

/**
 * yargs' message on one line, without the camel-case twin of an unknown flag
 * ("Unknown arguments: bogus-flag, bogusFlag" becomes "Unknown argument: bogus-flag"), with the
 * command's flag that a typed flag is a typo of ("Unknown argument: trails; did you mean --trials?"),
 * and a value outside a flag's choices in the project's words.
 */
function usageMessage(message: string, declared: DeclaredOptions, argv: readonly string[]): string {
  const text = message.replace(/\s*\n\s*/g, ' ').trim();
  const choice = /^Invalid values?: Argument: ([^,]+), Given: (.*), Choices: (.*)$/.exec(text);
  if (choice) return `Expected --${choice[1]} to be one of ${choice[3].replace(/"/g, '')}, found \`${choice[2].replace(/^"|"$/g, '')}\``;
  const missing = /^Missing required arguments?: (.*)$/.exec(text);
  if (missing) return `Expected ${missing[1].split(', ').map((n) => `--${n}`).join(' and ')} (required), found none`;
  const unknown = /^Unknown arguments?: (.*)$/.exec(text);
  if (!unknown) return text;
  const names = unknown[1].split(', ');
  const kept = names.filter((n) => !names.some((other) => other !== n && other.includes('-') && camelCase(other) === n));
  // Each name as it was typed (`--no-cache`, not yargs' `cache`); a stray word stays as it is.
  const typed = kept.map((n) => typedFlag(n, argv) ?? n);
  // A typo is looked for only for one name typed as a flag (`--trails`, `--no-reprot`), not for a stray word.
  const prefix = kept.length !== 1 ? undefined : typed[0] === `--${kept[0]}` ? '--' : typed[0] === `--no-${kept[0]}` ? '--no-' : undefined;
  // `--no-` goes only with a switch.
  const near = prefix ? nearestFlag(kept[0], prefix === '--' ? Object.keys(declared.key) : declared.boolean) : undefined;
  return `Unknown argument${kept.length > 1 ? 's' : ''}: ${typed.join(', ')}${near ? `; did you mean ${prefix}${near}?` : ''}`;
}

/** How yargs' flag `name` was typed: `--name`, `--no-name` or `-name` (without any `=value`), or undefined. */
function typedFlag(name: string, argv: readonly string[]): string | undefined {
  for (const prefix of ['--', '--no-', '-']) {
    const token = argv.find((t) => t === `${prefix}${name}` || t.startsWith(`${prefix}${name}=`));
    if (token !== undefined) return token.replace(/=.*$/, '');
  }
  return undefined;
}

/** The flag of `flags` that `name` is a typo of ({@link nearestName}); never `version`, which parseArgs turns off. */
function nearestFlag(name: string, flags: readonly string[]): string | undefined {
  // yargs declares `batch-size` and its twin `batchSize`: offer the one the help shows.
  const twins = new Set(flags.filter((f) => f.includes('-')).map(camelCase));
  return nearestName(name, flags.filter((f) => !twins.has(f) && f !== 'version'));
}

/** The name of `names` that `name` is a typo of (at most 2 edits and half its length, a swap of two letters being 2; fastest-levenshtein), if exactly one is that near. */
export function nearestName(name: string, names: readonly string[]): string | undefined {
  const limit = Math.min(2, Math.floor(name.length / 2));
  const near = names.filter((f) => distance(name, f) <= limit);
  const best = Math.min(...near.map((f) => distance(name, f)));
  const closest = near.filter((f) => distance(name, f) === best);
  return closest.length === 1 ? closest[0] : undefined;
}

const camelCase = (s: string): string => s.replace(/-+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
