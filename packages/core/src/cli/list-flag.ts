import { UsageError } from '../errors';

/**
 * The entries of a comma-separated flag value (`--functions branin,hartmann6`), trimmed. Throws a
 * {@link UsageError} naming the flag when the list or one of its entries is empty (`a,,b`, `,`), or,
 * with `known`, when an entry is not one of them.
 */
export function listFlag(value: string, flag: string, known?: readonly string[]): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) {
    const what = known ? `some of ${known.join(', ')}` : 'values';
    throw new UsageError(`Expected --${flag} to be a comma-separated list of ${what}, found an empty entry in \`${value}\``);
  }
  const unknown = known ? items.find((s) => !known.includes(s)) : undefined;
  if (unknown !== undefined) throw new UsageError(`Expected --${flag} to list some of ${(known as readonly string[]).join(', ')}, found \`${unknown}\``);
  const twice = items.find((s, i) => items.indexOf(s) !== i);
  if (twice !== undefined) throw new UsageError(`Expected --${flag} to name each entry once, found \`${twice}\` twice in \`${value}\``);
  return items;
}
