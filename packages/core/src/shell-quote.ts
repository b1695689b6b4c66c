/**
 * `arg` as a POSIX shell reads it literally, for showing a command a person may copy: single-quoted
 * (a `'` inside becomes `'\\''`) unless it is plain, so `$`, backquotes and spaces stay text.
 */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
