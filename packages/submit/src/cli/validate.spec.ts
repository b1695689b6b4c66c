import { writeNpy } from '@digitfuse/data';
import { runScript, runScriptUnprivileged } from '@digitfuse/core/testing';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'validate-cli-'));
const data = join(root, 'data');
const submission = join(root, 'submission.csv');

beforeAll(() => {
  mkdirSync(data);
  writeNpy(join(data, 'x_test_wr.npy'), new Float32Array(3 * 784), [3, 784]);
  writeFileSync(submission, 'row_id,label\n0,1\n1,2\n2,3\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (args: string[]) => runScript('packages/submit/src/cli/validate.ts', args);

describe('submit:validate (spawned)', () => {
  it('checks a submission against the test rows of --data', () => {
    const r = run(['--submission', submission, '--data', data]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${submission}: valid (3 rows, rows predicted as each digit 0-9: 0/1/1/1/0/0/0/0/0/0)\n`);
  });

  it('says `1 row` of a one-row test set and its submission (it said `1 rows`), and mismatched test audio in the singular too', () => {
    const one = join(root, 'one-row');
    mkdirSync(one);
    writeNpy(join(one, 'x_test_wr.npy'), new Float32Array(784), [1, 784]);
    const single = join(root, 'single.csv');
    writeFileSync(single, 'row_id,label\n0,7\n');
    const r = run(['--submission', single, '--data', one]);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: `${single}: valid (1 row, rows predicted as each digit 0-9: 0/0/0/0/0/0/0/1/0/0)\n` });
    writeNpy(join(one, 'x_test_sp.npy'), new Float32Array(2 * 507), [2, 507]);
    const bad = run(['--submission', single, '--data', one]);
    expect({ status: bad.status, stderr: bad.stderr }).toEqual({ status: 1, stderr: 'error: Expected `x_test_sp.npy` to have 1 row like `x_test_wr.npy`, found 2 (shape [2,507])\n' });
  });

  it("warns that a run's submission.csv is not the run's current one when its run.json records no finished predict stage (upload refuses it), and still checks it", () => {
    const runDir = join(root, 'run');
    mkdirSync(runDir);
    const own = join(runDir, 'submission.csv');
    writeFileSync(own, 'row_id,label\n0,1\n1,2\n2,3\n');
    const state = (stages: string[]) => JSON.stringify({ version: 1, options: {}, stages: Object.fromEntries(stages.map((s) => [s, { seconds: 1 }])) });
    writeFileSync(join(runDir, 'run.json'), state(['data', 'search']));
    const stale = run(['--submission', own, '--data', data]);
    expect({ status: stale.status, stderr: stale.stderr }).toEqual({
      status: 0,
      stderr:
        `warning: \`${own}\` is not its run's current submission: run.json records no finished predict stage (the file is from before the run's search went on or its later stages were redone); ` +
        `\`digitfuse full --resume ${runDir}\` writes the current one\n`,
    });
    expect(stale.stdout).toContain(': valid (3 rows');
    writeFileSync(join(runDir, 'run.json'), state(['data', 'search', 'retrain', 'predict']));
    expect(run(['--submission', own, '--data', data]).stderr).toBe('');
  });

  it('counts no row for blank lines after the last one, and names the first row past the test rows', () => {
    const trailing = join(root, 'trailing.csv');
    writeFileSync(trailing, 'row_id,label\n0,1\n1,2\n2,3\n\n');
    expect(run(['--submission', trailing, '--data', data]).stdout).toBe(`${trailing}: valid (3 rows, rows predicted as each digit 0-9: 0/1/1/1/0/0/0/0/0/0)\n`);
    const repeated = join(root, 'repeated.csv');
    writeFileSync(repeated, 'row_id,label\n0,1\n1,2\n2,3\n2,3\n');
    const r = run(['--submission', repeated, '--data', data]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: Expected \`${repeated}\` to have 3 rows (one per test row), found 4: line 5 \`2,3\` is past row_id 2\n`);
  });

  it('names --data and the test file when the folder has no test images', () => {
    const training = join(root, 'training-only');
    mkdirSync(training);
    const r = run(['--submission', submission, '--data', training]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: Expected \`--data ${training}\` to hold x_test_wr.npy (its rows are the submission's), found no such file\n`);
  });

  it.each([
    ['0-d', [], 'to be a 2-D array [N,784] (or [N,28,28] or [N,28,28,1]), found shape []'],
    ['1-D', [100], 'to be a 2-D array [N,784] (or [N,28,28] or [N,28,28,1]), found shape [100]'],
    ['[N,5]', [100, 5], 'to have 784 columns, found 5 (shape [100,5])'],
    ['0-row', [0, 784], 'to have at least 1 row, found 0 (shape [0,784])'],
  ])('refuses a %s x_test_wr.npy in one line as the data loader does (it crashed, or took it for valid)', (_case, shape, found) => {
    const bad = join(root, `bad-${shape.join('x') || 'scalar'}`);
    mkdirSync(bad);
    writeNpy(join(bad, 'x_test_wr.npy'), new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
    const r = run(['--submission', submission, '--data', bad]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `error: Expected \`x_test_wr.npy\` ${found}\n` });
  });

  it('refuses test audio whose rows are not the test images\'', () => {
    const bad = join(root, 'bad-audio');
    mkdirSync(bad);
    writeNpy(join(bad, 'x_test_wr.npy'), new Float32Array(3 * 784), [3, 784]);
    writeNpy(join(bad, 'x_test_sp.npy'), new Float32Array(3 * 5), [3, 5]);
    const r = run(['--submission', submission, '--data', bad]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: 'error: Expected `x_test_sp.npy` to have 507 columns, found 5 (shape [3,5])\n' });
  });

  it('says in one line that it may not read the submission, run by a user other than root (it printed EACCES with a stack trace)', () => {
    const open = mkdtempSync(join(tmpdir(), 'validate-cli-open-'));
    try {
      chmodSync(open, 0o755);
      mkdirSync(join(open, 'data'));
      writeNpy(join(open, 'data', 'x_test_wr.npy'), new Float32Array(3 * 784), [3, 784]);
      const secret = join(open, 'secret.csv');
      writeFileSync(secret, 'row_id,label\n0,1\n1,2\n2,3\n');
      chmodSync(secret, 0);
      const r = runScriptUnprivileged('packages/submit/src/cli/validate.ts', ['--submission', secret, '--data', join(open, 'data')]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `error: Expected the submission \`${secret}\` to be a CSV file, found a file it may not read (permission denied, EACCES)\n` });
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('says in one line that --data must be a folder when it is a file', () => {
    const r = run(['--submission', submission, '--data', submission]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`error: Expected \`--data ${submission}\` to be a folder with the competition's files, found a file`]);
  });
});
