import { accessSync, constants, statSync } from 'node:fs';
import { redactCredentials } from '@digitfuse/core';

/** The URL without its password (`postgresql://user@host:port/db`), for messages and run.json. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '';
    return redactCredentials(u.toString().replace(/^(postgres(?:ql)?:\/\/[^:@/]*):?@/, '$1@'));
  } catch {
    return redactCredentials(url, [url]);
  }
}

/**
 * Whether two PostgreSQL URLs name the same database as the same user, their passwords aside (run.json
 * keeps a URL without it): `postgres://` is `postgresql://`, and a URL without a port names 5432.
 */
export function sameDatabase(a: string, b: string): boolean {
  const key = (url: string): string => {
    const bare = redactUrl(url).replace(/^postgres(?:ql)?:\/\//i, 'postgresql://');
    try {
      const u = new URL(bare);
      if (u.port === '') u.port = '5432';
      return u.toString();
    } catch {
      return bare;
    }
  };
  return key(a) === key(b);
}

/** Whether a storage argument names a PostgreSQL database (else it is a journal file). */
export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** Whether `url` is a well-formed PostgreSQL URL: postgresql://user@host:port/database (password and port optional). */
export function isWellFormedPostgresUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return /^postgres(ql)?:$/.test(u.protocol) && u.hostname !== '' && u.pathname.length > 1;
}

/**
 * The query parameters a storage URL may have: `sslmode` and the files it names (postgres-storage.ts
 * reads them: driverUrl, tlsProblem), `uselibpqcompat` (the driver's, which driverUrl leaves as given)
 * and `application_name` (what the server's pg_stat_activity calls the connection). The driver would
 * take any other one silently, and some would undo the storage's settings (`options` its read-only
 * connections, `query_timeout` its timeout) or the URL's own parts (`host`, `user`, `password`).
 */
const URL_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name', 'uselibpqcompat'];

/** libpq's sslmodes, and the driver's `no-verify`. */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/** The files an SSL URL names (`sslrootcert`, `sslcert`, `sslkey`) and what each is. */
const SSL_FILES = [
  ['sslrootcert', "the certificate of the authority that signed the server's"],
  ['sslcert', "this machine's certificate"],
  ['sslkey', "this machine's private key"],
] as const;

/** What is wrong with a storage URL: one line `message`; `onDisk` when a file it names cannot be read (the URL itself is well formed). */
export interface UrlProblem {
  readonly message: string;
  readonly onDisk: boolean;
}

/**
 * What is wrong with a PostgreSQL URL, if anything, as a sentence naming `source`, where the URL
 * came from (`` `--storage` ``, `` `DIGITFUSE_STORAGE` ``, 'the storage URL'): not a
 * postgresql://user@host:port/database URL, a port outside 1-65535, a `%` that starts no %XX escape
 * (the driver would send it as it is: a wrong password), a query parameter other than
 * {@link URL_PARAMETERS} or one given twice, an sslmode libpq does not know, `sslmode=verify-ca` without
 * `sslrootcert`, or an SSL file (sslrootcert, sslcert, sslkey) that is not a readable file (`onDisk`).
 * No message shows the password.
 */
export function postgresUrlProblem(url: string, source: string): UrlProblem | undefined {
  const usage = (message: string): UrlProblem => ({ message, onDisk: false });
  const unescaped = unescapedInPassword(url);
  if (unescaped !== undefined) {
    return usage(`Expected the password in ${source} to have each /, ? and # written as %2F, %3F and %23 (%40 for @, %25 for %), found a \`${unescaped}\` written as it is`);
  }
  const port = /^postgres(?:ql)?:\/\/(?:[^/?#]*@)?[^/?#@]*:(\d+)(?:[/?#]|$)/i.exec(url)?.[1];
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) return usage(`Expected the port of ${source} to be from 1 to 65535, found \`${port}\``);
  if (!isWellFormedPostgresUrl(url)) return usage(`Expected ${source} to be a postgresql://user@host:port/database URL, found \`${redactUrl(url)}\``);
  const u = new URL(url);
  const parts = [['user name', u.username], ['password', u.password], ['host', u.hostname], ['database name', u.pathname.slice(1)], ['query', u.search.slice(1)]] as const;
  const malformed = parts.find(([, text]) => !decodes(text));
  if (malformed !== undefined) {
    return usage(`Expected ${source} to be a well-formed URL, each % starting an escape of two hex digits (%25 for % itself, %40 for @), found a malformed one in its ${malformed[0]}`);
  }
  const names = [...u.searchParams.keys()];
  const unknown = [...new Set(names.filter((n) => !URL_PARAMETERS.includes(n)))];
  if (unknown.length > 0) return usage(`Expected ${source} to have only the query parameters ${URL_PARAMETERS.join(', ')}, found ${unknown.map((n) => `\`${n}\``).join(', ')}`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) return usage(`Expected ${source} to give each query parameter once, found \`${twice}\` ${names.filter((n) => n === twice).length} times`);
  const mode = u.searchParams.get('sslmode');
  if (mode !== null && !SSL_MODES.includes(mode)) return usage(`Expected the sslmode of ${source} to be one of ${SSL_MODES.join(', ')}, found \`${mode}\``);
  if (mode === 'verify-ca' && !u.searchParams.has('sslrootcert')) {
    return usage(
      `Expected ${source} with sslmode=verify-ca to name sslrootcert=FILE, the certificate of the authority that signed the server's (or sslmode=verify-full, checked against this machine's trusted authorities), found none`,
    );
  }
  for (const [name, what] of SSL_FILES) {
    const file = u.searchParams.get(name);
    const found = file === null ? undefined : fileProblem(file);
    if (found !== undefined) return { message: `Expected ${name}=${file} in ${source} to be a readable file (${what}), found ${found}`, onDisk: true };
  }
  return undefined;
}

/**
 * The first `/`, `?` or `#` a URL's password holds as it is, if any: `postgresql://u:ab#cd@h/db` is
 * read by URL parsers as the host `u` with the port `ab` and a fragment, so that the URL was refused
 * as not postgresql://user@host:port/database while its redacted form (`postgresql://u@h/db`) showed
 * nothing wrong. Seen as a `user:` before the host part ends, then an `@` after it; a host:port (all
 * digits after the colon) is no password.
 */
function unescapedInPassword(url: string): string | undefined {
  const rest = /^postgres(?:ql)?:\/\/(.*)$/is.exec(url)?.[1];
  if (rest === undefined) return undefined;
  const end = rest.search(/[/?#]/);
  const at = rest.lastIndexOf('@');
  if (end < 0 || at < end) return undefined;
  const authority = rest.slice(0, end);
  const colon = authority.indexOf(':');
  if (authority.includes('@') || colon < 0 || /^\d*$/.test(authority.slice(colon + 1))) return undefined;
  return rest[end];
}

/** Whether a part of a URL decodes: each % starts an escape of two hex digits, and the escapes are UTF-8. */
function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** What stands at `file` when it is not a file this process may read ('no such file', 'a folder', the error's code); undefined when it is. */
function fileProblem(file: string): string | undefined {
  try {
    if (statSync(file).isDirectory()) return 'a folder';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file (ENOENT)' : code === 'EACCES' ? 'a file this user may not read (EACCES)' : (code ?? String(e));
  }
}
