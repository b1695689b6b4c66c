import { writeNpy } from '@digitfuse/data';
import { runScript, WORKSPACE } from '@digitfuse/core/testing';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(120_000);

const root = mkdtempSync(join(tmpdir(), 'upload-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bin = join(root, 'bin');
const data = join(root, 'data');
const argsLog = join(root, 'kaggle-args.json');
const good = join(root, 'submission.csv');

beforeAll(() => {
  mkdirSync(bin);
  mkdirSync(data);
  // A fake official CLI: records its argument vector exactly (one JSON array) and succeeds.
  writeFileSync(join(bin, 'kaggle'), `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(argsLog)}, JSON.stringify(process.argv.slice(2)));\n`);
  chmodSync(join(bin, 'kaggle'), 0o755);
  writeNpy(join(data, 'x_test_wr.npy'), new Float32Array(3 * 784), [3, 784]);
  writeFileSync(good, 'row_id,label\n0,1\n1,2\n2,3\n');
});

const env = () => ({ ...process.env, PATH: `${bin}:${process.env.PATH}`, KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k' });
const run = (args: string[]) => runScript('packages/submit/src/cli/upload.ts', args, env());
const recorded = (): string[] => JSON.parse(readFileSync(argsLog, 'utf8')) as string[];

describe('submit:upload (spawned, with a fake kaggle CLI on PATH)', () => {
  it('hands every value to the kaggle CLI intact, where its argparse cannot take one for an option', () => {
    const message = "cost $5 fix `robust` fusion -x $(touch /tmp/never)";
    const r = run(['--competition', 'digits-633', '--message', message, '--submission', good, '--data', data]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(recorded()).toEqual(['competitions', 'submit', '-c', 'digits-633', `--file=${good}`, `--message=${message}`]);
    expect(existsSync('/tmp/never')).toBe(false);
  });

  it.each([
    ['/etc/passwd', /^error: Expected `\/etc\/passwd` line 1 to be the header `row_id,label`/],
    ['DIR', /^error: Expected the submission `.*` to be a CSV file, found a folder$/],
    ['BANANA', /^error: Expected `.*banana\.csv` line 2 to have a label 0\.\.9, found `banana`$/],
    ['SHORT', /^error: Expected `.*short\.csv` to have 3 rows/],
  ])('refuses %s before uploading anything', (which, message) => {
    const file =
      which === 'DIR' ? root : which === 'BANANA' ? join(root, 'banana.csv') : which === 'SHORT' ? join(root, 'short.csv') : which;
    writeFileSync(join(root, 'banana.csv'), 'row_id,label\n0,banana\n1,2\n2,3\n');
    writeFileSync(join(root, 'short.csv'), 'row_id,label\n0,1\n');
    if (existsSync(argsLog)) writeFileSync(argsLog, '[]');
    const r = run(['--competition', 'digits', '--message', 'm', '--submission', file, '--data', data]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(existsSync(argsLog) ? recorded() : []).toEqual([]);
  });

  it.each([['-h'], ['bad slug/../x']])('refuses --competition %j with a usage error (exit 2) in one line, before reading any file', (competition) => {
    if (existsSync(argsLog)) writeFileSync(argsLog, '[]');
    // No --data and no run.json: the slug is refused before that is looked for.
    const r = run([`--competition=${competition}`, '--message', 'm', '--submission', join(root, 'absent.csv')]);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 2,
      stderr: `error: Expected \`--competition\` to be a Kaggle competition slug (letters, digits and dashes, as in its URL), found \`${competition}\``,
    });
    expect(existsSync(argsLog) ? recorded() : []).toEqual([]);
  });

  it("takes the workspace's submission.csv without --submission, where predict writes by default, not the current folder's", () => {
    // Run where a submission.csv lies (root): it was uploaded, while predict had written its own elsewhere when run from another folder.
    const inWorkspace = join(WORKSPACE, 'submission.csv');
    if (existsSync(inWorkspace)) return; // (a user's own: the check below would upload it)
    const before = existsSync(argsLog) ? readFileSync(argsLog, 'utf8') : null;
    const r = runScript('packages/submit/src/cli/upload.ts', ['--competition', 'digits', '--message', 'm', '--data', data], env(), root);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `error: Expected the submission \`${inWorkspace}\` to be a CSV file, found nothing there\n` });
    expect(existsSync(argsLog) ? readFileSync(argsLog, 'utf8') : null).toBe(before);
    expect(runScript('packages/submit/src/cli/upload.ts', ['--help']).stdout.replace(/\s+/g, ' ')).toContain('The file to submit [string] [default: <workspace>/submission.csv]');
  });

  it('refuses a submission it cannot check: no --data and no run.json beside it is a usage error', () => {
    const nodata = run(['--competition', 'digits', '--message', 'm', '--submission', good]);
    expect(nodata.status).toBe(2);
    expect(nodata.stderr.trim().split('\n')).toHaveLength(1);
    expect(nodata.stderr.trim()).toMatch(/^error: Expected `--data DIR` \(the competition folder with x_test_wr\.npy\) to check `.*submission\.csv` against before uploading/);
    // A mistyped --submission (no file there, so no run.json beside it either) is named as such.
    for (const absent of [join(root, 'submision.csv'), join(root, 'nowhere', 'submission.csv')]) {
      const typo = run(['--competition', 'digits', '--message', 'm', '--submission', absent]);
      expect({ status: typo.status, stderr: typo.stderr.trim() }).toEqual({
        status: 1,
        stderr: `error: Expected the submission \`${absent}\` to be a CSV file, found nothing there`,
      });
    }
    // A folder without the test images, or with a 0-d one: --data and the file are named (a bare 'File not found', a RangeError).
    const noTest = join(root, 'no-test');
    mkdirSync(noTest, { recursive: true });
    if (existsSync(argsLog)) writeFileSync(argsLog, '[]');
    const missing = run(['--competition', 'digits', '--message', 'm', '--submission', good, '--data', noTest]);
    expect({ status: missing.status, stderr: missing.stderr }).toEqual({
      status: 1,
      stderr: `error: Expected \`--data ${noTest}\` to hold x_test_wr.npy (its rows are the submission's), found no such file\n`,
    });
    writeNpy(join(noTest, 'x_test_wr.npy'), new Float32Array(1), []);
    const scalar = run(['--competition', 'digits', '--message', 'm', '--submission', good, '--data', noTest]);
    expect({ status: scalar.status, stderr: scalar.stderr }).toEqual({
      status: 1,
      stderr: 'error: Expected `x_test_wr.npy` to be a 2-D array [N,784] (or [N,28,28] or [N,28,28,1]), found shape []\n',
    });
    expect(existsSync(argsLog) ? recorded() : []).toEqual([]);
    const file = run(['--competition', 'digits', '--message', 'm', '--submission', good, '--data', good]);
    expect(file.status).toBe(1);
    expect(file.stderr.trim()).toBe(`error: Expected \`--data ${good}\` to be a folder with the competition's files, found a file`);
  });

  it.each([['null'], ['{"data":{"dir":5}}'], ['{"options":{"data":["x"]}}']])(
    'takes a run.json beside the submission that is no run\'s (%s, edited by hand) for none: one line, no TypeError with a stack trace',
    (text) => {
      const runDir = join(root, 'odd-run');
      mkdirSync(runDir, { recursive: true });
      const submission = join(runDir, 'submission.csv');
      writeFileSync(submission, 'row_id,label\n0,1\n1,2\n2,3\n');
      writeFileSync(join(runDir, 'run.json'), text);
      const r = run(['--competition', 'digits', '--message', 'm', '--submission', submission]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 2,
        stderr: `error: Expected \`--data DIR\` (the competition folder with x_test_wr.npy) to check \`${submission}\` against before uploading, found none (and a run.json beside the submission that names no data folder)\n`,
      });
      const checked = runScript('packages/submit/src/cli/validate.ts', ['--submission', submission, '--data', data], env());
      expect({ status: checked.status, stderr: checked.stderr }).toEqual({ status: 0, stderr: '' });
    },
  );

  it("names the data folder of the run that wrote the submission, when it is gone, as its run.json's (not as a --data never typed)", () => {
    const runDir = join(root, 'orphan-run');
    mkdirSync(runDir);
    const submission = join(runDir, 'submission.csv');
    writeFileSync(submission, 'row_id,label\n0,1\n1,2\n2,3\n');
    const gone = join(root, 'moved-data');
    writeFileSync(join(runDir, 'run.json'), JSON.stringify({ version: 1, options: { data: gone }, data: { dir: gone }, stages: { data: { seconds: 1, finishedAt: '' }, predict: { seconds: 1, finishedAt: '' } } }));
    const r = run(['--competition', 'digits', '--message', 'm', '--submission', submission]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 1,
      stderr: `error: Expected the data folder \`${gone}\` of the run that wrote the submission (its run.json; --data DIR names another) to be a folder with the competition's files, found no such folder\n`,
    });
  });

  it("refuses a run's submission.csv that its run.json no longer accounts for (its search went on since), and uploads it once the predict stage is recorded", () => {
    const runDir = join(root, 'run');
    mkdirSync(runDir);
    const submission = join(runDir, 'submission.csv');
    writeFileSync(submission, 'row_id,label\n0,1\n1,2\n2,3\n');
    // As `search --resume DIR --trials N` leaves a finished run: the stages after the search dropped, their files still there.
    const state = (stages: string[]) => ({ version: 1, options: { data }, data: { dir: data }, stages: Object.fromEntries(stages.map((s) => [s, { seconds: 1, finishedAt: '' }])) });
    writeFileSync(join(runDir, 'run.json'), JSON.stringify(state(['data', 'search'])));
    if (existsSync(argsLog)) writeFileSync(argsLog, '[]');
    for (const extra of [[], ['--data', data]]) {
      const r = run(['--competition', 'digits', '--message', 'm', '--submission', submission, ...extra]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr:
          `error: Expected \`${submission}\` to be its run's current submission, found run.json recording no finished predict stage (the file is from before the run's search went on or its later stages were redone); ` +
          `\`digitfuse full --resume ${runDir}\` writes the current one (to upload this one as it is, copy it out of the run directory)\n`,
      });
    }
    expect(existsSync(argsLog) ? recorded() : []).toEqual([]);
    writeFileSync(join(runDir, 'run.json'), JSON.stringify(state(['data', 'search', 'retrain', 'predict'])));
    const r = run(['--competition', 'digits', '--message', 'm', '--submission', submission]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(recorded()).toEqual(['competitions', 'submit', '-c', 'digits', `--file=${submission}`, '--message=m']);
  });

  it('says the kaggle CLI was stopped by a signal (it has no exit status then), not "exited with status null"', () => {
    const killed = join(root, 'bin-killed');
    mkdirSync(killed);
    writeFileSync(join(killed, 'kaggle'), '#!/bin/sh\nkill -TERM $$\n');
    chmodSync(join(killed, 'kaggle'), 0o755);
    const r = runScript('packages/submit/src/cli/upload.ts', ['--competition', 'digits', '--message', 'm', '--submission', good, '--data', data], {
      ...env(),
      PATH: `${killed}:${process.env.PATH}`,
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 1,
      stderr: `error: Not uploaded: the Kaggle CLI was stopped by SIGTERM; command was: kaggle competitions submit -c digits --file=${good} --message=m\n`,
    });
  });
});
