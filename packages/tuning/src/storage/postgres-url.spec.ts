import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { postgresUrlProblem, redactUrl, sameDatabase } from './postgres-url';

const base = 'postgresql://digitfuse:s3cret@db.example:5432/studies';

describe('postgresUrlProblem()', () => {
  let dir: string;
  let ca: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postgres-url-'));
    ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(ca, 'not checked here');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes a URL with the parameters the storage reads', () => {
    for (const url of [
      base,
      'postgres://u@h/db',
      'postgresql://u@[::1]:5432/db',
      'postgresql://u:p%40ss@h:65535/db',
      'postgresql://u:p%23q%2Fr%3Fs@h/db',
      'postgresql://u@h:5432/db?application_name=a@b/c',
      `${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}&application_name=worker-3`,
      `${base}?sslmode=require&uselibpqcompat=true`,
      `${base}?sslmode=verify-ca&sslrootcert=${ca}`,
    ]) {
      expect(postgresUrlProblem(url, '`--storage`')).toBeUndefined();
    }
  });

  it.each([
    ['mysql://u:s3cret@h/db', 'Expected `--storage` to be a postgresql://user@host:port/database URL, found `mysql://u@h/db`'],
    ['postgresql://u:s3cret@h', 'Expected `--storage` to be a postgresql://user@host:port/database URL, found `postgresql://u@h`'],
    ['postgresql://u:s3cret@h:99999/db', 'Expected the port of `--storage` to be from 1 to 65535, found `99999`'],
    ['postgresql://u:s3cret@h:0/db', 'Expected the port of `--storage` to be from 1 to 65535, found `0`'],
    // The driver would send `digit%ZZ` as the password; %FF is no UTF-8.
    ['postgresql://u:digit%ZZ@h/db', 'Expected `--storage` to be a well-formed URL, each % starting an escape of two hex digits (%25 for % itself, %40 for @), found a malformed one in its password'],
    // A URL parser reads `u:s3c#ret@h/db` as the host `u`, the port `s3c` and a fragment: it was refused as not a
    // postgresql:// URL, showing `postgresql://u@h/db`, which looked right.
    ['postgresql://u:s3c#ret@h/db', 'Expected the password in `--storage` to have each /, ? and # written as %2F, %3F and %23 (%40 for @, %25 for %), found a `#` written as it is'],
    ['postgresql://u:s3c/ret@h:5432/db', 'Expected the password in `--storage` to have each /, ? and # written as %2F, %3F and %23 (%40 for @, %25 for %), found a `/` written as it is'],
    ['postgresql://u:s3c?ret@h/db', 'Expected the password in `--storage` to have each /, ? and # written as %2F, %3F and %23 (%40 for @, %25 for %), found a `?` written as it is'],
    ['postgresql://u%FF:s3cret@h/db', 'Expected `--storage` to be a well-formed URL, each % starting an escape of two hex digits (%25 for % itself, %40 for @), found a malformed one in its user name'],
    ['postgresql://u:s3cret@h/d%b', 'Expected `--storage` to be a well-formed URL, each % starting an escape of two hex digits (%25 for % itself, %40 for @), found a malformed one in its database name'],
    [`${base}?sslmode=require&foo=bar&options=-c%20x=1`, 'Expected `--storage` to have only the query parameters sslmode, sslrootcert, sslcert, sslkey, application_name, uselibpqcompat, found `foo`, `options`'],
    [`${base}?password=hunter2`, 'Expected `--storage` to have only the query parameters sslmode, sslrootcert, sslcert, sslkey, application_name, uselibpqcompat, found `password`'],
    [`${base}?sslmode=require&sslmode=disable`, 'Expected `--storage` to give each query parameter once, found `sslmode` 2 times'],
    [`${base}?sslmode=bogus`, 'Expected the sslmode of `--storage` to be one of disable, allow, prefer, require, verify-ca, verify-full, no-verify, found `bogus`'],
    [
      `${base}?sslmode=verify-ca`,
      "Expected `--storage` with sslmode=verify-ca to name sslrootcert=FILE, the certificate of the authority that signed the server's (or sslmode=verify-full, checked against this machine's trusted authorities), found none",
    ],
  ])('%s: a bad command-line value, in one line without the password', (url, message) => {
    expect(postgresUrlProblem(url, '`--storage`')).toEqual({ message, onDisk: false });
  });

  it('an SSL file that is not a readable file: what stands on disk, naming the parameter and where the URL came from', () => {
    expect(postgresUrlProblem(`${base}?sslmode=require&sslrootcert=/nonexistent.pem`, '`DIGITFUSE_STORAGE`')).toEqual({
      message: "Expected sslrootcert=/nonexistent.pem in `DIGITFUSE_STORAGE` to be a readable file (the certificate of the authority that signed the server's), found no such file (ENOENT)",
      onDisk: true,
    });
    expect(postgresUrlProblem(`${base}?sslcert=${dir}`, 'the storage URL')).toEqual({
      message: `Expected sslcert=${dir} in the storage URL to be a readable file (this machine's certificate), found a folder`,
      onDisk: true,
    });
  });
});

describe('redactUrl()', () => {
  it('drops the password, in the URL and in a query parameter', () => {
    expect(redactUrl('postgresql://u:secret@h:5432/db')).toBe('postgresql://u@h:5432/db');
    expect(redactUrl('postgresql://u@h/db')).toBe('postgresql://u@h/db');
    expect(redactUrl('postgresql://u@h/db?password=secret')).toBe('postgresql://u@h/db?password=***');
  });

  it('drops it from a URL that does not parse, whatever it holds', () => {
    expect(redactUrl('postgresql://u:secret@h:99999/db')).toBe('postgresql://u@h:99999/db');
    expect(redactUrl('postgresql://u:se/cret@h/db')).toBe('postgresql://u@h/db');
  });
});

describe('sameDatabase()', () => {
  it('takes postgres:// for postgresql://, a missing port for 5432, and leaves the passwords aside', () => {
    expect(sameDatabase('postgres://u:s3cret@db.example/studies', 'postgresql://u@db.example:5432/studies')).toBe(true);
    expect(sameDatabase('postgresql://u:s3cret@db.example:5432/studies', 'postgresql://u:other@db.example/studies')).toBe(true);
  });

  it('tells another host, port, user, database or query apart', () => {
    for (const other of ['postgresql://u@db2.example/studies', 'postgresql://u@db.example:5433/studies', 'postgresql://v@db.example/studies', 'postgresql://u@db.example/other', 'postgresql://u@db.example/studies?sslmode=require']) {
      expect(sameDatabase('postgres://u:s3cret@db.example/studies', other)).toBe(false);
    }
  });
});
