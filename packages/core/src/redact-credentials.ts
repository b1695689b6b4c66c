/**
 * `text` without the password of any URL in it: `scheme://user:password@host` is written
 * `scheme://user@host` (as tuning's `redactUrl` writes a storage URL), and the value of a `password=`
 * or `sslpassword=` query parameter `***`. What a message may echo of a command line goes through it.
 *
 * Each of `args` (the command line's arguments, whole) that is or ends in such a URL is found in
 * `text` exactly, whatever its password holds (a space, a backtick, an `@`); a URL that is not one of
 * them has its password end at the last `@` before its path, or (a password holding a `/`, `?` or `#`,
 * which no URL parser reads as one) at the last `@` before the next space or backtick, unless what
 * follows the user is a port (`host:5432/db`).
 */
export function redactCredentials(text: string, args: readonly string[] = []): string {
  let out = text;
  for (const arg of args) {
    const userinfo = userinfoOf(arg);
    if (userinfo !== undefined) out = out.split(userinfo.whole).join(`${userinfo.user}@`);
  }
  return out.replace(URL_PASSWORD, '$1@').replace(QUERY_PASSWORD, '$1***');
}

/** A URL's `scheme://user:` and what follows up to the `@` that ends its password (see {@link redactCredentials}). */
const URL_PASSWORD = /([a-z][a-z\d+.-]*:\/\/[^\s:@/?#`]*):(?:[^\s/?#`]*@|(?!\d*(?:[/?#\s`]|$))[^\s`]*@)/gi;

/** A `password=` or `sslpassword=` query parameter's value. */
const QUERY_PASSWORD = /([?&](?:ssl)?password=)[^&#\s`]+/gi;

/**
 * The `scheme://user:password@` of the URL that `arg` is or ends in (`--storage=postgresql://...`), as
 * `whole` and its `scheme://user`; undefined when it has no password. The password runs to the last `@`
 * of the URL's authority (up to its first `/`, `?` or `#`), or of the whole argument when there is none.
 */
function userinfoOf(arg: string): { readonly whole: string; readonly user: string } | undefined {
  const start = /[a-z][a-z\d+.-]*:\/\/[^:@/?#]*:/i.exec(arg);
  if (start === null) return undefined;
  const rest = arg.slice(start.index + start[0].length);
  const authority = rest.slice(0, rest.search(/[/?#]|$/));
  // No `@` in the authority: a password with a `/` in it, or no password at all before a port (`host:5432/db`).
  if (!authority.includes('@') && /^\d*$/.test(authority)) return undefined;
  const at = authority.includes('@') ? authority.lastIndexOf('@') : rest.lastIndexOf('@');
  if (at < 0) return undefined;
  return { whole: arg.slice(start.index, start.index + start[0].length + at + 1), user: start[0].slice(0, -1) };
}
