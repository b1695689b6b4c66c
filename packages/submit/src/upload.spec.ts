import { useTempDirs } from '@digitfuse/core/testing';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planUpload, upload } from './upload';

const sandboxFolder = useTempDirs('kaggle-');

function sandbox() {
  const root = sandboxFolder();
  const bin = join(root, 'bin');
  const home = join(root, 'home');
  mkdirSync(bin);
  mkdirSync(home);
  const file = join(root, 'submission.csv');
  writeFileSync(file, 'row_id,label\n0,1\n');
  return { root, bin, home, file };
}

describe('planUpload()', () => {
  it('names every missing piece and the exact command', () => {
    const s = sandbox();
    const plan = planUpload({ competition: 'digits', message: 'm', file: s.file, env: { PATH: s.bin }, home: s.home });
    expect(plan.command).toEqual(['kaggle', 'competitions', 'submit', '-c', 'digits', `--file=${s.file}`, '--message=m']);
    expect(plan.missing).toHaveLength(2);
    expect(plan.missing[0]).toContain('`kaggle` command is not on PATH');
    expect(plan.missing[1]).toContain(join(s.home, '.kaggle', 'kaggle.json'));
  });

  it('finds credentials in the environment or in kaggle.json', () => {
    const s = sandbox();
    const env = { PATH: s.bin, KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k' };
    expect(planUpload({ competition: 'c', message: 'm', file: s.file, env, home: s.home }).credentials).toBe(
      'KAGGLE_USERNAME/KAGGLE_KEY',
    );
    mkdirSync(join(s.home, '.kaggle'));
    writeFileSync(join(s.home, '.kaggle', 'kaggle.json'), '{"username":"u","key":"k"}');
    const plan = planUpload({ competition: 'c', message: 'm', file: s.file, env: { PATH: s.bin }, home: s.home });
    expect(plan.credentials).toBe(join(s.home, '.kaggle', 'kaggle.json'));
    expect(plan.missing).toEqual(['the `kaggle` command is not on PATH (install it with `pip install kaggle`)']);
  });

  it.each([
    ['{}', 'found no "username" and no "key"'],
    ['{"username":"u"}', 'found no "key"'],
    ['[1]', 'found JSON of another shape'],
    ['username=u', 'found text that is not JSON'],
  ])('names a kaggle.json that is no API token (%s) as what is missing (it counted as credentials, and the kaggle CLI failed after every check passed)', (text, found) => {
    const s = sandbox();
    const token = join(s.home, '.kaggle', 'kaggle.json');
    mkdirSync(join(s.home, '.kaggle'));
    writeFileSync(token, text);
    const plan = planUpload({ competition: 'c', message: 'm', file: s.file, env: { PATH: s.bin }, home: s.home });
    expect(plan.missing[1]).toBe(
      `\`${token}\` is not a Kaggle API token: expected JSON with "username" and "key" (Account > API > Create New Token on kaggle.com), ${found}`,
    );
  });
});

describe('upload()', () => {
  it('does not claim an upload when the CLI is missing', () => {
    const s = sandbox();
    const result = upload({ competition: 'c', message: 'm', file: s.file, env: { PATH: s.bin }, home: s.home, testRows: 1 });
    expect(result.uploaded).toBe(false);
    expect(result.status).toBeUndefined();
  });

  it('runs the kaggle CLI with the arguments and reports its exit status', () => {
    const s = sandbox();
    const log = join(s.root, 'args.txt');
    const script = join(s.bin, 'kaggle');
    writeFileSync(script, `#!/bin/sh\necho "$@" > ${log}\nexit $FAKE_STATUS\n`);
    chmodSync(script, 0o755);
    const env = { PATH: `${s.bin}:/usr/bin:/bin`, KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k', FAKE_STATUS: '0' };
    const ok = upload({ competition: 'digits', message: 'first try', file: s.file, env, home: s.home, testRows: 1 });
    expect(ok.uploaded).toBe(true);
    expect(readFileSync(log, 'utf8').trim()).toBe(`competitions submit -c digits --file=${s.file} --message=first try`);
    const failed = upload({ competition: 'digits', message: 'x', file: s.file, env: { ...env, FAKE_STATUS: '3' }, home: s.home, testRows: 1 });
    expect(failed.uploaded).toBe(false);
    expect(failed.status).toBe(3);
  });
});
