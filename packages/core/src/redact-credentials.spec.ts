import { redactCredentials } from './redact-credentials';

describe('redactCredentials()', () => {
  it.each([
    // As tuning's redactUrl writes a storage URL: the user kept, the password and its colon gone.
    ['error: `postgresql://u:secret@h:5432/db`, `postgresql://x@y/z`', 'error: `postgresql://u@h:5432/db`, `postgresql://x@y/z`'],
    ['Unknown argument: postgres://u:secret@h/db?sslmode=require', 'Unknown argument: postgres://u@h/db?sslmode=require'],
    ['see https://token:x-oauth@github.com/o/r', 'see https://token@github.com/o/r'],
    ['postgresql://:secret@h/db', 'postgresql://@h/db'],
    // An `@` in the password (the URL parser reads the last one of the authority), a `/` (a URL that does not parse).
    ['`postgresql://u:p@ss@h/db`', '`postgresql://u@h/db`'],
    ['`postgresql://u:pa/ss@h/db`', '`postgresql://u@h/db`'],
    ['postgresql://h/db?sslmode=require&password=secret&x=1', 'postgresql://h/db?sslmode=require&password=***&x=1'],
    ['postgresql://h/db?sslpassword=secret', 'postgresql://h/db?sslpassword=***'],
  ])('%s', (text, redacted) => {
    expect(redactCredentials(text)).toBe(redacted);
  });

  it('leaves a URL without a password as it is: a port is no password, an `@` after the path is none', () => {
    for (const text of ['postgresql://u@h:5432/db', 'postgresql://h:5432/db?application_name=a@b', 'http://127.0.0.1:8080/x', 'a:b@c', 'no URL at all']) {
      expect(redactCredentials(text)).toBe(text);
    }
  });

  it("finds a command line's URL whole, whatever its password holds (a space, a backtick)", () => {
    const spaced = 'postgresql://u:my secret@h/db';
    expect(redactCredentials(`found \`${spaced}\` twice`, ['--storage', spaced])).toBe('found `postgresql://u@h/db` twice');
    const ticked = 'postgresql://u:a`b c@h/db';
    expect(redactCredentials(`Unknown argument: ${ticked}`, [`--storage=${ticked}`])).toBe('Unknown argument: postgresql://u@h/db');
    expect(redactCredentials('Unknown argument: postgresql://h:5432/db?x=a@b', ['postgresql://h:5432/db?x=a@b'])).toBe('Unknown argument: postgresql://h:5432/db?x=a@b');
  });
});
